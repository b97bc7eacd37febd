// SPDX-License-Identifier: GPL-2.0
/*
 * Flow table: one rhashtable per namespace, RCU lookups, a per-flow lock,
 * a hard cap, and a periodic collector for idle and closed flows.
 */
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "nf_tpkt.h"

/* How long a closed flow stays, so late retransmissions still get edits. */
#define NF_TPKT_LINGER_RST	(1 * HZ)
#define NF_TPKT_LINGER_FIN	(10 * HZ)

/*
 * Flows and edit histories have caches of their own: besides showing in
 * /sys/kernel/slab, unloading with any of them still allocated is reported
 * by kmem_cache_destroy() (unless SLUB merged the cache with another of the
 * same size, as it does with flows and ip4-frags on Debian's 6.1).
 */
static struct kmem_cache *flow_cache, *hist_cache;

const struct rhashtable_params nf_tpkt_flow_params = {
	.head_offset = offsetof(struct nf_tpkt_flow, node),
	.key_offset = offsetof(struct nf_tpkt_flow, key),
	.key_len = sizeof(struct nf_tpkt_key),
	.automatic_shrinking = true,
};

int nf_tpkt_flows_cache_init(void)
{
	flow_cache = KMEM_CACHE(nf_tpkt_flow, 0);
	if (!flow_cache)
		return -ENOMEM;
	hist_cache = kmem_cache_create("nf_tpkt_hist",
				       offsetof(struct nf_tpkt_extra, hist) +
				       tpkt_hist_size(nf_tpkt_hist_entries),
				       0, 0, NULL);
	if (!hist_cache) {
		kmem_cache_destroy(flow_cache);
		return -ENOMEM;
	}
	return 0;
}

void nf_tpkt_flows_cache_exit(void)
{
	/* flows are freed by RCU callbacks: let them finish first */
	rcu_barrier();
	kmem_cache_destroy(hist_cache);
	kmem_cache_destroy(flow_cache);
}

/*
 * A flow's extra state, allocated on its first edit or held segment
 * (packet path, @f locked).
 */
struct nf_tpkt_extra *nf_tpkt_extra_get(struct nf_tpkt_flow *f)
{
	struct nf_tpkt_extra *x = nf_tpkt_extra(f);

	if (x)
		return x;
	x = kmem_cache_alloc(hist_cache, GFP_ATOMIC);
	if (!x)
		return NULL;
	INIT_LIST_HEAD(&x->held);
	x->held_bytes = 0;
	tpkt_hist_init(&x->hist, nf_tpkt_hist_entries);
	f->eng.hist = &x->hist;
	return x;
}

static void flow_free_rcu(struct rcu_head *head)
{
	struct nf_tpkt_flow *f = container_of(head, struct nf_tpkt_flow, rcu);
	struct nf_tpkt_extra *x = nf_tpkt_extra(f);

	/* held segments went when the flow was unlinked */
	if (x)
		kmem_cache_free(hist_cache, x);
	kmem_cache_free(flow_cache, f);
}

struct nf_tpkt_flow *nf_tpkt_flow_find(struct nf_tpkt_net *tn,
				       const struct nf_tpkt_key *key)
{
	return rhashtable_lookup(&tn->flows, key, nf_tpkt_flow_params);
}

/* Take one of @max flow slots; false when all are taken. */
static bool flow_reserve(struct nf_tpkt_net *tn, u32 max)
{
	int n = atomic_read(&tn->nflows);

	do {
		if ((u32)n >= max)
			return false;
	} while (!atomic_try_cmpxchg(&tn->nflows, &n, n + 1));
	return true;
}

/*
 * Insert a new flow, or return the one another CPU inserted meanwhile;
 * ERR_PTR(-ENOSPC) when @max flows exist (never more, however many CPUs
 * race for the last slot).
 */
struct nf_tpkt_flow *nf_tpkt_flow_add(struct nf_tpkt_net *tn,
				      const struct nf_tpkt_key *key, u8 opener,
				      u32 max)
{
	struct nf_tpkt_flow *f, *old;

	if (!flow_reserve(tn, max))
		return ERR_PTR(-ENOSPC);
	f = kmem_cache_zalloc(flow_cache, GFP_ATOMIC);
	if (!f) {
		atomic_dec(&tn->nflows);
		return ERR_PTR(-ENOMEM);
	}
	f->key = *key;
	f->opener = opener;
	spin_lock_init(&f->lock);
	f->created = (u32)jiffies;
	f->last = f->created;
	tpkt_flow_init(&f->eng);

	old = rhashtable_lookup_get_insert_fast(&tn->flows, &f->node,
						nf_tpkt_flow_params);
	if (old) {
		/* ERR_PTR on failure, or the winner of an insert race */
		atomic_dec(&tn->nflows);
		kmem_cache_free(flow_cache, f);
		return old;
	}
	nf_tpkt_count(tn, NF_TPKT_CTR_FLOWS_CREATED);
	return f;
}

/*
 * Unlink @f; only one of several racing callers succeeds.  Readers that
 * found it before still may lock it: they see it dead and let it be, as
 * the RCU head now overlays its counters.
 */
static bool flow_remove(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f)
{
	if (rhashtable_remove_fast(&tn->flows, &f->node, nf_tpkt_flow_params))
		return false;
	atomic_dec(&tn->nflows);
	spin_lock_bh(&f->lock);
	WRITE_ONCE(f->fin, f->fin | NF_TPKT_FLOW_DEAD);
	spin_unlock_bh(&f->lock);
	/* dead: nothing is held any more, what is held goes */
	nf_tpkt_held_flush(tn, f);
	call_rcu(&f->rcu, flow_free_rcu);
	return true;
}

