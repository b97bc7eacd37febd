// SPDX-License-Identifier: GPL-2.0
/*
 * Segments held ahead of a gap (ooo hold).
 *
 * A segment that arrives ahead of a gap which may hide a TPKT header cannot
 * be judged yet: where its headers lie depends on bytes not seen.  Dropping
 * it makes TCP repair a reordering the receiver would have repaired by
 * itself, and passing it lets it past every check.  So it is kept here, the
 * way nf_queue keeps a packet for userspace: with its hook state, references
 * on its devices and socket, and its route made its own.  Once the frontier
 * of its direction reaches it, the packet path feeds it to the engine again
 * and it goes on through the rest of the hook's chain.
 *
 * Bounds: hold_flow_bytes per flow and hold_max_bytes for the module, in
 * truesize, and HOLD_TIMEOUT in time.  Past them a segment is dropped and
 * counted in ooo_drops, and TCP resends it as if the network had lost it.
 */
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netfilter_bridge.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "nf_tpkt.h"

/*
 * A gap open this long is a loss, not a reordering: the sender's
 * retransmission timer (200 ms at least) has fired by then.
 */
#define HOLD_TIMEOUT	HZ

static unsigned int hold_flow_bytes = 256 * 1024;
module_param(hold_flow_bytes, uint, 0444);
MODULE_PARM_DESC(hold_flow_bytes, "bytes (truesize) of segments held ahead of a gap per flow (262144)");

static unsigned int hold_max_bytes = 16 << 20;
module_param(hold_max_bytes, uint, 0444);
MODULE_PARM_DESC(hold_max_bytes, "bytes (truesize) of segments held ahead of a gap in all (16777216)");

static atomic_long_t held_total = ATOMIC_LONG_INIT(0);

struct nf_tpkt_held {
	struct list_head list;
	struct sk_buff *skb;
	struct nf_hook_state state;
	nf_hookfn *fn;		/* the hook that held it */
	unsigned long since;
	unsigned int size;	/* truesize when held */
	u32 seq;
	u16 thoff;
	u8 dir;
	bool copy;		/* monitor's: only to parse, never sent */
};

static bool seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

struct sk_buff *nf_tpkt_held_skb(const struct nf_tpkt_held *h)
{
	return h->skb;
}

unsigned int nf_tpkt_held_thoff(const struct nf_tpkt_held *h)
{
	return h->thoff;
}

/* Drop the references a held segment took, and the entry. */
static void held_free(struct nf_tpkt_net *tn, struct nf_tpkt_held *h)
{
	if (h->copy)
		goto out;
	if (h->state.in)
		dev_put(h->state.in);
	if (h->state.out)
		dev_put(h->state.out);
	if (h->state.sk)
		sock_put(h->state.sk);
out:
	atomic_long_sub(h->size, &held_total);
	atomic_dec(&tn->held);
	kfree(h);
}

/* A monitor's copy dropped drops no segment: its original went on. */
static void held_drop(struct nf_tpkt_net *tn, struct nf_tpkt_held *h)
{
	kfree_skb(h->skb);
	if (!h->copy)
		nf_tpkt_count(tn, NF_TPKT_CTR_OOO_DROPS);
	held_free(tn, h);
}

/* Into @x by direction, then sequence: the frontier meets them in order. */
static void held_insert(struct nf_tpkt_extra *x, struct nf_tpkt_held *h)
{
	struct nf_tpkt_held *pos;

	list_for_each_entry_reverse(pos, &x->held, list)
		if (pos->dir < h->dir ||
		    (pos->dir == h->dir && !seq_before(h->seq, pos->seq)))
			break;
	list_add(&h->list, &pos->list);
	x->held_bytes += h->size;
}

/* Room for @size more bytes in @x and in all, taken; false if none. */
static bool held_reserve(struct nf_tpkt_extra *x, unsigned int size)
{
	if (x->held_bytes + size > hold_flow_bytes)
		return false;
	if (atomic_long_add_return(size, &held_total) > hold_max_bytes) {
		atomic_long_sub(size, &held_total);
		return false;
	}
	return true;
}

