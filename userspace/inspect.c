// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpktctl inspect: capture files through the stream engine.
 *
 * This file only moves bytes: it finds TCP segments on the port set in a
 * capture, groups them into flows, feeds them in capture order to the same
 * engine the kernel module runs, applies the edits it asks for and prints
 * what it reported.  Every protocol decision is the engine's.
 *
 * Choices that differ from the kernel's defaults, and why:
 *  - pickup defaults to loose: captures are often started after the
 *    connection, and strict pickup would show nothing for them.
 *  - mode defaults to monitor, or to normalize with --fix.
 *  - a segment the engine drops is left out of the --fix output, like the
 *    gateway would; it is reported as an event.
 */
#include <arpa/inet.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"
#include "names.h"
#include "pcap_io.h"
#include "policy_words.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Edit history entries per flow: retransmissions get the same edits. */
#define HIST_CAP	1024
/* Anomalies per direction still waiting for their TPKT's TPDU code. */

/* Event kinds beyond enum nf_tpkt_check: segments dropped without a check. */
enum {
	EV_OOO = __NF_TPKT_CHECK_MAX,	/* ahead of a gap (ooo drop) */
	EV_BLOCKED,			/* after a drop action: blocked */
};

struct cfg {
	bool json;
	const char *fix_path;
	struct policy_words pw;
	unsigned int mode;
	u8 action[__NF_TPKT_CHECK_MAX];
	unsigned int ooo, pickup;
	char **files;
	int n_files;
};

struct endpoint {
	u8 addr[16];
	u16 port;
};

struct fdir {
	struct tpkt_counts cnt;
	u32 isn;		/* stream offset 0, as the engine has it */
	bool isn_known;
	bool blind;		/* a header byte was not captured */
};

struct flow {
	struct flow *hnext;	/* hash chain */
	struct flow *next;	/* all flows of the file, in creation order */
	u32 hash;		/* pkt_hash() of its packets */
	u8 family;
	struct endpoint ep[2];	/* ep[d] sends direction d */
	struct tpkt_flow tf;
	struct fdir d[2];
};

struct event {
	unsigned long frame;
	struct flow *flow;
	u8 dir;
	u8 kind;		/* enum nf_tpkt_check or EV_* */
	u8 action;
	u8 tpdu;		/* enum nf_tpkt_tpdu or TPKT_TPDU_NONE */
	u8 orig_len;
	u8 orig[6];
	bool off_known;
	u32 off;
	u32 tpkt_off;
};

struct seg_edit {
	u32 off;
	u8 val;
};

/* Totals over every file. */
struct totals {
	struct tpkt_counts cnt;
	u64 flows, picked_up;
	u64 segments, truncated, blind, fragments, uncaptured_edits;
	u64 written, edited, dropped;
	json_object *events;
	json_object *by_dir;
};

/* State while one file is processed. */
struct run {
	const struct cfg *cfg;
	struct totals *tot;
	const char *file;
	struct tpkt_policy pol;
	struct flow **buckets;
	unsigned int nbuckets;
	unsigned int nflows;
	struct flow *first;
	struct flow **tail;
	struct event *ev;
	size_t n_ev, cap_ev;
	bool oom;

	/* the segment being fed */
	unsigned long frame;
	struct flow *cur;
	unsigned int cur_dir;
	const u8 *payload;
	u32 caplen;		/* payload bytes captured */
	u32 piece_off;		/* the part fed now (see feed()) */
	u32 piece_cap;		/* how much of it can be read */
	bool short_read;
	bool drop_reported;
	struct seg_edit *edits;
	size_t n_edits, cap_edits;
	u8 *buf;
	size_t buf_len;
};

const char inspect_usage_line[] =
	"inspect [-j] [--fix OUT.pcap] [POLICY-WORDS...] FILE...";

void inspect_usage(FILE *f)
{
	fprintf(f, "Usage: tpktctl [-j] %s\n\n", inspect_usage_line);
	fputs("Run capture files (pcap or pcapng) through the nf_tpkt stream "
	      "engine.\n"
	      "\n"
	      "  -j, --json       one JSON document on stdout\n"
	      "  --fix OUT.pcap   write the capture as the gateway would "
	      "forward it\n"
	      "                   (exactly one input; default mode "
	      "normalize)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "POLICY WORDS: mode off|monitor|normalize|enforce, "
	      "ports LIST,\n"
	      "  check NAME ignore|count|fix|drop, ooo drop|pass, "
	      "pickup strict|loose\n"
	      "  (hooks, max-flows, timeout, full, event-rate are accepted "
	      "and unused).\n"
	      "Defaults: mode monitor (normalize with --fix), ports 102, "
	      "ooo drop, pickup loose.\n", f);
}

