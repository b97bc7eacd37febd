// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "nf_tpkt": policy, counters, flows, events.
 * include/uapi/linux/nf_tpkt.h documents every command and attribute.
 */
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nf_tpkt.h"

static struct netlink_range_validation max_flows_range = {
	.min = 1, .max = NF_TPKT_MAX_FLOWS_LIMIT,
};

static struct netlink_range_validation timeout_range = {
	.min = 1, .max = NF_TPKT_MAX_TIMEOUT,
};

static struct netlink_range_validation event_rate_range = {
	.min = 0, .max = NF_TPKT_MAX_EVENT_RATE,
};

static const struct nla_policy actions_policy[__NF_TPKT_CHECK_MAX + 1] = {
	[1 ... __NF_TPKT_CHECK_MAX] = NLA_POLICY_MAX(NLA_U8, NF_TPKT_ACT_MAX),
};

static const struct nla_policy ports_policy[NF_TPKT_A_PORTS_MAX + 1] = {
	[NF_TPKT_A_PORTS_RANGE] = { .type = NLA_U32 },
};

/*
 * One policy per command, each covering every attribute type, so that an
 * attribute a command does not take is refused with a message instead of
 * being ignored.
 */
#define NOT_HERE(msg)	{ .type = NLA_REJECT, .reject_message = msg }

static const struct nla_policy set_policy_policy[NF_TPKT_A_MAX + 1] = {
	[NF_TPKT_A_POLICY_MODE] = NLA_POLICY_MAX(NLA_U8, NF_TPKT_MODE_MAX),
	[NF_TPKT_A_POLICY_ACTIONS] = NLA_POLICY_NESTED(actions_policy),
	[NF_TPKT_A_POLICY_PORTS] = NLA_POLICY_NESTED(ports_policy),
	[NF_TPKT_A_POLICY_HOOKS] = NLA_POLICY_MASK(NLA_U32, NF_TPKT_HOOK_ALL),
	[NF_TPKT_A_POLICY_MAX_FLOWS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &max_flows_range),
	[NF_TPKT_A_POLICY_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[NF_TPKT_A_POLICY_FULL] = NLA_POLICY_MAX(NLA_U8, NF_TPKT_FULL_MAX),
	[NF_TPKT_A_POLICY_PICKUP] = NLA_POLICY_MAX(NLA_U8, NF_TPKT_PICKUP_MAX),
	[NF_TPKT_A_POLICY_OOO] = NLA_POLICY_MAX(NLA_U8, NF_TPKT_OOO_MAX),
	[NF_TPKT_A_POLICY_EVENT_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &event_rate_range),
	[NF_TPKT_A_STATS_RESET ... NF_TPKT_A_MAX] =
		NOT_HERE("not a policy attribute"),
};

static const struct nla_policy get_stats_policy[NF_TPKT_A_MAX + 1] = {
	[NF_TPKT_A_POLICY_MODE ... NF_TPKT_A_POLICY_EVENT_RATE] =
		NOT_HERE("GET_STATS takes only NF_TPKT_A_STATS_RESET"),
	[NF_TPKT_A_STATS_RESET] = { .type = NLA_FLAG },
	[NF_TPKT_A_STATS_COUNTERS ... NF_TPKT_A_MAX] =
		NOT_HERE("GET_STATS takes only NF_TPKT_A_STATS_RESET"),
};

/* GET_POLICY, GET_FLOWS, FLUSH_FLOWS */
static const struct nla_policy no_attrs_policy[NF_TPKT_A_MAX + 1] = {
	[1 ... NF_TPKT_A_MAX] = NOT_HERE("this command takes no attributes"),
};

static struct genl_family nf_tpkt_family;

enum { NF_TPKT_MCGRP_EVENTS_ID };

/*
 * netlink takes the last of duplicated attributes silently; a policy given
 * twice is more likely a mistake than an intent, so say so.
 */
static int reject_duplicates(const struct nlattr *head, int len,
			     struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(seen, 64) = {};
	const struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);

		if (type >= 64)
			continue;	/* rejected by the policy anyway */
		if (test_and_set_bit(type, seen)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "attribute given more than once");
			return -EINVAL;
		}
	}
	return 0;
}

