// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * IP fragment reassembly as Linux's nf_defrag does it, for captures: see
 * defrag.h for the rules and how inspect uses it.
 *
 * A pending datagram keeps Linux's "runs" (inet_frag_queue_insert()): a
 * run is data appended at the tail in order; a fragment that lands below
 * the tail makes a run of its own.  Whether a fragment is a duplicate
 * (inside one run) or an overlap (anything else that meets held data)
 * follows from them, exactly as in the kernel.  Runs are a sorted array:
 * at most 8192 of them (65535 / 8), an insertion is a memmove.
 */
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "defrag.h"

struct run {
	u32 start, end;
};

/* A datagram being reassembled (Linux: struct inet_frag_queue). */
struct dq {
	struct dq *hnext;		/* hash chain */
	struct dq *older, *newer;	/* by creation: eviction, expiry */
	u32 hash;
	u8 family, proto;
	u8 saddr[16], daddr[16];
	u32 id;
	struct timeval created;
	u32 len;			/* end of the data as known (q.len) */
	u32 meat;			/* bytes held, duplicates aside */
	bool first_in, last_in, df;
	u8 ecn;				/* 1 << ECN field of each fragment */
	struct run *runs;
	u32 n_runs, cap_runs;
	struct defrag_frag *frags;	/* arrival order */
	u32 n_frags, cap_frags;
	u64 bytes;			/* frame copies held */
	/* from the first fragment (offset 0): the header to keep */
	u32 head, head_ip_off, head_unfrag, head_nh_off;
	u8 head_nh;
};

/* defrag_dgram, with the link of the dropped list. */
struct dgram_node {
	struct defrag_dgram g;
	struct dgram_node *next;
};

struct defrag {
	struct defrag_limits lim;
	struct dq **tab;
	u32 mask;
	struct dq *oldest, *newest;
	u32 pending;
	u64 bytes;
	struct defrag_counters c;
	enum defrag_reason last;
	struct dgram_node *dropped, **dropped_tail;
};

/* RFC 3168 5.3 as ip_frag_ecn_table: bit (1 << ECN field). */
#define ECN_NOT_ECT	0x01
#define ECN_CE		0x08

static u16 get16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

struct defrag *defrag_new(const struct defrag_limits *lim)
{
	struct defrag *d = calloc(1, sizeof(*d));
	u32 n = 64;

	if (!d)
		return NULL;
	if (lim)
		d->lim = *lim;
	if (!d->lim.max_size || d->lim.max_size > DEFRAG_MAX_SIZE)
		d->lim.max_size = DEFRAG_MAX_SIZE;
	if (!d->lim.max_pending)
		d->lim.max_pending = DEFRAG_MAX_PENDING;
	if (!d->lim.max_bytes)
		d->lim.max_bytes = DEFRAG_MAX_BYTES;
	if (!d->lim.timeout.tv_sec && !d->lim.timeout.tv_usec)
		d->lim.timeout.tv_sec = DEFRAG_TIMEOUT_SEC;
	/* about one datagram a bucket at the pending limit */
	while (n < d->lim.max_pending && n < (1U << 20))
		n <<= 1;
	d->tab = calloc(n, sizeof(*d->tab));
	if (!d->tab) {
		free(d);
		return NULL;
	}
	d->mask = n - 1;
	d->dropped_tail = &d->dropped;
	return d;
}

static void frags_free(struct defrag_frag *f, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		free(f[i].frame);
	free(f);
}

void defrag_dgram_free(struct defrag_dgram *g)
{
	if (!g)
		return;
	frags_free(g->frags, g->n_frags);
	free(g->buf);
	free((struct dgram_node *)g);
}

/* The fragments of @q, moved to a new datagram; NULL if out of memory. */
static struct dgram_node *dgram_alloc(struct dq *q)
{
	struct dgram_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->g.family = q->family;
	n->g.frags = q->frags;
	n->g.n_frags = q->n_frags;
	q->frags = NULL;
	q->n_frags = 0;
	return n;
}