/* ---- engine glue ------------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t n, size_t size, bool *oom)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return p;
	ncap = *cap ? *cap * 2 : 64;
	np = realloc(p, ncap * size);
	if (!np) {
		*oom = true;
		return p;
	}
	*cap = ncap;
	return np;
}

static void on_edit(void *ctx, u32 seg_off, u8 val)
{
	struct run *r = ctx;

	r->edits = grow(r->edits, &r->cap_edits, r->n_edits,
			sizeof(*r->edits), &r->oom);
	if (r->n_edits < r->cap_edits)
		r->edits[r->n_edits++] = (struct seg_edit){
			r->piece_off + seg_off, val
		};
}

static struct event *new_event(struct run *r, unsigned int kind)
{
	struct event *e;

	r->ev = grow(r->ev, &r->cap_ev, r->n_ev, sizeof(*r->ev), &r->oom);
	if (r->n_ev == r->cap_ev)
		return NULL;
	e = &r->ev[r->n_ev++];
	memset(e, 0, sizeof(*e));
	e->frame = r->frame;
	e->flow = r->cur;
	e->dir = r->cur_dir;
	e->kind = kind;
	e->tpdu = TPKT_TPDU_NONE;
	return e;
}

static void on_anomaly(void *ctx, const struct tpkt_anomaly *a)
{
	struct run *r = ctx;
	struct event *e = new_event(r, a->check);

	if (!e)
		return;
	e->action = a->action;
	e->tpdu = a->tpdu;
	e->orig_len = a->orig_len <= sizeof(e->orig) ? a->orig_len :
						       sizeof(e->orig);
	memcpy(e->orig, a->orig, e->orig_len);
	e->off_known = true;
	e->off = a->off;
	e->tpkt_off = a->tpkt_off;
	if (a->action == NF_TPKT_ACT_DROP)
		r->drop_reported = true;
}

static struct tpkt_hist *on_hist_alloc(void *ctx)
{
	struct tpkt_hist *h = malloc(tpkt_hist_size(HIST_CAP));

	/* without one, retransmissions pass unfixed and are counted */
	if (h)
		tpkt_hist_init(h, HIST_CAP);
	return h;
}

static const struct tpkt_sink sink = {
	.edit = on_edit,
	.anomaly = on_anomaly,
	.hist_alloc = on_hist_alloc,
};

/*
 * The engine reads only header bytes.  One that was not captured (snaplen)
 * cannot be made up: say so, and the engine stops parsing the segment
 * there.  The direction is then marked blind (see feed()).
 */
static const u8 *seg_read(const struct tpkt_seg *seg, u32 off, u32 n, u8 *buf)
{
	struct run *r = (struct run *)seg->priv;

	if (off > r->piece_cap || n > r->piece_cap - off) {
		r->short_read = true;
		return NULL;
	}
	return r->payload + r->piece_off + off;
}

/* ---- flows ------------------------------------------------------------- */

static bool port_in_set(const struct cfg *c, u16 port)
{
	if (c->pw.given & PW_PORTS)
		return pw_port_in_set(&c->pw, port);
	return port == TPKT_DEFAULT_PORT;
}

static u32 ep_hash(const u8 *addr, u16 port)
{
	u32 h = 2166136261U;
	unsigned int i;

	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619U;
	return (h ^ port) * 16777619U;
}

/* Symmetric: both directions of a flow land in the same bucket. */
static u32 pkt_hash(const struct pkt *p)
{
	return ep_hash(p->saddr, p->sport) ^ ep_hash(p->daddr, p->dport) ^
	       p->family;
}

static bool ep_eq(const struct endpoint *e, const u8 *addr, u16 port)
{
	return e->port == port && !memcmp(e->addr, addr, sizeof(e->addr));
}

/* Direction of @p in @f, or -1 if @p is not of @f. */
static int flow_dir(const struct flow *f, const struct pkt *p)
{
	if (f->family != p->family)
		return -1;
	if (ep_eq(&f->ep[0], p->saddr, p->sport) &&
	    ep_eq(&f->ep[1], p->daddr, p->dport))
		return 0;
	if (ep_eq(&f->ep[1], p->saddr, p->sport) &&
	    ep_eq(&f->ep[0], p->daddr, p->dport))
		return 1;
	return -1;
}


