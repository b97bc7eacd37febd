// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: skb -> flow -> engine -> edits and verdict.
 *
 * Hooks run at NF_TPKT_PRI, after defragmentation (-400), connection
 * tracking (-200) and mangle (-150), before NAT in OUTPUT (-100) and before
 * filter (0): filter rules and their counters see the normalized segment,
 * and a segment this module drops never reaches them.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

#include "nf_tpkt.h"

#define NF_TPKT_PRI	(NF_IP_PRI_MANGLE + 10)

/* Anomalies of one segment waiting to be reported once the flow is unlocked. */
#define EVENTS_PER_SEGMENT	8

struct seg_ctx {
	struct nf_tpkt_net *tn;
	/* the hook whose call parses the segment, for its events */
	const struct nf_hook_state *where;
	struct nf_tpkt_flow *flow;
	struct sk_buff *skb;
	unsigned int thoff;	/* TCP header, from skb->data */
	unsigned int poff;	/* payload, from skb->data */
	unsigned int dir;
	unsigned int verdict;	/* NF_ACCEPT, NF_DROP or NF_STOLEN */
	int err;
	unsigned int nev;
	struct tpkt_anomaly ev[EVENTS_PER_SEGMENT];
};

static const u8 *seg_read(const struct tpkt_seg *seg, u32 off, u32 n, u8 *buf)
{
	const struct seg_ctx *c = seg->priv;

	return skb_header_pointer(c->skb, c->poff + off, n, buf);
}

/*
 * Give byte @off, in page fragment @i which begins at byte @start of the
 * skb, a page of its own: the page-sized piece of the fragment around it
 * is copied and takes its place, the rest stays where it is (the fragment
 * splits in up to three).  So only order-0 memory is asked for: making the
 * whole skb private would pull a 64 KiB GSO packet into one high-order
 * atomic allocation, which fails under memory pressure, drops the segment,
 * and may fail again for its retransmission.  A page pool skb (its
 * fragment references are the pool's to count) or one without two free
 * fragment slots gets the whole fragment copied instead.  The new page is
 * an ordinary one, which a page pool skb may hold.
 */
static int frag_unshare(struct sk_buff *skb, unsigned int i,
			unsigned int start, unsigned int off)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	skb_frag_t *frag = &sh->frags[i], old = *frag;
	unsigned int size = skb_frag_size(&old), head = 0, len = size;
	unsigned int tail, order, n;
	struct page *page;

	if (size > PAGE_SIZE && !nf_tpkt_pp_recycle(skb) &&
	    sh->nr_frags + 2 <= MAX_SKB_FRAGS) {
		head = rounddown(off - start, PAGE_SIZE);
		len = min_t(unsigned int, size - head, PAGE_SIZE);
	}
	tail = size - head - len;
	order = get_order(len);
	page = alloc_pages(GFP_ATOMIC | __GFP_NOWARN | (order ? __GFP_COMP : 0),
			   order);
	if (!page)
		return -ENOMEM;
	if (skb_copy_bits(skb, start + head, page_address(page), len)) {
		__free_pages(page, order);
		return -EFAULT;
	}
	/* the pieces left on the old page: the first keeps its reference */
	n = !!head + !!tail;
	if (!n)
		skb_frag_unref(skb, i);
	memmove(frag + 1 + n, frag + 1, (sh->nr_frags - i - 1) * sizeof(*frag));
	sh->nr_frags += n;
	if (head) {
		skb_frag_size_set(frag, head);
		frag++;
	}
	skb_frag_fill_page_desc(frag, page, 0, len);
	if (tail) {
		frag[1] = old;
		skb_frag_off_add(&frag[1], head + len);
		skb_frag_size_set(&frag[1], tail);
		if (head)
			__skb_frag_ref(&frag[1]);
	}
	return 0;
}

