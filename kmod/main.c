// SPDX-License-Identifier: GPL-2.0
/*
 * nf_tpkt: inspection and normalization of ISO-on-TCP (RFC 1006 TPKT,
 * ISO 8073 / X.224 COTP) in the netfilter fast path.
 *
 * Module init/exit and per-namespace state.  The protocol logic lives in
 * engine.c, shared with tpktctl and the tests.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "nf_tpkt.h"

unsigned int nf_tpkt_net_id __read_mostly;

static int __net_init nf_tpkt_net_init(struct net *net)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(net);
	struct nf_tpkt_policy *p;
	int err;

	tn->net = net;
	mutex_init(&tn->lock);
	spin_lock_init(&tn->ev_lock);
	tn->stats = alloc_percpu(struct tpkt_counts);
	if (!tn->stats)
		return -ENOMEM;
	err = nf_tpkt_flows_init(tn);
	if (err)
		goto free_stats;
	p = nf_tpkt_policy_default(net);
	err = -ENOMEM;
	if (!p)
		goto free_flows;
	mutex_lock(&tn->lock);
	err = nf_tpkt_policy_apply(tn, p, NULL);
	mutex_unlock(&tn->lock);
	if (err)
		goto free_flows;
	return 0;
free_flows:
	nf_tpkt_flows_exit(tn);
free_stats:
	free_percpu(tn->stats);
	return err;
}

static void __net_exit nf_tpkt_net_exit(struct net *net)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(net);

	nf_tpkt_hooks_remove(tn);
	/* hooks still running on other CPUs must be done with our state */
	synchronize_net();
	nf_tpkt_flows_exit(tn);
	kfree(rcu_dereference_protected(tn->policy, true));
	free_percpu(tn->stats);
}

static struct pernet_operations nf_tpkt_net_ops = {
	.init = nf_tpkt_net_init,
	.exit = nf_tpkt_net_exit,
	.id = &nf_tpkt_net_id,
	.size = sizeof(struct nf_tpkt_net),
};

static int __init nf_tpkt_init(void)
{
	int err;

	err = nf_tpkt_policy_params_check();
	if (err)
		return err;
	err = nf_tpkt_flows_cache_init();
	if (err)
		return err;
	err = register_pernet_subsys(&nf_tpkt_net_ops);
	if (err)
		goto cache;
	err = nf_tpkt_hold_init();
	if (err)
		goto pernet;
	err = nf_tpkt_genl_init();
	if (err)
		goto hold;
	pr_info("nf_tpkt: loaded, %zu bytes per flow\n",
		sizeof(struct nf_tpkt_flow));
	return 0;
hold:
	nf_tpkt_hold_exit();
pernet:
	unregister_pernet_subsys(&nf_tpkt_net_ops);
cache:
	nf_tpkt_flows_cache_exit();
	return err;
}

static void __exit nf_tpkt_exit(void)
{
	nf_tpkt_genl_exit();
	nf_tpkt_hold_exit();
	unregister_pernet_subsys(&nf_tpkt_net_ops);
	nf_tpkt_flows_cache_exit();
}

module_init(nf_tpkt_init);
module_exit(nf_tpkt_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nf_tpkt developers");
MODULE_VERSION(NF_TPKT_VERSION);
MODULE_DESCRIPTION("ISO-on-TCP (RFC 1006 TPKT / COTP) inspection and normalization");
MODULE_ALIAS_GENL_FAMILY(NF_TPKT_GENL_NAME);