static int put_policy(struct sk_buff *msg, const struct nf_tpkt_policy *p)
{
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u8(msg, NF_TPKT_A_POLICY_MODE, p->mode) ||
	    nla_put_u32(msg, NF_TPKT_A_POLICY_HOOKS, p->hooks) ||
	    nla_put_u32(msg, NF_TPKT_A_POLICY_MAX_FLOWS, p->max_flows) ||
	    nla_put_u32(msg, NF_TPKT_A_POLICY_TIMEOUT, p->timeout) ||
	    nla_put_u8(msg, NF_TPKT_A_POLICY_FULL, p->full) ||
	    nla_put_u8(msg, NF_TPKT_A_POLICY_PICKUP, p->pickup) ||
	    nla_put_u8(msg, NF_TPKT_A_POLICY_OOO, p->ooo) ||
	    nla_put_u32(msg, NF_TPKT_A_POLICY_EVENT_RATE, p->event_rate))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, NF_TPKT_A_POLICY_ACTIONS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		if (nla_put_u8(msg, i + 1, p->action[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, NF_TPKT_A_POLICY_PORTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->nranges; i++)
		if (nla_put_u32(msg, NF_TPKT_A_PORTS_RANGE,
				(u32)p->ranges[i].lo << 16 | p->ranges[i].hi))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int get_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(genl_info_net(info));
	const struct nf_tpkt_policy *pol;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nf_tpkt_family, 0,
				NF_TPKT_CMD_GET_POLICY);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&tn->lock);
	pol = rcu_dereference_protected(tn->policy, lockdep_is_held(&tn->lock));
	err = put_policy(msg, pol);
	mutex_unlock(&tn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int set_actions(struct nf_tpkt_policy *p, const struct nlattr *nest,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[__NF_TPKT_CHECK_MAX + 1];
	unsigned int i;
	int err;

	/* an empty nest is valid netlink, but says nothing: a mistake */
	if (!nla_len(nest)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "empty action set");
		return -EINVAL;
	}
	err = reject_duplicates(nla_data(nest), nla_len(nest), extack);
	if (err)
		return err;
	err = nla_parse_nested(tb, __NF_TPKT_CHECK_MAX, nest, actions_policy,
			       extack);
	if (err)
		return err;
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++) {
		u8 act;

		if (!tb[i + 1])
			continue;
		act = nla_get_u8(tb[i + 1]);
		if (!tpkt_check_action_valid(i, act)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i + 1],
					    "fix is not meaningful for this check");
			return -EINVAL;
		}
		p->action[i] = act;
	}
	return 0;
}

static int set_ports(struct nf_tpkt_policy *p, const struct nlattr *nest,
		     struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem;

	p->nranges = 0;
	nla_for_each_nested(nla, nest, rem) {
		u32 v = nla_get_u32(nla);
		u16 lo = v >> 16, hi = v & 0xffff;

		if (!lo || hi < lo) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "port range must be 1..65535 and first <= last");
			return -ERANGE;
		}
		if (p->nranges == NF_TPKT_MAX_PORT_RANGES) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "too many port ranges");
			return -E2BIG;
		}
		p->ranges[p->nranges].lo = lo;
		p->ranges[p->nranges].hi = hi;
		p->nranges++;
	}
	if (!p->nranges) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "empty port set");
		return -EINVAL;
	}
	return 0;
}