/*
 * Make byte @off of the skb of @c and its TCP header writable.  A byte in
 * the linear part: only as much of the head as reaches it is made private.
 * A byte in a page fragment is written where it is only when the page is
 * this skb's alone: page_count() 1 and no clone sharing the fragment
 * array.  Anything else may be read by someone else later: a clone kept
 * for retransmission by a local sender, or (ip_forward() having already
 * un-cloned the head with skb_cow()) the pages an AF_PACKET socket, tc
 * mirred, TEE or netem's duplicate still refer to.  The piece around the
 * byte gets a page of its own, which page_count() then finds private.
 */
static int seg_writable(struct seg_ctx *c, unsigned int off)
{
	struct sk_buff *skb = c->skb;
	unsigned int i, start, end;
	struct page *page;
	skb_frag_t *frag;
	int err;

	if (off < skb_headlen(skb))
		return skb_ensure_writable(skb, off + 1);
	/* pulls no further than the TCP header: @off stays in the fragments */
	err = skb_ensure_writable(skb, c->thoff + sizeof(struct tcphdr));
	if (err)
		return err;
	if (skb_has_frag_list(skb) || skb_zcopy(skb))
		return skb_ensure_writable(skb, skb->len);
	/* a fragment array shared by clones is not ours to change */
	if (skb_cloned(skb)) {
		err = pskb_expand_head(skb, 0, 0, GFP_ATOMIC);
		if (err)
			return err;
	}
	start = skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++, start = end) {
		frag = &skb_shinfo(skb)->frags[i];
		end = start + skb_frag_size(frag);
		if (off >= end)
			continue;
		page = skb_frag_page(frag);
		if (!page)
			return -EFAULT;	/* not readable memory */
		if (page_count(page) == 1 && !skb_has_shared_frag(skb))
			return 0;
		return frag_unshare(skb, i, start, off);
	}
	return -EFAULT;
}

/*
 * Rewrite one payload byte.  The TCP checksum is updated incrementally: a
 * byte at an even offset from the TCP header is the high half of its
 * 16-bit word.  With CHECKSUM_PARTIAL the payload is summed later
 * (GSO/offload), so the field is left alone; with CHECKSUM_COMPLETE the
 * packet's sum does not change because the checksum field moves by the
 * opposite amount.
 */
static void seg_edit(void *ctx, u32 seg_off, u8 val)
{
	struct seg_ctx *c = ctx;
	struct sk_buff *skb = c->skb;
	unsigned int off = c->poff + seg_off;
	struct tcphdr *th;
	__be16 from, to;
	u8 old;

	if (c->err)
		return;
	c->err = seg_writable(c, off);
	if (c->err)
		return;
	if (off < skb_headlen(skb)) {
		old = skb->data[off];
		skb->data[off] = val;
	} else {
		c->err = skb_copy_bits(skb, off, &old, 1);
		if (!c->err && old != val)
			c->err = skb_store_bits(skb, off, &val, 1);
		if (c->err)
			return;
	}
	if (old == val)
		return;
	th = (struct tcphdr *)(skb->data + c->thoff);
	if ((off - c->thoff) & 1) {
		from = htons(old);
		to = htons(val);
	} else {
		from = htons(old << 8);
		to = htons(val << 8);
	}
	inet_proto_csum_replace2(&th->check, skb, from, to, false);
	if (c->flow->edits[c->dir] != U16_MAX)
		c->flow->edits[c->dir]++;
}

static void seg_anomaly(void *ctx, const struct tpkt_anomaly *a)
{
	struct seg_ctx *c = ctx;

	if (c->flow->anomalies[c->dir] != U16_MAX)
		c->flow->anomalies[c->dir]++;
	if (c->nev < EVENTS_PER_SEGMENT)
		c->ev[c->nev++] = *a;
	else
		nf_tpkt_count(c->tn, NF_TPKT_CTR_EVENTS_SUPPRESSED);
}

static struct tpkt_hist *seg_hist_alloc(void *ctx)
{
	struct seg_ctx *c = ctx;
	struct nf_tpkt_extra *x = nf_tpkt_extra_get(c->flow);

	return x ? &x->hist : NULL;
}