/* FNV-1a over the key. */
static u32 key_hash(u8 family, u8 proto, const u8 *s, const u8 *da, u32 id)
{
	u32 h = 2166136261U, alen = family == 4 ? 4 : 16, i;
	u8 b[4] = { family, proto, 0, 0 };

	for (i = 0; i < 2; i++)
		h = (h ^ b[i]) * 16777619U;
	for (i = 0; i < 4; i++)
		h = (h ^ (u8)(id >> (8 * i))) * 16777619U;
	for (i = 0; i < alen; i++)
		h = (h ^ s[i]) * 16777619U;
	for (i = 0; i < alen; i++)
		h = (h ^ da[i]) * 16777619U;
	return h;
}

static void dq_unlink(struct defrag *d, struct dq *q)
{
	struct dq **pp = &d->tab[q->hash & d->mask];

	while (*pp != q)
		pp = &(*pp)->hnext;
	*pp = q->hnext;
	if (q->older)
		q->older->newer = q->newer;
	else
		d->oldest = q->newer;
	if (q->newer)
		q->newer->older = q->older;
	else
		d->newest = q->older;
	d->pending--;
	d->bytes -= q->bytes;
}

static void dq_free(struct dq *q)
{
	frags_free(q->frags, q->n_frags);
	free(q->runs);
	free(q);
}

/*
 * Discard @q for @r: counted if it held anything, its fragments handed
 * to the dropped list with keep_dropped.
 */
static void dq_kill(struct defrag *d, struct dq *q, enum defrag_reason r)
{
	struct dgram_node *n;

	dq_unlink(d, q);
	if (q->n_frags) {
		switch (r) {
		case DEFRAG_R_OVERLAP:
			/* counted with the fragment that overlapped */
			break;
		case DEFRAG_R_TIMEOUT:
			d->c.timeouts++;
			break;
		case DEFRAG_R_EVICTED:
			d->c.evicted++;
			break;
		case DEFRAG_R_FLUSHED:
			d->c.flushed++;
			break;
		default:
			break;
		}
		if (d->lim.keep_dropped) {
			n = dgram_alloc(q);
			/* out of memory: the frames are lost, as is @q */
			if (n) {
				n->g.reason = r;
				*d->dropped_tail = n;
				d->dropped_tail = &n->next;
			}
		}
	}
	dq_free(q);
}

static struct dq *dq_find(struct defrag *d, const struct pkt *p, u32 h)
{
	u32 alen = p->family == 4 ? 4 : 16;
	struct dq *q;

	for (q = d->tab[h & d->mask]; q; q = q->hnext)
		if (q->hash == h && q->family == p->family &&
		    q->id == p->frag_id &&
		    (p->family == 6 || q->proto == p->frag_proto) &&
		    !memcmp(q->saddr, p->saddr, alen) &&
		    !memcmp(q->daddr, p->daddr, alen))
			return q;
	return NULL;
}

static struct dq *dq_find_or_create(struct defrag *d, const struct pkt *p,
				    const struct timeval *now)
{
	u8 proto = p->family == 4 ? p->frag_proto : 0;
	u32 h = key_hash(p->family, proto, p->saddr, p->daddr, p->frag_id);
	struct dq *q = dq_find(d, p, h);

	if (q)
		return q;
	if (d->pending >= d->lim.max_pending && d->oldest)
		dq_kill(d, d->oldest, DEFRAG_R_EVICTED);
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->hash = h;
	q->family = p->family;
	q->proto = proto;
	memcpy(q->saddr, p->saddr, 16);
	memcpy(q->daddr, p->daddr, 16);
	q->id = p->frag_id;
	q->created = *now;
	q->hnext = d->tab[h & d->mask];
	d->tab[h & d->mask] = q;
	q->older = d->newest;
	if (d->newest)
		d->newest->newer = q;
	else
		d->oldest = q;
	d->newest = q;
	d->pending++;
	return q;
}