static int set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **a = info->attrs;
	struct nf_tpkt_policy *p;
	int err;

	/* the policy has let through policy attributes only */
	if (!genlmsg_len(info->genlhdr)) {
		NL_SET_ERR_MSG(extack, "no policy attribute given");
		return -EINVAL;
	}
	err = reject_duplicates(genlmsg_data(info->genlhdr),
				genlmsg_len(info->genlhdr), extack);
	if (err)
		return err;

	mutex_lock(&tn->lock);
	p = kmemdup(rcu_dereference_protected(tn->policy,
					      lockdep_is_held(&tn->lock)),
		    sizeof(*p), GFP_KERNEL);
	err = -ENOMEM;
	if (!p)
		goto out;
	if (a[NF_TPKT_A_POLICY_MODE])
		p->mode = nla_get_u8(a[NF_TPKT_A_POLICY_MODE]);
	if (a[NF_TPKT_A_POLICY_HOOKS]) {
		p->hooks = nla_get_u32(a[NF_TPKT_A_POLICY_HOOKS]);
		if (!p->hooks) {
			NL_SET_ERR_MSG_ATTR(extack, a[NF_TPKT_A_POLICY_HOOKS],
					    "at least one hook is needed");
			err = -EINVAL;
			goto free;
		}
	}
	if (a[NF_TPKT_A_POLICY_MAX_FLOWS]) {
		p->max_flows = nla_get_u32(a[NF_TPKT_A_POLICY_MAX_FLOWS]);
		/* GENL_UNS_ADMIN_PERM let a user namespace's root this far */
		if (p->max_flows > nf_tpkt_userns_max_flows &&
		    !netlink_capable(skb, CAP_NET_ADMIN)) {
			NL_SET_ERR_MSG_ATTR(extack, a[NF_TPKT_A_POLICY_MAX_FLOWS],
					    "max-flows above nf_tpkt.userns_max_flows needs CAP_NET_ADMIN in the initial user namespace");
			err = -EPERM;
			goto free;
		}
	}
	if (a[NF_TPKT_A_POLICY_TIMEOUT])
		p->timeout = nla_get_u32(a[NF_TPKT_A_POLICY_TIMEOUT]);
	if (a[NF_TPKT_A_POLICY_FULL])
		p->full = nla_get_u8(a[NF_TPKT_A_POLICY_FULL]);
	if (a[NF_TPKT_A_POLICY_PICKUP])
		p->pickup = nla_get_u8(a[NF_TPKT_A_POLICY_PICKUP]);
	if (a[NF_TPKT_A_POLICY_OOO])
		p->ooo = nla_get_u8(a[NF_TPKT_A_POLICY_OOO]);
	if (a[NF_TPKT_A_POLICY_EVENT_RATE])
		p->event_rate = nla_get_u32(a[NF_TPKT_A_POLICY_EVENT_RATE]);
	if (a[NF_TPKT_A_POLICY_ACTIONS]) {
		err = set_actions(p, a[NF_TPKT_A_POLICY_ACTIONS], extack);
		if (err)
			goto free;
	}
	if (a[NF_TPKT_A_POLICY_PORTS]) {
		err = set_ports(p, a[NF_TPKT_A_POLICY_PORTS], extack);
		if (err)
			goto free;
	}
	nf_tpkt_policy_finish(p);
	err = nf_tpkt_policy_apply(tn, p, extack);
	goto out;
free:
	kfree(p);
out:
	mutex_unlock(&tn->lock);
	return err;
}

static int put_u64_array(struct sk_buff *msg, int type, const u64 *v,
			 unsigned int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(msg, i + 1, v[i], NF_TPKT_A_UNSPEC))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nf_tpkt_net *tn = nf_tpkt_pernet(net);
	bool reset = info->attrs[NF_TPKT_A_STATS_RESET];
	struct tpkt_counts *sum;
	struct sk_buff *msg;
	unsigned int cpu, i;
	void *hdr;
	int err;

	err = reject_duplicates(genlmsg_data(info->genlhdr),
				genlmsg_len(info->genlhdr), info->extack);
	if (err)
		return err;
	if (reset && !netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NF_TPKT_A_STATS_RESET],
				    "resetting counters needs CAP_NET_ADMIN in the user namespace that owns this network namespace");
		return -EPERM;
	}
	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		const struct tpkt_counts *c = per_cpu_ptr(tn->stats, cpu);

		for (i = 0; i < __NF_TPKT_CTR_MAX; i++)
			sum->ctr[i] += READ_ONCE(c->ctr[i]);
		for (i = 0; i < __NF_TPKT_TPDU_MAX; i++)
			sum->tpdu[i] += READ_ONCE(c->tpdu[i]);
		for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
			sum->anomaly[i] += READ_ONCE(c->anomaly[i]);
	}
	if (reset) {
		/* increments racing with this are lost, nothing else */
		for_each_possible_cpu(cpu)
			memset(per_cpu_ptr(tn->stats, cpu), 0,
			       sizeof(struct tpkt_counts));
	}

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		kfree(sum);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &nf_tpkt_family, 0,
				NF_TPKT_CMD_GET_STATS);
	err = -EMSGSIZE;
	if (!hdr ||
	    put_u64_array(msg, NF_TPKT_A_STATS_COUNTERS, sum->ctr,
			  __NF_TPKT_CTR_MAX) ||
	    put_u64_array(msg, NF_TPKT_A_STATS_TPDUS, sum->tpdu,
			  __NF_TPKT_TPDU_MAX) ||
	    put_u64_array(msg, NF_TPKT_A_STATS_ANOMALIES, sum->anomaly,
			  __NF_TPKT_CHECK_MAX) ||
	    nla_put_u32(msg, NF_TPKT_A_STATS_FLOWS_ACTIVE,
			atomic_read(&tn->nflows)))
		goto fail;
	kfree(sum);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