static const struct tpkt_sink seg_sink = {
	.edit = seg_edit,
	.anomaly = seg_anomaly,
	.hist_alloc = seg_hist_alloc,
};

/* Order the endpoints; returns which key endpoint is the source. */
static u8 make_key(struct nf_tpkt_key *k, u8 family,
		   const union nf_inet_addr *saddr, __be16 sport,
		   const union nf_inet_addr *daddr, __be16 dport)
{
	int cmp = memcmp(saddr, daddr, sizeof(*saddr));
	u8 src = cmp > 0 || (!cmp && ntohs(sport) > ntohs(dport));

	memset(k, 0, sizeof(*k));
	k->family = family;
	k->addr[src] = *saddr;
	k->port[src] = sport;
	k->addr[!src] = *daddr;
	k->port[!src] = dport;
	return src;
}

static bool port_in_set(const struct nf_tpkt_policy *p, __be16 port)
{
	return test_bit(ntohs(port), p->ports);
}

/*
 * The flow of a segment: found, or created if the segment may open one.
 * NULL when the segment goes untracked; *@verdict then says what becomes
 * of it.
 */
static struct nf_tpkt_flow *flow_get(struct nf_tpkt_net *tn,
				     const struct nf_tpkt_policy *pol,
				     const struct tcphdr *th, u32 len,
				     const struct nf_tpkt_key *key, u8 src,
				     unsigned int *verdict)
{
	/* a SYN without ACK opens a flow; with loose pickup, data does too */
	bool opening = th->syn && !th->ack;
	struct nf_tpkt_flow *f;

	*verdict = NF_ACCEPT;
	f = nf_tpkt_flow_find(tn, key);
	if (f && opening && nf_tpkt_flow_over(READ_ONCE(f->fin))) {
		/*
		 * A new connection on the tuple of one that is over.  Not of
		 * one half closed: its other half may still send, and a SYN
		 * anyone can forge would end its tracking.
		 */
		nf_tpkt_flow_retire(tn, f);
		f = NULL;
	}
	if (f)
		return f;
	if (th->rst || (!opening && (pol->pickup != NF_TPKT_PICKUP_LOOSE ||
				     !len))) {
		nf_tpkt_count(tn, NF_TPKT_CTR_UNTRACKED);
		return NULL;
	}
	f = nf_tpkt_flow_add(tn, key, src, pol->max_flows);
	if (PTR_ERR_OR_ZERO(f) == -ENOSPC) {
		nf_tpkt_count(tn, NF_TPKT_CTR_FLOWS_REFUSED);
		if (pol->full == NF_TPKT_FULL_FAIL_CLOSED) {
			nf_tpkt_count(tn, NF_TPKT_CTR_DROPS);
			*verdict = NF_DROP;
			return NULL;
		}
	}
	if (IS_ERR(f)) {
		nf_tpkt_count(tn, NF_TPKT_CTR_UNTRACKED);
		return NULL;
	}
	return f;
}

/* What feeding one segment to its flow came to. */
enum {
	FED,		/* verdict in seg_ctx.verdict */
	FED_DEAD,	/* the flow was unlinked since the lookup */
};

/*
 * Urgent data: a BSD socket takes the urgent byte out of the stream its
 * application reads (unless SO_OOBINLINE is set), so what the receiver
 * reads is not the stream on the wire, and a header can hide behind the
 * difference.  Monitor counts it; normalize clears URG and the urgent
 * pointer, so the byte stays in the stream; enforce drops the segment.
 * Returns false if the segment is dropped (c->verdict).
 */