static bool expired(const struct defrag *d, const struct dq *q,
		    const struct timeval *now)
{
	struct timeval dl;

	timeradd(&q->created, &d->lim.timeout, &dl);
	return !timercmp(now, &dl, <);
}

/*
 * Oldest first, and the list is in creation order: stop at the first
 * that has time left (a capture whose clock steps back keeps the older
 * ones a little longer).
 */
void defrag_expire(struct defrag *d, const struct timeval *now)
{
	while (d->oldest && expired(d, d->oldest, now))
		dq_kill(d, d->oldest, DEFRAG_R_TIMEOUT);
}

void defrag_flush(struct defrag *d)
{
	while (d->oldest)
		dq_kill(d, d->oldest, DEFRAG_R_FLUSHED);
}

struct defrag_dgram *defrag_take_dropped(struct defrag *d)
{
	struct dgram_node *n = d->dropped;

	if (!n)
		return NULL;
	d->dropped = n->next;
	if (!d->dropped)
		d->dropped_tail = &d->dropped;
	n->next = NULL;
	return &n->g;
}

void defrag_free(struct defrag *d)
{
	struct defrag_dgram *g;

	if (!d)
		return;
	d->lim.keep_dropped = false;
	defrag_flush(d);
	while ((g = defrag_take_dropped(d)))
		defrag_dgram_free(g);
	free(d->tab);
	free(d);
}

const struct defrag_counters *defrag_counters(const struct defrag *d)
{
	return &d->c;
}

u32 defrag_pending(const struct defrag *d)
{
	return d->pending;
}

u64 defrag_bytes(const struct defrag *d)
{
	return d->bytes;
}

enum defrag_reason defrag_last_reason(const struct defrag *d)
{
	return d->last;
}

const char *defrag_reason_name(enum defrag_reason r)
{
	static const char *const names[] = {
		[DEFRAG_R_NONE] = "none",
		[DEFRAG_R_OVERLAP] = "overlap",
		[DEFRAG_R_TOO_BIG] = "too-big",
		[DEFRAG_R_TRUNCATED] = "truncated",
		[DEFRAG_R_MALFORMED] = "malformed",
		[DEFRAG_R_OVER_LIMIT] = "over-limit",
		[DEFRAG_R_NOMEM] = "out-of-memory",
		[DEFRAG_R_TIMEOUT] = "timeout",
		[DEFRAG_R_EVICTED] = "evicted",
		[DEFRAG_R_FLUSHED] = "flushed",
	};

	return (unsigned int)r < ARRAY_SIZE(names) && names[r] ? names[r] :
								 "unknown";
}

/* A fragment not held: counted by @r. */
static int drop(struct defrag *d, enum defrag_reason r)
{
	u64 *c[] = {
		[DEFRAG_R_OVERLAP] = &d->c.overlaps,
		[DEFRAG_R_TOO_BIG] = &d->c.too_big,
		[DEFRAG_R_TRUNCATED] = &d->c.truncated,
		[DEFRAG_R_MALFORMED] = &d->c.malformed,
		[DEFRAG_R_OVER_LIMIT] = &d->c.over_limit,
		[DEFRAG_R_NOMEM] = &d->c.nomem,
	};

	if ((unsigned int)r < ARRAY_SIZE(c) && c[r])
		(*c[r])++;
	d->last = r;
	return DEFRAG_DROPPED;
}

/* A fragment that spoils its datagram: both go. */
static int kill_drop(struct defrag *d, struct dq *q, enum defrag_reason r)
{
	dq_kill(d, q, r);
	return drop(d, r);
}

enum run_fit { RUN_NEW, RUN_EXTEND, RUN_DUP, RUN_OVERLAP };

/* Where [@off, @end) goes among the runs (inet_frag_queue_insert()). */
static enum run_fit run_fit(const struct dq *q, u32 off, u32 end, u32 *pos)
{
	u32 lo = 0, hi = q->n_runs;
	const struct run *last;

