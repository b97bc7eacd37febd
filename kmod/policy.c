// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace policy: defaults from module parameters, validation, and
 * the atomic switch to a new policy (hooks first, then the RCU pointer).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <tpkt/names.h>

#include "nf_tpkt.h"

static char *mode = "monitor";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "mode of new namespaces: off, monitor, normalize, enforce (monitor)");

static char *ports = "102";
module_param(ports, charp, 0444);
MODULE_PARM_DESC(ports, "TCP ports of new namespaces, e.g. 102,3000-3002 (102)");

static char *hooks = "forward";
module_param(hooks, charp, 0444);
MODULE_PARM_DESC(hooks, "hooks of new namespaces: forward,input,output (forward)");

static unsigned int max_flows = 65536;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "tracked flows per namespace (65536)");

static unsigned int timeout = 600;
module_param(timeout, uint, 0444);
MODULE_PARM_DESC(timeout, "idle timeout of a flow in seconds (600)");

static char *full = "fail-open";
module_param(full, charp, 0444);
MODULE_PARM_DESC(full, "full flow table: fail-open or fail-closed (fail-open)");

static char *pickup = "strict";
module_param(pickup, charp, 0444);
MODULE_PARM_DESC(pickup, "connections whose SYN was not seen: strict or loose (strict)");

static char *ooo = "hold";
module_param(ooo, charp, 0444);
MODULE_PARM_DESC(ooo, "segment ahead of a gap that may hide a header: hold, drop or pass (hold)");

static unsigned int event_rate = 100;
module_param(event_rate, uint, 0444);
MODULE_PARM_DESC(event_rate, "events per second per namespace (100)");

/*
 * Flows cost kernel memory that no memory cgroup is charged for, so a
 * namespace owned by an unprivileged user namespace may not ask for more
 * than this: it starts with at most this many, and only CAP_NET_ADMIN in
 * the initial user namespace can set more.
 */
unsigned int nf_tpkt_userns_max_flows = 65536;
module_param_named(userns_max_flows, nf_tpkt_userns_max_flows, uint, 0444);
MODULE_PARM_DESC(userns_max_flows, "most flows a user namespace's network namespace may track without CAP_NET_ADMIN in the initial user namespace (65536)");

unsigned int nf_tpkt_hist_entries = 256;
module_param_named(hist_entries, nf_tpkt_hist_entries, uint, 0444);
MODULE_PARM_DESC(hist_entries, "fixed bytes remembered per flow for retransmissions (256)");

/* Parse "102,3000-3002" into @p's ranges. */
static int parse_ports(struct nf_tpkt_policy *p, const char *s)
{
	char buf[256], *cur = buf, *tok;

	if (strscpy(buf, s, sizeof(buf)) < 0)
		return -EINVAL;
	p->nranges = 0;
	while ((tok = strsep(&cur, ","))) {
		char *dash = strchr(tok, '-');
		u16 lo, hi;

		if (dash)
			*dash++ = '\0';
		if (kstrtou16(tok, 10, &lo) || !lo)
			return -EINVAL;
		hi = lo;
		if (dash && (kstrtou16(dash, 10, &hi) || hi < lo))
			return -EINVAL;
		if (p->nranges == NF_TPKT_MAX_PORT_RANGES)
			return -EINVAL;
		p->ranges[p->nranges].lo = lo;
		p->ranges[p->nranges].hi = hi;
		p->nranges++;
	}
	return p->nranges ? 0 : -EINVAL;
}

static int parse_hooks(const char *s, u32 *out)
{
	char buf[64], *cur = buf, *tok;
	int bit;

	if (strscpy(buf, s, sizeof(buf)) < 0)
		return -EINVAL;
	*out = 0;
	while ((tok = strsep(&cur, ","))) {
		bit = tpkt_name_lookup(TPKT_NAMES_HOOK, tok);
		if (bit < 0)
			return -EINVAL;
		*out |= 1U << bit;
	}
	return *out ? 0 : -EINVAL;
}

static int param_value(enum tpkt_name_kind kind, const char *name,
		       const char *value)
{
	int v = tpkt_name_lookup(kind, value);

	if (v < 0)
		pr_err("nf_tpkt: bad value \"%s\" for parameter %s\n", value,
		       name);
	return v;
}