static bool seg_urgent(struct seg_ctx *c, const struct nf_tpkt_policy *pol)
{
	struct sk_buff *skb = c->skb;
	struct tcphdr *th;
	__be32 old;

	nf_tpkt_count(c->tn, NF_TPKT_CTR_URGENT);
	if (pol->mode == NF_TPKT_MODE_MONITOR)
		return true;
	if (pol->mode == NF_TPKT_MODE_ENFORCE ||
	    skb_ensure_writable(skb, c->thoff + sizeof(*th))) {
		nf_tpkt_count(c->tn, NF_TPKT_CTR_DROPS);
		c->verdict = NF_DROP;
		return false;
	}
	th = (struct tcphdr *)(skb->data + c->thoff);
	old = tcp_flag_word(th);
	th->urg = 0;
	inet_proto_csum_replace4(&th->check, skb, old, tcp_flag_word(th),
				 false);
	inet_proto_csum_replace2(&th->check, skb, th->urg_ptr, 0, false);
	th->urg_ptr = 0;
	return true;
}

/*
 * Monitor mode could not keep a copy of a segment ahead of a gap: it goes
 * on unparsed all the same, as with ooo pass, and its direction loses its
 * framing there instead of waiting for bytes it will never see.
 */
static void monitor_pass(struct seg_ctx *c, const struct nf_tpkt_policy *pol,
			 struct nf_tpkt_flow *f, struct tpkt_env *env,
			 const struct tpkt_seg *seg)
{
	struct tpkt_policy pass = pol->eng;

	pass.ooo = NF_TPKT_OOO_PASS;
	/* the first feed counted it ahead of a gap already */
	this_cpu_dec(env->cnt->ctr[NF_TPKT_CTR_OOO]);
	env->pol = &pass;
	tpkt_flow_segment(&f->eng, c->dir, env, seg);
	env->pol = &pol->eng;
}

/*
 * Feed the segment of @c (TCP header @th) to flow @f: engine under the
 * flow's lock, its edits applied, its events sent.  A segment the engine
 * cannot judge yet is held when @state is given, dropped otherwise.  On
 * return *@ready is a held segment of the same direction that the frontier
 * now reaches, or NULL.
 */
static int flow_feed(struct seg_ctx *c, const struct nf_tpkt_policy *pol,
		     struct nf_tpkt_flow *f, const struct tcphdr *th,
		     const struct nf_hook_state *state, nf_hookfn *fn,
		     const struct nf_tpkt_key *key, u8 src,
		     struct nf_tpkt_held **ready)
{
	struct nf_tpkt_net *tn = c->tn;
	struct tpkt_env env = {
		.pol = &pol->eng, .sink = &seg_sink, .ctx = c, .cnt = tn->stats,
	};
	unsigned int doff = th->doff * 4, i;
	struct tpkt_seg seg;
	int v;

	*ready = NULL;
	c->verdict = NF_ACCEPT;
	if (doff < sizeof(*th) || c->skb->len < c->thoff + doff)
		return FED;
	c->poff = c->thoff + doff;
	seg.seq = ntohl(th->seq);
	seg.ack = ntohl(th->ack_seq);
	seg.len = c->skb->len - c->poff;
	seg.flags = (th->syn ? TPKT_SEG_SYN : 0) | (th->fin ? TPKT_SEG_FIN : 0) |
		    (th->rst ? TPKT_SEG_RST : 0) | (th->ack ? TPKT_SEG_ACK : 0);
	seg.read = seg_read;
	seg.priv = c;
	/*
	 * th may not be read past this: the header may be rewritten.  A held
	 * segment (no @state) was seen here once already.
	 */
	if (unlikely(th->urg) && state && !seg_urgent(c, pol))
		return FED;

