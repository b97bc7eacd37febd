/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_tpkt internals shared by the module's files.
 */
#ifndef _NF_TPKT_H
#define _NF_TPKT_H

#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <tpkt/engine.h>
#include <uapi/linux/nf_tpkt.h>

#include "compat.h"

/*
 * One namespace's policy.  Immutable once published: a change builds a new
 * one and swaps the pointer under RCU, so the fast path reads it without
 * locks and always sees a consistent whole.
 */
struct nf_tpkt_policy {
	struct rcu_head rcu;
	u8 mode;
	u8 full;
	u8 pickup;
	u8 ooo;
	u8 action[__NF_TPKT_CHECK_MAX];	/* as configured */
	struct tpkt_policy eng;		/* as the engine applies it */
	u32 hooks;
	u32 max_flows;
	u32 timeout;			/* seconds */
	u32 event_rate;			/* per second */
	u16 nranges;
	struct {
		u16 lo;
		u16 hi;
	} ranges[NF_TPKT_MAX_PORT_RANGES];
	/* the same set as a bitmap: one test per packet */
	DECLARE_BITMAP(ports, 65536);
};

/*
 * A connection, both directions in one entry.  The key is the pair of
 * endpoints in canonical order (smaller first), so either direction finds
 * it with one lookup; @opener says which key endpoint opened the flow.
 */
struct nf_tpkt_key {
	union nf_inet_addr addr[2];
	__be16 port[2];
	u8 family;
	u8 pad[3];
};

#define NF_TPKT_FLOW_FIN(dir)	(1U << (dir))
#define NF_TPKT_FLOW_FIN_BOTH	3U
#define NF_TPKT_FLOW_RST	4U
#define NF_TPKT_FLOW_DEAD	8U	/* unlinked, waiting for RCU */

/* Whether a connection with these ->fin bits is over: reset, or both FINs. */
static inline bool nf_tpkt_flow_over(u8 fin)
{
	return (fin & NF_TPKT_FLOW_RST) ||
	       (fin & NF_TPKT_FLOW_FIN_BOTH) == NF_TPKT_FLOW_FIN_BOTH;
}

struct nf_tpkt_flow {
	struct rhash_head node;
	struct nf_tpkt_key key;
	spinlock_t lock;	/* eng, the counters, writes of fin and last */
	u8 opener;		/* key endpoint of direction 0 */
	u8 fin;			/* NF_TPKT_FLOW_*, written under @lock */
	/*
	 * Low 32 bits of jiffies: a flow idle longer than the maximum
	 * timeout (a day) is collected long before these wrap.
	 */
	u32 created;
	u32 last;		/* last packet */
	/*
	 * Whoever unlinks a flow marks it NF_TPKT_FLOW_DEAD under @lock
	 * before queueing its RCU callback, and everyone who finds it
	 * checks that under @lock before touching the counters: they are
	 * never read again, so the RCU head can take their place.  That
	 * keeps a flow at 200 bytes, 20 to a page.
	 */
	union {
		struct {
			u16 anomalies[2];	/* saturating */
			u16 edits[2];		/* saturating */
			u32 packets[2];
		};
		struct rcu_head rcu;
	};
	struct tpkt_flow eng;
};

/*
 * What a flow allocates on first need: the engine's edit history and the
 * segments held ahead of a gap (hold.c).  The engine sees only @hist.
 */
struct nf_tpkt_extra {
	struct list_head held;	/* struct nf_tpkt_held, by dir and seq */
	u32 held_bytes;		/* their truesize */
	struct tpkt_hist hist;	/* last: its entries follow */
};

static inline struct nf_tpkt_extra *nf_tpkt_extra(const struct nf_tpkt_flow *f)
{
	struct tpkt_hist *h = f->eng.hist;

	return h ? container_of(h, struct nf_tpkt_extra, hist) : NULL;
}

static inline bool nf_tpkt_flow_dead(const struct nf_tpkt_flow *f)
{
	lockdep_assert_held(&f->lock);
	return f->fin & NF_TPKT_FLOW_DEAD;
}

/* Hooks registered for a namespace, one bit per (family, hook). */
#define NF_TPKT_NHOOKS	6