static int rehash(struct run *r)
{
	unsigned int n = r->nbuckets ? r->nbuckets * 2 : 256, i;
	struct flow **b = calloc(n, sizeof(*b));

	if (!b)
		return -1;
	for (i = 0; i < r->nbuckets; i++) {
		struct flow *f = r->buckets[i], *next;

		for (; f; f = next) {
			next = f->hnext;
			f->hnext = b[f->hash & (n - 1)];
			b[f->hash & (n - 1)] = f;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = n;
	return 0;
}

static void unhash(struct run *r, struct flow *f)
{
	struct flow **pp = &r->buckets[f->hash & (r->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == f) {
			*pp = f->hnext;
			return;
		}
	}
}

static struct flow *flow_find(struct run *r, const struct pkt *p,
			      unsigned int *dir)
{
	u32 h = pkt_hash(p);
	struct flow *f;

	if (!r->nbuckets)
		return NULL;
	for (f = r->buckets[h & (r->nbuckets - 1)]; f; f = f->hnext) {
		int d;

		if (f->hash != h)
			continue;
		d = flow_dir(f, p);
		if (d >= 0) {
			*dir = d;
			return f;
		}
	}
	return NULL;
}

/*
 * The flow of @p, created if new.  Direction 0 is the client: the side
 * whose port is not in the port set, else the sender of a SYN, else the
 * sender of the first segment seen.
 */
static struct flow *flow_get(struct run *r, const struct pkt *p,
			     unsigned int *dir)
{
	bool syn = (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
	bool s_in, d_in, client;
	struct flow *f = flow_find(r, p, dir);

	if (f) {
		const struct fdir *fd = &f->d[*dir];

		/*
		 * A SYN with another ISN on a known direction: a new
		 * connection reusing the addresses and ports.  The old
		 * flow stays listed, but is no longer found.
		 */
		if (!syn || !fd->isn_known || fd->isn == p->seq + 1)
			return f;
		unhash(r, f);
	}
	if (r->nflows >= r->nbuckets * 2 && rehash(r))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	s_in = port_in_set(r->cfg, p->sport);
	d_in = port_in_set(r->cfg, p->dport);
	if (s_in != d_in)
		client = d_in;
	else if (p->tcp_flags & TCPF_SYN)
		client = !(p->tcp_flags & TCPF_ACK);
	else
		client = true;
	*dir = client ? 0 : 1;
	f->hash = pkt_hash(p);
	f->family = p->family;
	memcpy(f->ep[*dir].addr, p->saddr, 16);
	f->ep[*dir].port = p->sport;
	memcpy(f->ep[!*dir].addr, p->daddr, 16);
	f->ep[!*dir].port = p->dport;
	tpkt_flow_init(&f->tf);
	f->hnext = r->buckets[f->hash & (r->nbuckets - 1)];
	r->buckets[f->hash & (r->nbuckets - 1)] = f;
	*r->tail = f;
	r->tail = &f->next;
	r->nflows++;
	return f;
}

static void flows_free(struct run *r)
{
	struct flow *f, *next;

	for (f = r->first; f; f = next) {
		next = f->next;
		free(f->tf.hist);
		free(f);
	}
	r->first = NULL;
	r->tail = &r->first;
	free(r->buckets);
	r->buckets = NULL;
	r->nbuckets = 0;
	r->nflows = 0;
}

/* ---- segments ---------------------------------------------------------- */

/* Apply the engine's edits to a copy of the frame. */
static const u8 *apply_edits(struct run *r, const struct pkt *p,
			     const u8 *frame, u32 caplen)
{
	bool changed = false;
	size_t i;

	if (r->buf_len < caplen) {
		u8 *b = realloc(r->buf, caplen);

		if (!b) {
			r->oom = true;
			return frame;
		}
		r->buf = b;
		r->buf_len = caplen;
	}
	memcpy(r->buf, frame, caplen);
	for (i = 0; i < r->n_edits; i++) {
		const struct seg_edit *e = &r->edits[i];
		u32 at = p->data_off + e->off;
		u8 old;

		/*
		 * A retransmission's remembered edit may fall past the
		 * snaplen: the byte is not in the file to be changed.
		 */
		if (e->off >= p->caplen) {
			r->tot->uncaptured_edits++;
			continue;
		}
		old = r->buf[at];
		if (old == e->val)
			continue;
		r->buf[at] = e->val;
		tcp_csum_replace_byte(r->buf + p->tcp_off + 16,
				      (at - p->tcp_off) & 1, old, e->val);
		changed = true;
	}
	r->tot->edited += changed;
	return r->buf;
}

static int feed_piece(struct run *r, struct flow *f, unsigned int dir,
		      const struct tpkt_seg *seg, u32 off, u32 cap)
{
	const struct tpkt_env env = {
		.pol = &r->pol, .sink = &sink, .ctx = r, .cnt = &f->d[dir].cnt,
	};

	r->piece_off = off;
	r->piece_cap = cap;
	return tpkt_flow_segment(&f->tf, dir, &env, seg);
}

/*
 * Feed one TCP segment of the port set to its flow.  Returns whether it is
 * written to the output; *@out is the frame to write.
 *
 * A segment cut by the snaplen is fed as two: the captured bytes, then the
 * rest as bytes that cannot be read.  The engine reads header bytes in
 * windows of several bytes, and one window reaching past the capture would
 * otherwise hide captured headers from it; split this way, it parses all
 * that was captured, jumps over uncaptured TPDU bodies as it always does,
 * and stops only at a header byte that really is missing.
 */
static bool feed(struct run *r, const struct pkt *p, const u8 *frame,
		 u32 frame_caplen, const u8 **out)
{
	struct tpkt_seg seg = {
		.seq = p->seq, .ack = p->ack, .read = seg_read, .priv = r,
	};
	u32 s0 = p->seq + !!(p->tcp_flags & TCPF_SYN);
	unsigned int dir;
	struct flow *f = flow_get(r, p, &dir);
	struct fdir *fd;
	bool picked;
	u64 ooo;
	int v;

	if (!f) {
		r->oom = true;
		return true;
	}
	fd = &f->d[dir];
	r->tot->segments++;
	fd->cnt.ctr[NF_TPKT_CTR_PACKETS]++;
	fd->cnt.ctr[NF_TPKT_CTR_BYTES] += p->len;
	if (p->caplen < p->len)
		r->tot->truncated++;

	seg.flags = (p->tcp_flags & TCPF_SYN ? TPKT_SEG_SYN : 0) |
		    (p->tcp_flags & TCPF_FIN ? TPKT_SEG_FIN : 0) |
		    (p->tcp_flags & TCPF_RST ? TPKT_SEG_RST : 0) |
		    (p->tcp_flags & TCPF_ACK ? TPKT_SEG_ACK : 0);
	/*
	 * A blind direction has lost bytes the engine needed: its payload
	 * is not fed any more (it would only make up gaps and desyncs), but
	 * its ACKs still are, for the other direction's edit history.
	 */
	seg.len = fd->blind ? 0 : p->len;
	/* the engine takes the first SYN of a direction as its start */
	if (!fd->isn_known && (seg.flags & TPKT_SEG_SYN)) {
		fd->isn = s0;
		fd->isn_known = true;
	}
	r->cur = f;
	r->cur_dir = dir;
	r->payload = frame + p->data_off;
	r->caplen = p->caplen;
	r->short_read = false;
	r->drop_reported = false;
	r->n_edits = 0;
	picked = tpkt_dir_picked_up(&f->tf, dir);
	ooo = fd->cnt.ctr[NF_TPKT_CTR_OOO];

	/* an RST ends the direction before any byte is read */
	if (fd->blind || p->caplen == p->len || (seg.flags & TPKT_SEG_RST)) {
		v = feed_piece(r, f, dir, &seg, 0, p->caplen);
	} else {
		v = TPKT_ACCEPT;
		if (p->caplen) {
			seg.len = p->caplen;
			v = feed_piece(r, f, dir, &seg, 0, p->caplen);
			seg.seq = s0 + p->caplen;
			seg.flags &= TPKT_SEG_ACK;
		}
		seg.len = p->len - p->caplen;
		if (v == TPKT_ACCEPT)
			v = feed_piece(r, f, dir, &seg, p->caplen, 0);
	}

	/* ... or, picked up mid-stream, the segment it started at */
	if (!fd->isn_known && !picked && tpkt_dir_picked_up(&f->tf, dir)) {
		fd->isn = p->seq;
		fd->isn_known = true;
	}
	if (r->short_read && !fd->blind && tpkt_dir_tracked(&f->tf, dir) &&
	    !tpkt_dir_desynced(&f->tf, dir)) {
		fd->blind = true;
		r->tot->blind++;
	}

	if (v == TPKT_DROP) {
		if (!r->drop_reported) {
			bool gap = fd->cnt.ctr[NF_TPKT_CTR_OOO] > ooo;
			struct event *e = new_event(r, gap ? EV_OOO :
							     EV_BLOCKED);

			if (e) {
				e->action = NF_TPKT_ACT_DROP;
				e->off_known = fd->isn_known;
				e->off = s0 - fd->isn;
			}
		}
		r->tot->dropped++;
		return false;
	}
	if (r->n_edits)
		*out = apply_edits(r, p, frame, frame_caplen);
	return true;
}

/* Returns whether the packet goes to the output; *@out is what to write. */
static bool handle_packet(struct run *r, int dlt, const struct pcap_pkthdr *h,
			  const u8 *data, const u8 **out)
{
	const struct cfg *c = r->cfg;
	unsigned int dir;
	struct flow *f;
	struct pkt p;
	enum pkt_kind k = pkt_decode(dlt, data, h->caplen, &p);

	*out = data;
	if (c->mode == NF_TPKT_MODE_OFF)
		return true;
	switch (k) {
	case PKT_TCP:
		break;
	case PKT_FRAGMENT:
		/* a fragment's ports may be in another fragment: count all */
		r->tot->fragments++;
		return true;
	case PKT_TRUNCATED:
		if (!p.ports_known || (!port_in_set(c, p.sport) &&
				       !port_in_set(c, p.dport)))
			return true;
		r->tot->truncated++;
		/* not even its sequence number is known: bytes are lost */
		f = flow_find(r, &p, &dir);
		if (f && !f->d[dir].blind && tpkt_dir_tracked(&f->tf, dir)) {
			f->d[dir].blind = true;
			r->tot->blind++;
		}
		return true;
	default:
		return true;
	}
	if (!port_in_set(c, p.sport) && !port_in_set(c, p.dport))
		return true;
	return feed(r, &p, data, h->caplen, out);
}

/* ---- output ------------------------------------------------------------ */

static void ep_str(const struct flow *f, unsigned int d, char *buf,
		   size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(f->family == 4 ? AF_INET : AF_INET6, f->ep[d].addr, a,
		  sizeof(a));
	snprintf(buf, len, f->family == 4 ? "%s:%u" : "[%s]:%u", a,
		 f->ep[d].port);
}

static void flow_str(const struct flow *f, char *buf, size_t len)
{
	char a[64], b[64];

	ep_str(f, 0, a, sizeof(a));
	ep_str(f, 1, b, sizeof(b));
	snprintf(buf, len, "%s > %s", a, b);
}

static const char *kind_name(unsigned int kind)
{
	if (kind == EV_OOO)
		return "ooo";
	if (kind == EV_BLOCKED)
		return "blocked";
	return check_name(kind);
}

static void hex_str(const u8 *b, unsigned int n, char *buf)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
	buf[2 * n] = '\0';
}

static void print_event(const struct run *r, const struct event *e)
{
	char src[64], dst[64], orig[2 * sizeof(e->orig) + 1];

	ep_str(e->flow, e->dir, src, sizeof(src));
	ep_str(e->flow, !e->dir, dst, sizeof(dst));
	hex_str(e->orig, e->orig_len, orig);
	if (r->cfg->n_files > 1)
		printf("%s ", r->file);
	printf("frame %lu: %s > %s %s %s", e->frame, src, dst,
	       kind_name(e->kind), action_name(e->action));
	if (e->tpdu != TPKT_TPDU_NONE)
		printf(" %s", tpdu_name(e->tpdu));
	if (e->off_known)
		printf(" offset %u", e->off);
	if (e->kind < __NF_TPKT_CHECK_MAX && e->kind != NF_TPKT_CHECK_DESYNC)
		printf(" tpkt-offset %u", e->tpkt_off);
	if (e->orig_len)
		printf(" orig %s", orig);
	putchar('\n');
}

/* json-c: add, and remember whether anything failed to allocate. */
static void jadd(json_object *o, const char *key, json_object *v, bool *oom)
{
	if (!o || (!v && oom && *oom))
		return;
	if (json_object_object_add(o, key, v))
		*oom = true;
}

static json_object *jstr(const char *s, bool *oom)
{
	json_object *o = json_object_new_string(s);

	if (!o)
		*oom = true;
	return o;
}

static json_object *jint(u64 v, bool *oom)
{
	json_object *o = json_object_new_int64((int64_t)v);

	if (!o)
		*oom = true;
	return o;
}

static json_object *jtable(enum tpkt_name_kind kind, const u64 *v,
			   bool *oom)
{
	json_object *o = json_object_new_object();
	unsigned int i;

	if (!o) {
		*oom = true;
		return NULL;
	}
	for (i = 0; i < tpkt_name_count(kind); i++)
		jadd(o, tpkt_name(kind, i), jint(v[i], oom), oom);
	return o;
}

static void jappend(json_object *a, json_object *v, bool *oom)
{
	if (!v || json_object_array_add(a, v)) {
		json_object_put(v);
		*oom = true;
	}
}

static json_object *event_json(const struct run *r, const struct event *e,
			       bool *oom)
{
	char src[64], dst[64], flow[140], orig[2 * sizeof(e->orig) + 1];
	bool tpkt = e->kind < __NF_TPKT_CHECK_MAX &&
		    e->kind != NF_TPKT_CHECK_DESYNC;
	json_object *o = json_object_new_object();

	if (!o) {
		*oom = true;
		return NULL;
	}
	ep_str(e->flow, e->dir, src, sizeof(src));
	ep_str(e->flow, !e->dir, dst, sizeof(dst));
	flow_str(e->flow, flow, sizeof(flow));
	hex_str(e->orig, e->orig_len, orig);
	jadd(o, "frame", jint(e->frame, oom), oom);
	jadd(o, "flow", jstr(flow, oom), oom);
	jadd(o, "src", jstr(src, oom), oom);
	jadd(o, "dst", jstr(dst, oom), oom);
	jadd(o, "class", jstr(kind_name(e->kind), oom), oom);
	jadd(o, "action", jstr(action_name(e->action), oom), oom);
	jadd(o, "tpdu", e->tpdu == TPKT_TPDU_NONE ? NULL :
	     jstr(tpdu_name(e->tpdu), oom), oom);
	jadd(o, "offset", e->off_known ? jint(e->off, oom) : NULL, oom);
	jadd(o, "tpkt_offset", tpkt ? jint(e->tpkt_off, oom) : NULL, oom);
	jadd(o, "orig", jstr(orig, oom), oom);
	jadd(o, "file", jstr(r->file, oom), oom);
	return o;
}

static json_object *dir_json(const struct run *r, const struct flow *f,
			     unsigned int d, bool *oom)
{
	char src[64], dst[64], flow[140];
	json_object *o = json_object_new_object();

	if (!o) {
		*oom = true;
		return NULL;
	}
	ep_str(f, d, src, sizeof(src));
	ep_str(f, !d, dst, sizeof(dst));
	flow_str(f, flow, sizeof(flow));
	jadd(o, "file", jstr(r->file, oom), oom);
	jadd(o, "flow", jstr(flow, oom), oom);
	jadd(o, "dir", jint(d, oom), oom);
	jadd(o, "src", jstr(src, oom), oom);
	jadd(o, "dst", jstr(dst, oom), oom);
	jadd(o, "picked_up", json_object_new_boolean(
		tpkt_dir_picked_up(&f->tf, d)), oom);
	jadd(o, "tpdus", jtable(TPKT_NAMES_TPDU, f->d[d].cnt.tpdu, oom), oom);
	return o;
}

static void counts_add(struct tpkt_counts *to, const struct tpkt_counts *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(to->ctr); i++)
		to->ctr[i] += c->ctr[i];
	for (i = 0; i < ARRAY_SIZE(to->tpdu); i++)
		to->tpdu[i] += c->tpdu[i];
	for (i = 0; i < ARRAY_SIZE(to->anomaly); i++)
		to->anomaly[i] += c->anomaly[i];
}

/* A file is done: add its flows to the totals and report its events. */
static void finish_file(struct run *r)
{
	struct totals *t = r->tot;
	const struct flow *f;
	size_t i;

	for (f = r->first; f; f = f->next) {
		unsigned int d;

		t->flows++;
		t->picked_up += tpkt_dir_picked_up(&f->tf, 0) ||
				tpkt_dir_picked_up(&f->tf, 1);
		for (d = 0; d < 2; d++) {
			counts_add(&t->cnt, &f->d[d].cnt);
			if (r->cfg->json)
				jappend(t->by_dir, dir_json(r, f, d, &r->oom),
					&r->oom);
		}
	}
	for (i = 0; i < r->n_ev; i++) {
		if (r->cfg->json)
			jappend(t->events, event_json(r, &r->ev[i], &r->oom),
				&r->oom);
		else
			print_event(r, &r->ev[i]);
	}
}

static void print_table(const char *what, enum tpkt_name_kind kind,
			const u64 *v)
{
	unsigned int i, n = 0;

	printf("%s:", what);
	for (i = 0; i < tpkt_name_count(kind); i++)
		if (v[i])
			printf("%s %s %llu", n++ ? "," : "", tpkt_name(kind, i),
			       (unsigned long long)v[i]);
	puts(n ? "" : " none");
}

static void print_summary(const struct cfg *c, const struct totals *t)
{
	const u64 *ctr = t->cnt.ctr;

	printf("flows: %llu (%llu picked up mid-stream)\n",
	       (unsigned long long)t->flows,
	       (unsigned long long)t->picked_up);
	printf("segments: %llu\n", (unsigned long long)t->segments);
	printf("tpkts: %llu\n", (unsigned long long)ctr[NF_TPKT_CTR_TPKTS]);
	print_table("tpdus", TPKT_NAMES_TPDU, t->cnt.tpdu);
	print_table("anomalies", TPKT_NAMES_CHECK, t->cnt.anomaly);
	printf("edits: %llu", (unsigned long long)ctr[NF_TPKT_CTR_EDITS]);
	if (t->uncaptured_edits)
		printf(" (%llu on bytes not in the capture)",
		       (unsigned long long)t->uncaptured_edits);
	putchar('\n');
	printf("drops: %llu (%llu more ahead of a gap)\n",
	       (unsigned long long)ctr[NF_TPKT_CTR_DROPS],
	       (unsigned long long)ctr[NF_TPKT_CTR_OOO_DROPS]);
	printf("desyncs: %llu\n",
	       (unsigned long long)ctr[NF_TPKT_CTR_DESYNCS]);
	printf("out-of-order: %llu\n",
	       (unsigned long long)ctr[NF_TPKT_CTR_OOO]);
	printf("retransmissions: %llu (%llu passed unfixed)\n",
	       (unsigned long long)ctr[NF_TPKT_CTR_REXMITS],
	       (unsigned long long)ctr[NF_TPKT_CTR_REXMIT_UNFIXED]);
	printf("fragments: %llu\n", (unsigned long long)t->fragments);
	printf("truncated: %llu (%llu directions no longer parsed)\n",
	       (unsigned long long)t->truncated,
	       (unsigned long long)t->blind);
	if (c->fix_path)
		printf("wrote %s: %llu packets, %llu edited, %llu dropped\n",
		       c->fix_path, (unsigned long long)t->written,
		       (unsigned long long)t->edited,
		       (unsigned long long)t->dropped);
}

/* The one JSON document of -j (tpktctl(8) documents its shape). */
static int print_json(const struct totals *t)
{
	const int flags = JSON_C_TO_STRING_PLAIN |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const u64 *ctr = t->cnt.ctr;
	json_object *o = json_object_new_object();
	bool oom = !o;
	const char *s;

	jadd(o, "flows", jint(t->flows, &oom), &oom);
	jadd(o, "picked_up", jint(t->picked_up, &oom), &oom);
	jadd(o, "tpkts", jint(ctr[NF_TPKT_CTR_TPKTS], &oom), &oom);
	jadd(o, "tpdus", jtable(TPKT_NAMES_TPDU, t->cnt.tpdu, &oom), &oom);
	jadd(o, "tpdus_by_direction", json_object_get(t->by_dir), &oom);
	jadd(o, "anomalies", jtable(TPKT_NAMES_CHECK, t->cnt.anomaly, &oom),
	     &oom);
	jadd(o, "edits", jint(ctr[NF_TPKT_CTR_EDITS], &oom), &oom);
	jadd(o, "drops", jint(ctr[NF_TPKT_CTR_DROPS], &oom), &oom);
	jadd(o, "ooo_drops", jint(ctr[NF_TPKT_CTR_OOO_DROPS], &oom), &oom);
	jadd(o, "desyncs", jint(ctr[NF_TPKT_CTR_DESYNCS], &oom), &oom);
	jadd(o, "events", json_object_get(t->events), &oom);
	s = oom ? NULL : json_object_to_json_string_ext(o, flags);
	if (s)
		puts(s);
	json_object_put(o);
	if (!s) {
		tpktctl_err("out of memory");
		return -1;
	}
	return 0;
}

/* ---- files ------------------------------------------------------------- */

static int run_file(const struct cfg *c, struct totals *t, const char *path)
{
	struct run r = { .cfg = c, .tot = t, .file = path };
	struct pcap_out out = { 0 };
	struct pcap_pkthdr *h;
	struct pcap_in in;
	const u8 *data;
	int ret;

	r.tail = &r.first;
	tpkt_policy_compile(&r.pol, c->mode, c->action, c->ooo, c->pickup);
	if (pcap_in_open(&in, path))
		return -1;
	if (c->fix_path) {
		if (in.pcapng)
			tpktctl_err("note: %s is pcapng; %s is written as "
				    "classic pcap", path, c->fix_path);
		if (pcap_out_open(&out, &in, c->fix_path)) {
			pcap_in_close(&in);
			return -1;
		}
	}
	while ((ret = pcap_in_next(&in, &h, &data)) == 1) {
		const u8 *o;
		bool keep;

		r.frame = in.frame;
		keep = handle_packet(&r, in.linktype, h, data, &o);
		if (r.oom) {
			tpktctl_err("%s: frame %lu: out of memory", path,
				    r.frame);
			ret = -1;
			break;
		}
		if (keep && c->fix_path) {
			if (pcap_out_write(&out, h, o)) {
				ret = -1;
				break;
			}
			t->written++;
		}
	}
	if (!ret) {
		finish_file(&r);
		if (r.oom) {
			tpktctl_err("out of memory");
			ret = -1;
		}
	}
	if (pcap_out_close(&out))
		ret = -1;
	pcap_in_close(&in);
	flows_free(&r);
	free(r.ev);
	free(r.edits);
	free(r.buf);
	return ret;
}

/* ---- command line ------------------------------------------------------ */

enum { ARGS_OK, ARGS_HELP, ARGS_BAD };

static int parse_args(struct cfg *c, int argc, char **argv)
{
	bool files_only = false;
	int i;

	c->files = calloc(argc + 1, sizeof(*c->files));
	if (!c->files) {
		tpktctl_err("out of memory");
		return ARGS_BAD;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		int n;

		if (!files_only && a[0] == '-' && a[1]) {
			if (!strcmp(a, "--")) {
				files_only = true;
			} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
				c->json = true;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				return ARGS_HELP;
			} else if (!strcmp(a, "--fix") ||
				   !strncmp(a, "--fix=", 6)) {
				if (c->fix_path) {
					tpktctl_err("duplicate option --fix: "
						    "it may be given once");
					return ARGS_BAD;
				}
				if (a[5] == '=')
					c->fix_path = a + 6;
				else if (i + 1 < argc)
					c->fix_path = argv[++i];
				if (!c->fix_path || !*c->fix_path) {
					tpktctl_err("missing value for --fix: "
						    "expected an output file "
						    "name");
					return ARGS_BAD;
				}
			} else {
				tpktctl_err("unknown option \"%s\" for "
					    "inspect: expected -j, --fix "
					    "OUT.pcap or --help", a);
				return ARGS_BAD;
			}
			continue;
		}
		if (!files_only) {
			n = pw_parse_word(&c->pw, argc - i, argv + i);
			if (n < 0)
				return ARGS_BAD;
			if (n > 0) {
				i += n - 1;
				continue;
			}
		}
		c->files[c->n_files++] = argv[i];
	}
	if (!c->n_files) {
		tpktctl_err("missing FILE for inspect: expected at least one "
			    "pcap or pcapng file");
		return ARGS_BAD;
	}
	/* the capture and the report would be mixed on stdout */
	if (c->fix_path && !strcmp(c->fix_path, "-")) {
		tpktctl_err("bad value \"-\" for --fix: the report goes to "
			    "stdout; expected an output file name");
		return ARGS_BAD;
	}
	if (c->fix_path && c->n_files != 1) {
		tpktctl_err("--fix needs exactly one input file, got %d",
			    c->n_files);
		return ARGS_BAD;
	}
	return ARGS_OK;
}