/* Build the policy described by the module parameters. */
static int policy_from_params(struct nf_tpkt_policy *p)
{
	int v;

	tpkt_policy_default_actions(p->action);
	v = param_value(TPKT_NAMES_MODE, "mode", mode);
	if (v < 0)
		return -EINVAL;
	p->mode = v;
	v = param_value(TPKT_NAMES_FULL, "full", full);
	if (v < 0)
		return -EINVAL;
	p->full = v;
	v = param_value(TPKT_NAMES_PICKUP, "pickup", pickup);
	if (v < 0)
		return -EINVAL;
	p->pickup = v;
	v = param_value(TPKT_NAMES_OOO, "ooo", ooo);
	if (v < 0)
		return -EINVAL;
	p->ooo = v;
	if (parse_ports(p, ports)) {
		pr_err("nf_tpkt: bad value \"%s\" for parameter ports\n", ports);
		return -EINVAL;
	}
	if (parse_hooks(hooks, &p->hooks)) {
		pr_err("nf_tpkt: bad value \"%s\" for parameter hooks\n", hooks);
		return -EINVAL;
	}
	if (!max_flows || max_flows > NF_TPKT_MAX_FLOWS_LIMIT ||
	    !timeout || timeout > NF_TPKT_MAX_TIMEOUT) {
		pr_err("nf_tpkt: max_flows must be 1..%u and timeout 1..%u\n",
		       NF_TPKT_MAX_FLOWS_LIMIT, NF_TPKT_MAX_TIMEOUT);
		return -EINVAL;
	}
	p->max_flows = max_flows;
	p->timeout = timeout;
	p->event_rate = event_rate;
	nf_tpkt_policy_finish(p);
	return 0;
}

int nf_tpkt_policy_params_check(void)
{
	struct nf_tpkt_policy *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int err;

	if (!p)
		return -ENOMEM;
	err = policy_from_params(p);
	kfree(p);
	if (!err && (!nf_tpkt_hist_entries || nf_tpkt_hist_entries > 4096)) {
		pr_err("nf_tpkt: hist_entries must be 1..4096\n");
		err = -EINVAL;
	}
	if (!err && (!nf_tpkt_userns_max_flows ||
		     nf_tpkt_userns_max_flows > NF_TPKT_MAX_FLOWS_LIMIT)) {
		pr_err("nf_tpkt: userns_max_flows must be 1..%u\n",
		       NF_TPKT_MAX_FLOWS_LIMIT);
		err = -EINVAL;
	}
	return err;
}

struct nf_tpkt_policy *nf_tpkt_policy_default(const struct net *net)
{
	struct nf_tpkt_policy *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (p && policy_from_params(p)) {
		kfree(p);
		return NULL;
	}
	if (p && net->user_ns != &init_user_ns)
		p->max_flows = min(p->max_flows, nf_tpkt_userns_max_flows);
	return p;
}

/* Derive the engine policy and the port bitmap from the configured fields. */
void nf_tpkt_policy_finish(struct nf_tpkt_policy *p)
{
	unsigned int i;

	tpkt_policy_compile(&p->eng, p->mode, p->action, p->ooo, p->pickup);
	bitmap_zero(p->ports, 65536);
	for (i = 0; i < p->nranges; i++)
		bitmap_set(p->ports, p->ranges[i].lo,
			   p->ranges[i].hi - p->ranges[i].lo + 1);
}

/*
 * Make @p the namespace's policy.  Hooks are brought in line first so that
 * on failure nothing has changed; the caller holds tn->lock.  Takes
 * ownership of @p.
 */
int nf_tpkt_policy_apply(struct nf_tpkt_net *tn, struct nf_tpkt_policy *p,
			 struct netlink_ext_ack *extack)
{
	struct nf_tpkt_policy *old;
	int err;

	lockdep_assert_held(&tn->lock);
	err = nf_tpkt_hooks_update(tn, p->hooks, p->mode != NF_TPKT_MODE_OFF,
				   extack);
	if (err) {
		kfree(p);
		return err;
	}
	old = rcu_replace_pointer(tn->policy, p, lockdep_is_held(&tn->lock));
	if (old)
		kfree_rcu(old, rcu);
	nf_tpkt_gc_schedule(tn);
	return 0;
}