/* A closed flow whose tuple a new connection reuses. */
void nf_tpkt_flow_retire(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f)
{
	if (flow_remove(tn, f))
		nf_tpkt_count(tn, NF_TPKT_CTR_FLOWS_EXPIRED);
}

static bool flow_expired(const struct nf_tpkt_flow *f, u32 now, u32 timeout)
{
	u32 linger = timeout;
	u8 fin = READ_ONCE(f->fin);

	if (fin & NF_TPKT_FLOW_RST)
		linger = NF_TPKT_LINGER_RST;
	else if (nf_tpkt_flow_over(fin))
		linger = NF_TPKT_LINGER_FIN;
	if (linger > timeout)
		linger = timeout;
	return time_after32(now, READ_ONCE(f->last) + linger);
}

/* Call @fn for every flow, in process context. */
void nf_tpkt_flows_walk(struct nf_tpkt_net *tn,
			void (*fn)(struct nf_tpkt_net *tn,
				   struct nf_tpkt_flow *f, void *arg),
			void *arg)
{
	struct rhashtable_iter iter;
	struct nf_tpkt_flow *f;

	rhashtable_walk_enter(&tn->flows, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;
			break;
		}
		fn(tn, f, arg);
		if (need_resched()) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

struct walk_remove {
	bool all;
	u32 now;
	u32 timeout;
	unsigned int n;
};

static void flow_walk_remove(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
			     void *arg)
{
	struct walk_remove *w = arg;

	if (!w->all && !flow_expired(f, w->now, w->timeout)) {
		nf_tpkt_held_expire(tn, f);
		return;
	}
	w->n += flow_remove(tn, f);
}

/*
 * Walk the table removing flows matching @all or expired; returns the
 * number removed.  Runs in process context.
 */
static unsigned int flows_walk_remove(struct nf_tpkt_net *tn, bool all)
{
	const struct nf_tpkt_policy *pol;
	struct walk_remove w = { .all = all, .now = (u32)jiffies };

	rcu_read_lock();
	pol = rcu_dereference(tn->policy);
	w.timeout = pol ? pol->timeout * HZ : 0;
	rcu_read_unlock();

	nf_tpkt_flows_walk(tn, flow_walk_remove, &w);
	return w.n;
}

unsigned int nf_tpkt_flows_flush(struct nf_tpkt_net *tn)
{
	unsigned int n = 0, pass;

	/*
	 * Removing flows shrinks the table, and a walk that meets a resize
	 * can miss entries: walk again while any are left (a few passes,
	 * as packets may add flows meanwhile).
	 */
	for (pass = 0; pass < 4 && atomic_read(&tn->nflows); pass++)
		n += flows_walk_remove(tn, true);

	this_cpu_add(tn->stats->ctr[NF_TPKT_CTR_FLOWS_EVICTED], n);
	return n;
}

static unsigned long gc_interval(struct nf_tpkt_net *tn)
{
	const struct nf_tpkt_policy *pol;
	unsigned long t = 5 * HZ;

	rcu_read_lock();
	pol = rcu_dereference(tn->policy);
	if (pol && pol->timeout * HZ / 4 < t)
		t = pol->timeout * HZ / 4;
	rcu_read_unlock();
	return max_t(unsigned long, t, HZ / 2);
}

static void gc_work(struct work_struct *work)
{
	struct nf_tpkt_net *tn = container_of(to_delayed_work(work),
					      struct nf_tpkt_net, gc);
	unsigned int n = 0;

	if (atomic_read(&tn->nflows))
		n = flows_walk_remove(tn, false);
	if (n)
		this_cpu_add(tn->stats->ctr[NF_TPKT_CTR_FLOWS_EXPIRED], n);
	queue_delayed_work(system_power_efficient_wq, &tn->gc, gc_interval(tn));
}

/* Re-arm the collector, e.g. after the timeout changed. */
void nf_tpkt_gc_schedule(struct nf_tpkt_net *tn)
{
	mod_delayed_work(system_power_efficient_wq, &tn->gc, gc_interval(tn));
}

int nf_tpkt_flows_init(struct nf_tpkt_net *tn)
{
	int err = rhashtable_init(&tn->flows, &nf_tpkt_flow_params);

	if (err)
		return err;
	atomic_set(&tn->nflows, 0);
	atomic_set(&tn->held, 0);
	INIT_DELAYED_WORK(&tn->gc, gc_work);
	WRITE_ONCE(tn->flows_ready, true);
	return 0;
}

/* No hooks and no dumps are left to find the flow: no need to mark it. */
static void flow_free_now(void *ptr, void *arg)
{
	struct nf_tpkt_flow *f = ptr;

	nf_tpkt_held_flush(arg, f);
	call_rcu(&f->rcu, flow_free_rcu);
}

/* Hooks are gone: free everything. */
void nf_tpkt_flows_exit(struct nf_tpkt_net *tn)
{
	cancel_delayed_work_sync(&tn->gc);
	rtnl_lock();
	/* the device notifier no longer walks the table */
	WRITE_ONCE(tn->flows_ready, false);
	rtnl_unlock();
	rhashtable_free_and_destroy(&tn->flows, flow_free_now, tn);
}