struct nf_tpkt_net {
	struct net *net;
	struct nf_tpkt_policy __rcu *policy;
	struct mutex lock;		/* policy changes and hook registration */
	u32 registered;			/* NF_TPKT_HOOK_* bits now registered */
	bool defrag;			/* defragmentation enabled */
	struct tpkt_counts __percpu *stats;
	struct rhashtable flows;
	bool flows_ready;		/* @flows may be walked */
	atomic_t nflows;
	atomic_t held;			/* segments held (hold.c) */
	struct delayed_work gc;
	spinlock_t ev_lock;		/* event rate limit */
	unsigned long ev_window;
	u32 ev_sent;
};

extern unsigned int nf_tpkt_net_id;
extern unsigned int nf_tpkt_hist_entries;
extern unsigned int nf_tpkt_userns_max_flows;

static inline struct nf_tpkt_net *nf_tpkt_pernet(struct net *net)
{
	return net_generic(net, nf_tpkt_net_id);
}

/* policy.c */
struct nf_tpkt_policy *nf_tpkt_policy_default(const struct net *net);
void nf_tpkt_policy_finish(struct nf_tpkt_policy *p);
int nf_tpkt_policy_params_check(void);
int nf_tpkt_policy_apply(struct nf_tpkt_net *tn, struct nf_tpkt_policy *p,
			 struct netlink_ext_ack *extack);

/* hooks.c */
int nf_tpkt_hooks_update(struct nf_tpkt_net *tn, u32 want, bool on,
			 struct netlink_ext_ack *extack);
void nf_tpkt_hooks_remove(struct nf_tpkt_net *tn);

/* flows.c */
int nf_tpkt_flows_init(struct nf_tpkt_net *tn);
void nf_tpkt_flows_exit(struct nf_tpkt_net *tn);
int nf_tpkt_flows_cache_init(void);
void nf_tpkt_flows_cache_exit(void);
struct nf_tpkt_flow *nf_tpkt_flow_find(struct nf_tpkt_net *tn,
				       const struct nf_tpkt_key *key);
struct nf_tpkt_flow *nf_tpkt_flow_add(struct nf_tpkt_net *tn,
				      const struct nf_tpkt_key *key,
				      u8 opener, u32 max);
void nf_tpkt_flow_retire(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f);
struct nf_tpkt_extra *nf_tpkt_extra_get(struct nf_tpkt_flow *f);
unsigned int nf_tpkt_flows_flush(struct nf_tpkt_net *tn);
void nf_tpkt_flows_walk(struct nf_tpkt_net *tn,
			void (*fn)(struct nf_tpkt_net *tn,
				   struct nf_tpkt_flow *f, void *arg),
			void *arg);
void nf_tpkt_gc_schedule(struct nf_tpkt_net *tn);
extern const struct rhashtable_params nf_tpkt_flow_params;

/* hold.c */
struct nf_tpkt_held;
int nf_tpkt_hold_init(void);
void nf_tpkt_hold_exit(void);
bool nf_tpkt_hold(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
		  struct sk_buff *skb, const struct nf_hook_state *state,
		  nf_hookfn *fn, unsigned int thoff, unsigned int dir, u32 seq);
bool nf_tpkt_hold_copy(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f,
		       struct sk_buff *skb, unsigned int thoff,
		       unsigned int dir, u32 seq);
struct nf_tpkt_held *nf_tpkt_held_next(struct nf_tpkt_flow *f,
				       unsigned int dir);
struct sk_buff *nf_tpkt_held_skb(const struct nf_tpkt_held *h);
unsigned int nf_tpkt_held_thoff(const struct nf_tpkt_held *h);
void nf_tpkt_held_send(struct nf_tpkt_net *tn, struct nf_tpkt_held *h);
void nf_tpkt_held_discard(struct nf_tpkt_net *tn, struct nf_tpkt_held *h);
void nf_tpkt_held_flush(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f);
void nf_tpkt_held_expire(struct nf_tpkt_net *tn, struct nf_tpkt_flow *f);

/* netlink.c */
int nf_tpkt_genl_init(void);
void nf_tpkt_genl_exit(void);
void nf_tpkt_event(struct nf_tpkt_net *tn, const struct nf_hook_state *state,
		   const struct nf_tpkt_key *key, u8 src,
		   const struct tpkt_anomaly *a);
bool nf_tpkt_event_wanted(struct nf_tpkt_net *tn);

/* counters */
static inline void nf_tpkt_count(struct nf_tpkt_net *tn, unsigned int ctr)
{
	this_cpu_inc(tn->stats->ctr[ctr]);
}

#endif /* _NF_TPKT_H */