	if (!q->n_runs) {
		*pos = 0;
		return RUN_NEW;
	}
	last = &q->runs[q->n_runs - 1];
	if (last->end < end) {
		/* the common case: at the tail */
		if (off < last->end)
			return RUN_OVERLAP;
		*pos = q->n_runs;
		return off == last->end ? RUN_EXTEND : RUN_NEW;
	}
	/* the first run that ends after @off */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (q->runs[mid].end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < q->n_runs && q->runs[lo].start < end)
		return off >= q->runs[lo].start && end <= q->runs[lo].end ?
		       RUN_DUP : RUN_OVERLAP;
	*pos = lo;
	return RUN_NEW;
}

static int run_insert(struct dq *q, enum run_fit fit, u32 pos, u32 off,
		      u32 end)
{
	struct run *r;

	if (fit == RUN_EXTEND) {
		q->runs[q->n_runs - 1].end = end;
		return 0;
	}
	if (q->n_runs == q->cap_runs) {
		u32 cap = q->cap_runs ? 2 * q->cap_runs : 4;

		r = realloc(q->runs, cap * sizeof(*r));
		if (!r)
			return -1;
		q->runs = r;
		q->cap_runs = cap;
	}
	memmove(q->runs + pos + 1, q->runs + pos,
		(q->n_runs - pos) * sizeof(*q->runs));
	q->runs[pos].start = off;
	q->runs[pos].end = end;
	q->n_runs++;
	return 0;
}

/* Copy the fragment into @q; NULL if out of memory. */
static struct defrag_frag *frag_store(struct defrag *d, struct dq *q,
				      const struct pcap_pkthdr *h,
				      const u8 *frame)
{
	struct defrag_frag *f;

	if (q->n_frags == q->cap_frags) {
		u32 cap = q->cap_frags ? 2 * q->cap_frags : 4;

		f = realloc(q->frags, cap * sizeof(*f));
		if (!f)
			return NULL;
		q->frags = f;
		q->cap_frags = cap;
	}
	f = &q->frags[q->n_frags];
	memset(f, 0, sizeof(*f));
	f->frame = malloc(h->caplen ? h->caplen : 1);
	if (!f->frame)
		return NULL;
	memcpy(f->frame, frame, h->caplen);
	f->hdr = *h;
	q->n_frags++;
	q->bytes += h->caplen;
	d->bytes += h->caplen;
	return f;
}

/* Make room for @need bytes, the oldest others first; false if none. */
static bool make_room(struct defrag *d, struct dq *q, u64 need)
{
	struct dq *v = d->oldest;

	while (d->bytes + need > d->lim.max_bytes && v) {
		struct dq *next = v->newer;

		if (v != q)
			dq_kill(d, v, DEFRAG_R_EVICTED);
		v = next;
	}
	return d->bytes + need <= d->lim.max_bytes;
}

static void ip4_csum_set(u8 *h, u32 ihl)
{
	u32 sum = 0, i;

	put16(h + 10, 0);
	for (i = 0; i + 1 < ihl; i += 2)
		sum += get16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(h + 10, ~sum & 0xffff);
}

/*
 * @q is complete: build the datagram from its first fragment's header
 * and the runs' data (ip_frag_reasm(), nf_ct_frag6_reasm()).
 */
static int reassemble(struct defrag *d, struct dq *q,
		      struct defrag_dgram **out)
{
	const struct defrag_frag *hf = &q->frags[q->head];
	const u8 *ip = hf->frame + q->head_ip_off;
	u32 hl = q->head_unfrag, tot = hl + q->len, i;
	bool ce = (q->ecn & ECN_CE) && !(q->ecn & ECN_NOT_ECT);
	struct dgram_node *n;
	u8 *b;