fail:
	kfree(sum);
	nlmsg_free(msg);
	return err;
}

static int put_addrs(struct sk_buff *msg, const struct nf_tpkt_key *k,
		     unsigned int src, int family_attr)
{
	/* the four attributes after family: saddr, daddr, sport, dport */
	int alen = k->family == AF_INET ? 4 : 16;

	if (nla_put_u8(msg, family_attr, k->family) ||
	    nla_put(msg, family_attr + 1, alen, &k->addr[src]) ||
	    nla_put(msg, family_attr + 2, alen, &k->addr[!src]) ||
	    nla_put_u16(msg, family_attr + 3, ntohs(k->port[src])) ||
	    nla_put_u16(msg, family_attr + 4, ntohs(k->port[!src])))
		return -EMSGSIZE;
	return 0;
}

static u8 dir_state(const struct nf_tpkt_flow *f, unsigned int dir)
{
	const struct tpkt_dir *d = &f->eng.dir[dir];

	if (tpkt_dir_blocked(&f->eng, dir))
		return NF_TPKT_DIR_BLOCKED;
	if (tpkt_dir_desynced(&f->eng, dir))
		return NF_TPKT_DIR_DESYNC;
	if (tpkt_dir_tracked(&f->eng, dir))
		return NF_TPKT_DIR_TRACKING;
	return d->flags ? NF_TPKT_DIR_CLOSED : NF_TPKT_DIR_UNSYNCED;
}

/* -ENOENT: the flow was unlinked since the walk found it. */
static int put_flow(struct sk_buff *msg, struct nf_tpkt_flow *f)
{
	u32 now = (u32)jiffies;
	struct nlattr *nest, *dn;
	unsigned int d;
	int err = -EMSGSIZE;

	nest = nla_nest_start(msg, NF_TPKT_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	spin_lock_bh(&f->lock);
	if (nf_tpkt_flow_dead(f)) {
		err = -ENOENT;
		goto out;
	}
	if (put_addrs(msg, &f->key, f->opener, NF_TPKT_A_FLOW_FAMILY) ||
	    nla_put_u32(msg, NF_TPKT_A_FLOW_AGE_MS,
			jiffies_to_msecs(now - f->created)) ||
	    nla_put_u32(msg, NF_TPKT_A_FLOW_IDLE_MS,
			jiffies_to_msecs(now - f->last)) ||
	    nla_put_u8(msg, NF_TPKT_A_FLOW_CLASS, f->eng.cls) ||
	    nla_put_u32(msg, NF_TPKT_A_FLOW_MAX_TPDU, f->eng.max_tpdu))
		goto out;
	for (d = 0; d < 2; d++) {
		dn = nla_nest_start(msg, NF_TPKT_A_FLOW_DIR);
		if (!dn ||
		    nla_put_u8(msg, NF_TPKT_A_DIR_STATE, dir_state(f, d)) ||
		    nla_put_u32(msg, NF_TPKT_A_DIR_PACKETS, f->packets[d]) ||
		    nla_put_u32(msg, NF_TPKT_A_DIR_STREAM_BYTES,
				tpkt_dir_stream_bytes(&f->eng, d)) ||
		    nla_put_u32(msg, NF_TPKT_A_DIR_ANOMALIES, f->anomalies[d]) ||
		    nla_put_u32(msg, NF_TPKT_A_DIR_EDITS, f->edits[d]))
			goto out;
		nla_nest_end(msg, dn);
	}
	err = 0;
out:
	spin_unlock_bh(&f->lock);
	if (!err)
		nla_nest_end(msg, nest);
	return err;
}

static int flows_start(struct netlink_callback *cb)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(sock_net(cb->skb->sk));
	struct rhashtable_iter *iter = kmalloc(sizeof(*iter), GFP_KERNEL);

	if (!iter)
		return -ENOMEM;
	rhashtable_walk_enter(&tn->flows, iter);
	cb->args[0] = (long)iter;
	return 0;
}