/*
 * Keep @skb, for which the engine answered TPKT_HOLD, until the frontier
 * of direction @dir reaches @seq.  Called with @f locked.  False if it
 * cannot be kept: the caller drops it.
 */
bool nf_tpkt_hold(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
		  struct sk_buff *skb, const struct nf_hook_state *state,
		  nf_hookfn *fn, unsigned int thoff, unsigned int dir, u32 seq)
{
	unsigned int size = skb->truesize;
	struct nf_tpkt_held *h;
	struct nf_tpkt_extra *x;

	lockdep_assert_held(&f->lock);
	/*
	 * Bridge ports, a BPF-assigned socket and a request or time-wait
	 * socket are not ours to reference (only data is held, and data
	 * comes from full sockets).
	 */
	if (nf_bridge_info_exists(skb) || skb_sk_is_prefetched(skb) ||
	    (state->sk && !sk_fullsock(state->sk)))
		return false;
	x = nf_tpkt_extra_get(f);
	if (!x || !held_reserve(x, size))
		return false;
	h = kmalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		goto unaccount;
	if (state->sk && !refcount_inc_not_zero(&state->sk->sk_refcnt))
		goto free;
	/* a forwarded segment's route is only borrowed for this softirq */
	if (!skb_dst_force(skb)) {
		if (state->sk)
			sock_put(state->sk);
		goto free;
	}
	if (state->in)
		dev_hold(state->in);
	if (state->out)
		dev_hold(state->out);
	h->skb = skb;
	h->state = *state;
	h->fn = fn;
	h->since = jiffies;
	h->size = size;
	h->seq = seq;
	h->thoff = thoff;
	h->dir = dir;
	h->copy = false;
	held_insert(x, h);
	atomic_inc(&tn->held);
	nf_tpkt_count(tn, NF_TPKT_CTR_OOO_HELD);
	return true;
free:
	kfree(h);
unaccount:
	atomic_long_sub(size, &held_total);
	return false;
}

/*
 * Monitor mode's hold: @skb goes on, a clone of it (sharing its data,
 * which whoever writes to either must now unshare) stays to be parsed once
 * the frontier reaches @seq, then freed.  It takes no references: it is
 * never sent.  Called with @f locked; false if it cannot be kept.
 */
bool nf_tpkt_hold_copy(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
		       struct sk_buff *skb, unsigned int thoff,
		       unsigned int dir, u32 seq)
{
	struct nf_tpkt_extra *x = nf_tpkt_extra_get(f);
	struct nf_tpkt_held *h;

	lockdep_assert_held(&f->lock);
	if (!x || !held_reserve(x, skb->truesize))
		return false;
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (h)
		h->skb = skb_clone(skb, GFP_ATOMIC);
	if (!h || !h->skb) {
		atomic_long_sub(skb->truesize, &held_total);
		kfree(h);
		return false;
	}
	h->since = jiffies;
	h->size = skb->truesize;
	h->seq = seq;
	h->thoff = thoff;
	h->dir = dir;
	h->copy = true;
	held_insert(x, h);
	atomic_inc(&tn->held);
	nf_tpkt_count(tn, NF_TPKT_CTR_OOO_HELD);
	return true;
}

/*
 * The first segment held for direction @dir, unlinked, if the frontier
 * has reached it; NULL otherwise.  Called with @f locked.
 */
struct nf_tpkt_held *nf_tpkt_held_next(struct nf_tpkt_flow *f,
				       unsigned int dir)
{
	struct nf_tpkt_extra *x = nf_tpkt_extra(f);
	struct nf_tpkt_held *h;

	lockdep_assert_held(&f->lock);
	if (!x)
		return NULL;
	list_for_each_entry(h, &x->held, list) {
		if (h->dir != dir)
			continue;
		if (!tpkt_dir_reached(&f->eng, dir, h->seq))
			return NULL;
		list_del(&h->list);
		x->held_bytes -= h->size;
		return h;
	}
	return NULL;
}

/* Hook entries of the hook @st was taken from. */
static const struct nf_hook_entries *
held_entries(const struct nf_hook_state *st)
{
	switch (st->pf) {
	case NFPROTO_IPV4:
		return rcu_dereference(st->net->nf.hooks_ipv4[st->hook]);
#if IS_ENABLED(CONFIG_IPV6)
	case NFPROTO_IPV6:
		return rcu_dereference(st->net->nf.hooks_ipv6[st->hook]);
#endif
	}
	return NULL;
}