/* Refuse to truncate the input by writing the output over it. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void configure(struct cfg *c)
{
	const struct policy_words *pw = &c->pw;
	unsigned int i;

	c->mode = pw->given & PW_MODE ? pw->mode :
		  c->fix_path ? NF_TPKT_MODE_NORMALIZE : NF_TPKT_MODE_MONITOR;
	tpkt_policy_default_actions(c->action);
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		if (pw->checks_given & (1U << i))
			c->action[i] = pw->action[i];
	c->ooo = pw->given & PW_OOO ? pw->ooo : NF_TPKT_OOO_DROP;
	c->pickup = pw->given & PW_PICKUP ? pw->pickup : NF_TPKT_PICKUP_LOOSE;
}

int inspect_main(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct totals t = { 0 };
	struct cfg c = { .json = o->json };
	bool may_unlink = false;
	struct stat st;
	int i, ret = 0;

	pw_init(&c.pw);
	switch (parse_args(&c, argc, argv)) {
	case ARGS_HELP:
		inspect_usage(stdout);
		free(c.files);
		return TPKTCTL_EXIT_OK;
	case ARGS_BAD:
		free(c.files);
		return TPKTCTL_EXIT_USAGE;
	}
	if ((c.pw.given & PW_OOO) && c.pw.ooo == NF_TPKT_OOO_HOLD) {
		/* a capture has no later to hold a frame until */
		tpktctl_err("ooo hold is the kernel's: inspect takes ooo drop "
			    "or pass");
		free(c.files);
		return TPKTCTL_EXIT_USAGE;
	}
	if (c.fix_path && same_file(c.fix_path, c.files[0])) {
		tpktctl_err("--fix %s is the input file: refusing to "
			    "overwrite it", c.fix_path);
		free(c.files);
		return TPKTCTL_EXIT_USAGE;
	}
	/* only a regular file of ours is removed after a failure */
	if (c.fix_path)
		may_unlink = stat(c.fix_path, &st) ? true : S_ISREG(st.st_mode);
	configure(&c);
	if (c.json) {
		t.events = json_object_new_array();
		t.by_dir = json_object_new_array();
		if (!t.events || !t.by_dir) {
			tpktctl_err("out of memory");
			ret = -1;
		}
	}
	for (i = 0; !ret && i < c.n_files; i++)
		ret = run_file(&c, &t, c.files[i]);
	if (!ret) {
		if (c.json)
			ret = print_json(&t);
		else
			print_summary(&c, &t);
	}
	if (ret && c.fix_path && may_unlink)
		unlink(c.fix_path);
	if (fflush(stdout) && !ret) {
		tpktctl_err("stdout: write error");
		ret = -1;
	}
	json_object_put(t.events);
	json_object_put(t.by_dir);
	free(c.files);
	return ret ? TPKTCTL_EXIT_RUNTIME : TPKTCTL_EXIT_OK;
}