static int flows_done(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];

	if (iter) {
		rhashtable_walk_exit(iter);
		kfree(iter);
	}
	return 0;
}

static int flows_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];
	struct nf_tpkt_flow *f;
	int err = 0;

	rhashtable_walk_start(iter);
	for (;;) {
		void *hdr;

		/* peek first: a flow that does not fit goes in the next skb */
		f = rhashtable_walk_peek(iter);
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;
			err = PTR_ERR(f);
			break;
		}
		if (!f)
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nf_tpkt_family,
				  NLM_F_MULTI, NF_TPKT_CMD_GET_FLOWS);
		if (!hdr)
			break;
		switch (put_flow(skb, f)) {
		case 0:
			genlmsg_end(skb, hdr);
			break;
		case -ENOENT:
			/* unlinked since the walk found it: not listed */
			genlmsg_cancel(skb, hdr);
			break;
		default:
			genlmsg_cancel(skb, hdr);
			goto out;
		}
		rhashtable_walk_next(iter);
	}
out:
	rhashtable_walk_stop(iter);
	return err ? err : skb->len;
}

static int flush_flows(struct sk_buff *skb, struct genl_info *info)
{
	nf_tpkt_flows_flush(nf_tpkt_pernet(genl_info_net(info)));
	return 0;
}

/* Whether one more event fits in this second's budget. */
static bool event_allowed(struct nf_tpkt_net *tn, u32 rate)
{
	unsigned long now = jiffies;
	bool ok;

	spin_lock_bh(&tn->ev_lock);
	if (time_after_eq(now, tn->ev_window + HZ)) {
		tn->ev_window = now;
		tn->ev_sent = 0;
	}
	ok = tn->ev_sent < rate;
	if (ok)
		tn->ev_sent++;
	spin_unlock_bh(&tn->ev_lock);
	return ok;
}

/* The device an event names: where the segment came in, or goes out. */
static const struct net_device *event_dev(const struct nf_hook_state *state)
{
	switch (state->hook) {
	case NF_INET_LOCAL_OUT:
	case NF_INET_POST_ROUTING:
		return state->out;
	default:
		return state->in;
	}
}

/*
 * Where and when.  dev->name is read without the rename lock, as the
 * packet path must: a rename racing with the event may show either name.
 */