/*
 * Send a held segment on: through the hooks after the one that held it,
 * then on its way, as nf_reinject() does for a queued packet.  If that
 * hook is gone meanwhile, it is dropped.
 */
void nf_tpkt_held_send(struct nf_tpkt_net *tn, struct nf_tpkt_held *h)
{
	struct nf_hook_state *st = &h->state;
	const struct nf_hook_entries *e;
	struct sk_buff *skb = h->skb;
	unsigned int i = 0;

	if (h->copy) {
		/* parsed: its original went on long ago */
		consume_skb(skb);
		held_free(tn, h);
		return;
	}
	rcu_read_lock();
	e = held_entries(st);
	while (e && i < e->num_hook_entries && e->hooks[i].hook != h->fn)
		i++;
	if (!e || i == e->num_hook_entries) {
		kfree_skb(skb);
		nf_tpkt_count(tn, NF_TPKT_CTR_OOO_DROPS);
	} else if (nf_hook_slow(skb, st, e, i + 1) == 1) {
		local_bh_disable();
		st->okfn(st->net, st->sk, skb);
		local_bh_enable();
	}
	rcu_read_unlock();
	held_free(tn, h);
}

/* A held segment the engine dropped once fed again (counted there). */
void nf_tpkt_held_discard(struct nf_tpkt_net *tn, struct nf_tpkt_held *h)
{
	kfree_skb(h->skb);
	held_free(tn, h);
}

/* Drop the segments of @f that @match selects (all if NULL), counted. */
static void held_purge(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
		       bool (*match)(const struct nf_tpkt_held *, void *),
		       void *arg)
{
	struct nf_tpkt_held *h, *tmp;
	struct nf_tpkt_extra *x;
	LIST_HEAD(gone);

	spin_lock_bh(&f->lock);
	x = nf_tpkt_extra(f);
	if (x) {
		list_for_each_entry_safe(h, tmp, &x->held, list) {
			if (match && !match(h, arg))
				continue;
			list_move(&h->list, &gone);
			x->held_bytes -= h->size;
		}
	}
	spin_unlock_bh(&f->lock);
	list_for_each_entry_safe(h, tmp, &gone, list)
		held_drop(tn, h);
}

/* A flow that is unlinked and will not be fed again. */
void nf_tpkt_held_flush(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f)
{
	if (nf_tpkt_extra(f))
		held_purge(tn, f, NULL, NULL);
}

static bool held_old(const struct nf_tpkt_held *h, void *arg)
{
	return time_after(*(unsigned long *)arg, h->since + HOLD_TIMEOUT);
}

/* Drop what waited too long for its gap (the collector's walk). */
void nf_tpkt_held_expire(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f)
{
	unsigned long now = jiffies;

	if (atomic_read(&tn->held) && READ_ONCE(f->eng.hist))
		held_purge(tn, f, held_old, &now);
}

static bool held_on_dev(const struct nf_tpkt_held *h, void *arg)
{
	return h->state.in == arg || h->state.out == arg;
}

static void held_dev_flow(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
			  void *dev)
{
	if (READ_ONCE(f->eng.hist))
		held_purge(tn, f, held_on_dev, dev);
}

/* A device going away must not wait for the references held here. */
static int held_dev_event(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nf_tpkt_net *tn = nf_tpkt_pernet(dev_net(dev));

	if ((event == NETDEV_DOWN || event == NETDEV_UNREGISTER) &&
	    READ_ONCE(tn->flows_ready) && atomic_read(&tn->held))
		nf_tpkt_flows_walk(tn, held_dev_flow, dev);
	return NOTIFY_DONE;
}

static struct notifier_block held_dev_notifier = {
	.notifier_call = held_dev_event,
};

int nf_tpkt_hold_init(void)
{
	return register_netdevice_notifier(&held_dev_notifier);
}

void nf_tpkt_hold_exit(void)
{
	unregister_netdevice_notifier(&held_dev_notifier);
}