	spin_lock_bh(&f->lock);
	if (unlikely(nf_tpkt_flow_dead(f))) {
		spin_unlock_bh(&f->lock);
		return FED_DEAD;
	}
	c->flow = f;
	c->dir = src != f->opener;
	/* the collector and the tuple reuse test read these unlocked */
	WRITE_ONCE(f->last, (u32)jiffies);
	f->packets[c->dir]++;
	if (seg.flags & TPKT_SEG_FIN)
		WRITE_ONCE(f->fin, f->fin | NF_TPKT_FLOW_FIN(c->dir));
	v = tpkt_flow_segment(&f->eng, c->dir, &env, &seg);
	/* only an RST the receiver takes ends the flow (RFC 5961) */
	if ((seg.flags & TPKT_SEG_RST) && tpkt_dir_reset(&f->eng, c->dir))
		WRITE_ONCE(f->fin, f->fin | NF_TPKT_FLOW_RST);
	if (v == TPKT_HOLD && pol->mode == NF_TPKT_MODE_MONITOR) {
		/* monitor passes it; a copy waits for the gap */
		if (!state || !nf_tpkt_hold_copy(tn, f, c->skb, c->thoff,
						 c->dir, seg.seq))
			monitor_pass(c, pol, f, &env, &seg);
	} else if (v == TPKT_HOLD) {
		if (state && nf_tpkt_hold(tn, f, c->skb, state, fn, c->thoff,
					  c->dir, seg.seq)) {
			c->verdict = NF_STOLEN;
		} else {
			nf_tpkt_count(tn, NF_TPKT_CTR_OOO_DROPS);
			c->verdict = NF_DROP;
		}
	} else if (v == TPKT_DROP) {
		c->verdict = NF_DROP;
	} else if (unlikely(f->eng.hist)) {
		*ready = nf_tpkt_held_next(f, c->dir);
	}
	spin_unlock_bh(&f->lock);

	for (i = 0; i < c->nev; i++)
		nf_tpkt_event(tn, c->where, key, src, &c->ev[i]);
	if (c->err && c->verdict == NF_ACCEPT) {
		/* could not edit: the sender retransmits, then it can */
		nf_tpkt_count(tn, NF_TPKT_CTR_EDIT_DROPS);
		c->verdict = NF_DROP;
	}
	return FED;
}

/*
 * Feed the held segments of @f that the frontier reached, each in turn,
 * and send each on or drop it as the engine says.  They are parsed now, in
 * the hook call of @state, whose segment filled the gap: their events say
 * so.
 */
static void release_held(struct nf_tpkt_net *tn,
			 const struct nf_tpkt_policy *pol,
			 const struct nf_hook_state *state,
			 struct nf_tpkt_flow *f, const struct nf_tpkt_key *key,
			 u8 src, struct nf_tpkt_held *h)
{
	while (h) {
		struct seg_ctx c = {
			.tn = tn, .where = state, .skb = nf_tpkt_held_skb(h),
			.thoff = nf_tpkt_held_thoff(h),
		};
		struct nf_tpkt_held *next = NULL;
		const struct tcphdr *th;
		struct tcphdr _th;

		th = skb_header_pointer(c.skb, c.thoff, sizeof(_th), &_th);
		if (!th || flow_feed(&c, pol, f, th, NULL, NULL, key, src,
				     &next) == FED_DEAD)
			c.verdict = NF_ACCEPT;	/* untracked now */
		if (c.verdict == NF_ACCEPT)
			nf_tpkt_held_send(tn, h);
		else
			nf_tpkt_held_discard(tn, h);
		h = next;
	}
}

/*
 * Whether the receiving TCP will find the segment's checksum right: one it
 * discards must not steer the engine (a clean first copy with a bad
 * checksum would make the real one, reserved byte 0x11, look like its
 * retransmission).  What the device or GRO verified, and what a local
 * sender has yet to sum (CHECKSUM_PARTIAL), costs nothing; the rest is
 * summed here, as the receiver will (ip_forward() has turned
 * CHECKSUM_COMPLETE into CHECKSUM_NONE by the forward hook).
 */
static bool seg_csum_ok(struct sk_buff *skb, const struct nf_hook_state *state,
			unsigned int thoff)
{
	if (skb_csum_unnecessary(skb))
		return true;
	return !nf_checksum(skb, state->hook, thoff, IPPROTO_TCP, state->pf);
}

/*
 * The common part of both families: @thoff is the TCP header offset from
 * skb->data, @fn the hook function (to find its place in the chain again
 * for a segment held here).
 */