static int put_where(struct sk_buff *msg, const struct nf_tpkt_net *tn,
		     const struct nf_hook_state *state)
{
	const struct net_device *dev = event_dev(state);

	if (nla_put_u64_64bit(msg, NF_TPKT_A_EVENT_TIME, ktime_get_real_ns(),
			      NF_TPKT_A_EVENT_PAD) ||
	    nla_put_u32(msg, NF_TPKT_A_EVENT_NETNS, tn->net->ns.inum) ||
	    nla_put_u8(msg, NF_TPKT_A_EVENT_HOOK, state->hook))
		return -EMSGSIZE;
	if (dev && (nla_put_u32(msg, NF_TPKT_A_EVENT_IFINDEX, dev->ifindex) ||
		    nla_put_string(msg, NF_TPKT_A_EVENT_IFNAME, dev->name)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Report one anomaly to "events" subscribers.  Called from the packet path
 * under rcu_read_lock, flow unlocked; @state is the hook's that parsed the
 * segment.
 */
void nf_tpkt_event(struct nf_tpkt_net *tn, const struct nf_hook_state *state,
		   const struct nf_tpkt_key *key, u8 src,
		   const struct tpkt_anomaly *a)
{
	const struct nf_tpkt_policy *pol = rcu_dereference(tn->policy);
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	if (!genl_has_listeners(&nf_tpkt_family, tn->net,
				NF_TPKT_MCGRP_EVENTS_ID))
		return;
	if (!event_allowed(tn, pol->event_rate)) {
		nf_tpkt_count(tn, NF_TPKT_CTR_EVENTS_SUPPRESSED);
		return;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &nf_tpkt_family, 0, NF_TPKT_CMD_EVENT);
	if (!hdr)
		goto free;
	nest = nla_nest_start(msg, NF_TPKT_A_EVENT);
	if (!nest ||
	    put_addrs(msg, key, src, NF_TPKT_A_EVENT_FAMILY) ||
	    nla_put_u8(msg, NF_TPKT_A_EVENT_CHECK, a->check) ||
	    nla_put_u8(msg, NF_TPKT_A_EVENT_ACTION, a->action) ||
	    nla_put_u8(msg, NF_TPKT_A_EVENT_TPDU, a->tpdu) ||
	    nla_put_u32(msg, NF_TPKT_A_EVENT_OFFSET, a->off) ||
	    nla_put_u32(msg, NF_TPKT_A_EVENT_TPKT_OFFSET, a->tpkt_off) ||
	    nla_put_u32(msg, NF_TPKT_A_EVENT_VALUE, a->value) ||
	    (a->orig_len &&
	     nla_put(msg, NF_TPKT_A_EVENT_ORIG, a->orig_len, a->orig)) ||
	    put_where(msg, tn, state))
		goto free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&nf_tpkt_family, tn->net, msg, 0,
				NF_TPKT_MCGRP_EVENTS_ID, GFP_ATOMIC);
	return;
free:
	nlmsg_free(msg);
lost:
	nf_tpkt_count(tn, NF_TPKT_CTR_EVENTS_SUPPRESSED);
}

/*
 * GENL_UNS_ADMIN_PERM: CAP_NET_ADMIN in the user namespace that owns the
 * socket's network namespace, checked against both the task that opened
 * the socket and the one sending, so a container's root manages its own
 * namespace and nobody else's.
 */
static const struct genl_ops nf_tpkt_ops[] = {
	{
		.cmd = NF_TPKT_CMD_GET_POLICY,
		.doit = get_policy,
		.policy = no_attrs_policy,
		.maxattr = NF_TPKT_A_MAX,
	},
	{
		.cmd = NF_TPKT_CMD_SET_POLICY,
		.doit = set_policy,
		.policy = set_policy_policy,
		.maxattr = NF_TPKT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NF_TPKT_CMD_GET_STATS,
		.doit = get_stats,
		.policy = get_stats_policy,
		.maxattr = NF_TPKT_A_MAX,
	},
	{
		.cmd = NF_TPKT_CMD_GET_FLOWS,
		.start = flows_start,
		.dumpit = flows_dump,
		.done = flows_done,
		.policy = no_attrs_policy,
		.maxattr = NF_TPKT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NF_TPKT_CMD_FLUSH_FLOWS,
		.doit = flush_flows,
		.policy = no_attrs_policy,
		.maxattr = NF_TPKT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nf_tpkt_mcgrps[] = {
	[NF_TPKT_MCGRP_EVENTS_ID] = {
		.name = NF_TPKT_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family nf_tpkt_family __ro_after_init = {
	.name = NF_TPKT_GENL_NAME,
	.version = NF_TPKT_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = nf_tpkt_ops,
	.n_ops = ARRAY_SIZE(nf_tpkt_ops),
	/*
	 * resv_start_op stays 0: every command is "new", so genetlink
	 * refuses a non-zero genlmsghdr.reserved and nlmsg_flags other than
	 * REQUEST, ACK, ECHO and DUMP, with a message.
	 */
	.mcgrps = nf_tpkt_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nf_tpkt_mcgrps),
};

int nf_tpkt_genl_init(void)
{
	return genl_register_family(&nf_tpkt_family);
}

void nf_tpkt_genl_exit(void)
{
	genl_unregister_family(&nf_tpkt_family);
}