	/* IPv4: the total length; IPv6: the payload length */
	if ((q->family == 4 ? tot : tot - 40) > d->lim.max_size)
		return -DEFRAG_R_TOO_BIG;
	if ((q->ecn & ECN_NOT_ECT) && (q->ecn & ~ECN_NOT_ECT))
		return -DEFRAG_R_MALFORMED;
	b = malloc(tot);
	n = calloc(1, sizeof(*n));
	if (!b || !n) {
		free(b);
		free(n);
		return -DEFRAG_R_NOMEM;
	}
	memcpy(b, ip, hl);
	for (i = 0; i < q->n_frags; i++) {
		const struct defrag_frag *f = &q->frags[i];

		if (!f->dup)
			memcpy(b + hl + f->start, f->frame + f->data_off,
			       f->end - f->start);
	}
	if (q->family == 4) {
		put16(b + 2, tot);
		put16(b + 6, q->df ? 0x4000 : 0);
		if (ce)
			b[1] |= 3;
		ip4_csum_set(b, hl);
	} else {
		b[q->head_nh_off] = q->head_nh;
		put16(b + 4, tot - 40);
		if (ce)
			b[1] |= 0x30;
	}
	dq_unlink(d, q);
	n->g.family = q->family;
	n->g.frags = q->frags;
	n->g.n_frags = q->n_frags;
	q->frags = NULL;
	q->n_frags = 0;
	dq_free(q);
	n->g.buf = b;
	n->g.len = tot;
	n->g.l4_base = hl;
	n->g.kind = pkt_decode(DLT_RAW, b, tot, &n->g.p);
	d->c.reassembled++;
	*out = &n->g;
	return DEFRAG_DONE;
}

/* Take the fragment just stored back out of @q (it is not held). */
static void frag_unstore(struct defrag *d, struct dq *q)
{
	struct defrag_frag *f = &q->frags[--q->n_frags];

	q->bytes -= f->hdr.caplen;
	d->bytes -= f->hdr.caplen;
	free(f->frame);
}

int defrag_feed(struct defrag *d, const struct pcap_pkthdr *h,
		const u8 *frame, const struct pkt *p,
		struct defrag_dgram **out)
{
	u32 off, end, pos = 0, tc;
	struct defrag_frag *f;
	enum run_fit fit;
	struct dq *q;
	bool v4;
	int ret;