static unsigned int tpkt_hook(struct nf_tpkt_net *tn,
			      const struct nf_tpkt_policy *pol,
			      struct sk_buff *skb,
			      const struct nf_hook_state *state, nf_hookfn *fn,
			      unsigned int thoff, const struct tcphdr *th,
			      struct nf_tpkt_key *key, u8 src)
{
	struct seg_ctx c = {
		.tn = tn, .where = state, .skb = skb, .thoff = thoff,
	};
	unsigned int doff = th->doff * 4, len, verdict, retried = 0;
	struct nf_tpkt_held *ready;
	struct nf_tpkt_flow *f;

	if (doff < sizeof(*th) || skb->len < thoff + doff)
		return NF_ACCEPT;
	len = skb->len - thoff - doff;
	nf_tpkt_count(tn, NF_TPKT_CTR_PACKETS);
	this_cpu_add(tn->stats->ctr[NF_TPKT_CTR_BYTES], len);
	if (unlikely(!seg_csum_ok(skb, state, thoff))) {
		/* the receiver drops it; enforce does so here */
		nf_tpkt_count(tn, NF_TPKT_CTR_BAD_CHECKSUMS);
		return pol->mode == NF_TPKT_MODE_ENFORCE ? NF_DROP : NF_ACCEPT;
	}

again:
	f = flow_get(tn, pol, th, len, key, src, &verdict);
	if (!f)
		return verdict;
	if (flow_feed(&c, pol, f, th, state, fn, key, src, &ready) ==
	    FED_DEAD) {
		/*
		 * Unlinked since the lookup: look again, once.  The second
		 * lookup cannot find this flow, only one added since.
		 */
		if (!retried++)
			goto again;
		nf_tpkt_count(tn, NF_TPKT_CTR_UNTRACKED);
		return NF_ACCEPT;
	}
	if (unlikely(ready))
		release_held(tn, pol, state, f, key, src, ready);
	return c.verdict;
}

static unsigned int tpkt_hook4(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(state->net);
	const struct nf_tpkt_policy *pol = rcu_dereference(tn->policy);
	const struct iphdr *iph = ip_hdr(skb);
	union nf_inet_addr saddr = {}, daddr = {};
	struct tcphdr _th;
	const struct tcphdr *th;
	struct nf_tpkt_key key;
	unsigned int thoff;
	u8 src;

	if (unlikely(!pol || pol->mode == NF_TPKT_MODE_OFF) ||
	    iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th || (!port_in_set(pol, th->source) &&
		    !port_in_set(pol, th->dest)))
		return NF_ACCEPT;
	if (ip_is_fragment(iph)) {
		/* defrag is on; a fragment here is never parsed as a segment */
		nf_tpkt_count(tn, NF_TPKT_CTR_FRAGMENTS);
		return NF_ACCEPT;
	}
	saddr.ip = iph->saddr;
	daddr.ip = iph->daddr;
	src = make_key(&key, AF_INET, &saddr, th->source, &daddr, th->dest);
	return tpkt_hook(tn, pol, skb, state, tpkt_hook4, thoff, th, &key, src);
}

#if IS_ENABLED(CONFIG_IPV6)
static unsigned int tpkt_hook6(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct nf_tpkt_net *tn = nf_tpkt_pernet(state->net);
	const struct nf_tpkt_policy *pol = rcu_dereference(tn->policy);
	union nf_inet_addr saddr, daddr;
	struct tcphdr _th;
	const struct tcphdr *th;
	struct nf_tpkt_key key;
	unsigned int thoff = 0;
	unsigned short frag_off = 0;
	int flags = 0, proto;
	u8 src;

	if (unlikely(!pol || pol->mode == NF_TPKT_MODE_OFF))
		return NF_ACCEPT;
	proto = ipv6_find_hdr(skb, &thoff, IPPROTO_TCP, &frag_off, &flags);
	if (proto != IPPROTO_TCP)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th || (!port_in_set(pol, th->source) &&
		    !port_in_set(pol, th->dest)))
		return NF_ACCEPT;
	if (flags & IP6_FH_F_FRAG) {
		nf_tpkt_count(tn, NF_TPKT_CTR_FRAGMENTS);
		return NF_ACCEPT;
	}
	saddr.in6 = ipv6_hdr(skb)->saddr;
	daddr.in6 = ipv6_hdr(skb)->daddr;
	src = make_key(&key, AF_INET6, &saddr, th->source, &daddr, th->dest);
	return tpkt_hook(tn, pol, skb, state, tpkt_hook6, thoff, th, &key, src);
}
#endif

/* Index: family * 3 + bit number of NF_TPKT_HOOK_*. */
static const struct nf_hook_ops tpkt_ops[NF_TPKT_NHOOKS] = {
	{ .hook = tpkt_hook4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NF_TPKT_PRI },
	{ .hook = tpkt_hook4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_TPKT_PRI },
	{ .hook = tpkt_hook4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_TPKT_PRI },
#if IS_ENABLED(CONFIG_IPV6)
	{ .hook = tpkt_hook6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = NF_TPKT_PRI },
	{ .hook = tpkt_hook6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_TPKT_PRI },
	{ .hook = tpkt_hook6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_TPKT_PRI },
#endif
};

static u32 ops_mask(u32 hooks)
{
	u32 m = hooks & NF_TPKT_HOOK_ALL;

	return IS_ENABLED(CONFIG_IPV6) ? m | m << 3 : m;
}

static int defrag_enable(struct nf_tpkt_net *tn)
{
	int err;

	if (tn->defrag)
		return 0;
	err = nf_defrag_ipv4_enable(tn->net);
	if (err)
		return err;
#if IS_ENABLED(CONFIG_IPV6)
	err = nf_defrag_ipv6_enable(tn->net);
	if (err) {
		nf_defrag_ipv4_disable(tn->net);
		return err;
	}
#endif
	tn->defrag = true;
	return 0;
}

static void defrag_disable(struct nf_tpkt_net *tn)
{
	if (!tn->defrag)
		return;
	nf_defrag_ipv4_disable(tn->net);
#if IS_ENABLED(CONFIG_IPV6)
	nf_defrag_ipv6_disable(tn->net);
#endif
	tn->defrag = false;
}

/*
 * Register the hooks of @want (NF_TPKT_HOOK_*) if @on, none otherwise, and
 * unregister the rest.  On failure the registered set is unchanged.
 */
int nf_tpkt_hooks_update(struct nf_tpkt_net *tn, u32 want, bool on,
			 struct netlink_ext_ack *extack)
{
	u32 target = on ? ops_mask(want) : 0, added = 0;
	unsigned int i;
	int err;

	lockdep_assert_held(&tn->lock);
	if (target && !tn->registered) {
		err = defrag_enable(tn);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot enable IP defragmentation");
			return err;
		}
	}
	for (i = 0; i < NF_TPKT_NHOOKS; i++) {
		if (!(target & BIT(i)) || (tn->registered & BIT(i)))
			continue;
		err = nf_register_net_hook(tn->net, &tpkt_ops[i]);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot register netfilter hook");
			goto undo;
		}
		added |= BIT(i);
	}
	for (i = 0; i < NF_TPKT_NHOOKS; i++)
		if ((tn->registered & BIT(i)) && !(target & BIT(i)))
			nf_unregister_net_hook(tn->net, &tpkt_ops[i]);
	tn->registered = target;
	if (!target)
		defrag_disable(tn);
	return 0;
undo:
	for (i = 0; i < NF_TPKT_NHOOKS; i++)
		if (added & BIT(i))
			nf_unregister_net_hook(tn->net, &tpkt_ops[i]);
	if (!tn->registered)
		defrag_disable(tn);
	return err;
}

void nf_tpkt_hooks_remove(struct nf_tpkt_net *tn)
{
	mutex_lock(&tn->lock);
	nf_tpkt_hooks_update(tn, 0, false, NULL);
	mutex_unlock(&tn->lock);
}