	*out = NULL;
	if (!p || (p->family != 4 && p->family != 6) || !p->frag_data_off)
		return -1;
	v4 = p->family == 4;
	d->c.fragments++;
	d->last = DEFRAG_R_NONE;
	defrag_expire(d, &h->ts);
	/* the bytes Linux would have, we must have too */
	if (h->caplen < p->frag_data_off ||
	    h->caplen - p->frag_data_off < p->frag_len)
		return drop(d, DEFRAG_R_TRUNCATED);
	off = p->frag_offset;
	end = off + p->frag_len;
	q = dq_find_or_create(d, p, &h->ts);
	if (!q)
		return drop(d, DEFRAG_R_NOMEM);
	if (v4 ? p->frag_unfrag_len + end > d->lim.max_size :
		 end > d->lim.max_size)
		return v4 ? kill_drop(d, q, DEFRAG_R_TOO_BIG) :
			    drop(d, DEFRAG_R_TOO_BIG);
	if (!p->frag_more) {
		/* bits past the end, or another end: corrupt */
		if (end < q->len || (q->last_in && end != q->len))
			return v4 ? kill_drop(d, q, DEFRAG_R_MALFORMED) :
				    drop(d, DEFRAG_R_MALFORMED);
		q->last_in = true;
		q->len = end;
	} else {
		if (end & 7) {
			/* IPv4 uses the 8-byte blocks, IPv6 gives up */
			if (!v4)
				return kill_drop(d, q, DEFRAG_R_MALFORMED);
			end &= ~7U;
		}
		if (end > q->len) {
			if (q->last_in)
				return v4 ?
				       kill_drop(d, q, DEFRAG_R_MALFORMED) :
				       drop(d, DEFRAG_R_MALFORMED);
			q->len = end;
		}
	}
	if (end == off)
		return v4 ? kill_drop(d, q, DEFRAG_R_MALFORMED) :
			    drop(d, DEFRAG_R_MALFORMED);
	fit = run_fit(q, off, end, &pos);
	if (fit == RUN_OVERLAP)
		return kill_drop(d, q, DEFRAG_R_OVERLAP);
	if (h->caplen > d->lim.max_bytes)
		return drop(d, DEFRAG_R_OVER_LIMIT);
	if (!make_room(d, q, h->caplen)) {
		/* only @q itself is in the way: it goes */
		d->c.evicted += q->n_frags > 0;
		return kill_drop(d, q, DEFRAG_R_OVER_LIMIT);
	}
	f = frag_store(d, q, h, frame);
	if (!f)
		return drop(d, DEFRAG_R_NOMEM);
	f->start = off;
	f->end = end;
	f->data_off = p->frag_data_off;
	if (fit == RUN_DUP) {
		/* Linux drops it and keeps the datagram; we keep its copy */
		f->dup = true;
		d->c.duplicates++;
		return DEFRAG_HELD;
	}
	if (run_insert(q, fit, pos, off, end)) {
		frag_unstore(d, q);
		return drop(d, DEFRAG_R_NOMEM);
	}
	q->meat += end - off;
	/* ECN: IPv4 TOS, IPv6 traffic class (bits 4-5 of byte 1) */
	tc = v4 ? frame[p->ip_off + 1] : frame[p->ip_off + 1] >> 4;
	q->ecn |= 1 << (tc & 3);
	q->df |= p->frag_df;
	if (!off) {
		q->first_in = true;
		q->head = q->n_frags - 1;
		q->head_ip_off = p->ip_off;
		q->head_unfrag = p->frag_unfrag_len;
		q->head_nh_off = p->frag_nh_off - p->ip_off;
		q->head_nh = p->frag_proto;
	}
	if (!q->first_in || !q->last_in || q->meat != q->len)
		return DEFRAG_HELD;
	ret = reassemble(d, q, out);
	if (ret >= 0)
		return ret;
	/* the datagram goes, without this fragment, which is not held */
	frag_unstore(d, q);
	return kill_drop(d, q, -ret);
}

int defrag_apply_edit(struct defrag_dgram *g, u32 l4_off, u8 val)
{
	u32 tcp, seg, x, cs, i;
	bool odd = l4_off & 1;
	u8 old;

	if (!g || !g->buf || g->kind != PKT_TCP)
		return -1;
	tcp = g->p.tcp_off;
	seg = g->p.data_off - tcp + g->p.len;
	if (l4_off >= seg || l4_off == 16 || l4_off == 17 || tcp < g->l4_base)
		return -1;
	/* positions in the fragmentable part, as the fragments count */
	x = tcp - g->l4_base + l4_off;
	cs = tcp - g->l4_base + 16;
	old = g->buf[tcp + l4_off];
	g->buf[tcp + l4_off] = val;
	tcp_csum_replace_byte(g->buf + tcp + 16, odd, old, val);
	for (i = 0; i < g->n_frags; i++) {
		struct defrag_frag *f = &g->frags[i];
		u8 *d = f->frame + f->data_off;

		if (f->start <= x && x < f->end)
			d[x - f->start] = val;
		if (f->start <= cs && cs + 2 <= f->end) {
			tcp_csum_replace_byte(d + cs - f->start, odd, old,
					      val);
		} else {
			/*
			 * The field split between fragments (not with 8-byte
			 * blocks): each copy takes its half of the result.
			 */
			if (f->start <= cs && cs < f->end)
				d[cs - f->start] = g->buf[tcp + 16];
			if (f->start <= cs + 1 && cs + 1 < f->end)
				d[cs + 1 - f->start] = g->buf[tcp + 17];
		}
	}
	return 0;
}
