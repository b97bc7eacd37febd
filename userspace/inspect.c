// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpktctl inspect: capture files through the stream engine.
 *
 * This file only moves bytes: it finds TCP segments on the port set in a
 * capture, groups them into flows, feeds them in capture order to the same
 * engine the kernel module runs, applies the edits it asks for and prints
 * what it reported.  Every protocol decision is the engine's.
 *
 * Output streams: an event is printed when it is found (a line of text, or
 * with -j a JSON object per line), a flow when it ends (-j), and the
 * summary last, whatever ends the run: the end of the input, a record that
 * cannot be read, or SIGINT/SIGTERM.  Nothing grows with the number of
 * events; the flow table is bounded by max-flows and the idle timeout,
 * measured in capture time, as in the kernel.
 *
 * Choices that differ from the kernel's defaults, and why:
 *  - pickup defaults to loose: captures are often started after the
 *    connection, and strict pickup would show nothing for them.
 *  - mode defaults to monitor, or to normalize with --fix.
 *  - a segment the engine drops is left out of the --fix output, like the
 *    gateway would; it is reported as an event.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "defrag.h"
#include "event.h"
#include "inspect.h"
#include "names.h"
#include "pcap_io.h"
#include "policy_print.h"
#include "policy_words.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Edit history entries per flow: retransmissions get the same edits. */
#define HIST_CAP	1024
/* Flows with anomalies listed in the text report; the rest are counted. */
#define ROWS_CAP	1000
#define NSEC_PER_SEC	1000000000ULL

/* Event kinds beyond enum nf_tpkt_check: segments dropped without a check. */
enum {
	EV_OOO = __NF_TPKT_CHECK_MAX,	/* ahead of a gap (ooo drop) */
	EV_BLOCKED,			/* after a drop action: blocked */
};

struct cfg {
	bool json;
	bool pretty;
	bool merge;
	bool exit_status;
	bool all_flows;		/* --flows: every flow in the text table */
	bool whole_flows;	/* --write-anomalies writes whole flows */
	const char *fix_path;
	const char *anom_path;
	const char *filter;
	unsigned long max_events;	/* 0: no limit */
	struct policy_words pw;
	unsigned int mode;
	u8 action[__NF_TPKT_CHECK_MAX];
	unsigned int ooo, pickup;
	u32 max_flows;
	u32 timeout;		/* seconds of capture time */
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

/* Where a packet was read: for events, flow tables and warnings. */
struct where {
	const char *file;
	unsigned long frame;
	u64 ts;			/* ns since the epoch */
};

struct flow {
	struct flow *hnext;	/* hash chain */
	struct flow *prev;	/* least recently seen first */
	struct flow *next;
	u32 hash;		/* pkt_hash() of its packets */
	u8 family;
	bool hashed;
	struct endpoint ep[2];	/* ep[d] sends direction d */
	struct tpkt_flow tf;
	struct fdir d[2];
	struct where first, last;
};

/* A flow with anomalies, kept for the text report once it has ended. */
struct row {
	char name[140];
	struct where first, last;
	u64 tpkts, tpdus;
	u64 anomaly[__NF_TPKT_CHECK_MAX];
	bool picked_up;
};

/* The endpoints of a flow, the same whichever direction (whole flows). */
struct flow_key {
	u8 family;
	struct endpoint ep[2];
};

struct event {
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
	u64 frames, flows, picked_up, anomalous_flows;
	u64 segments, truncated, blind, fragments, uncaptured_edits;
	struct defrag_counters defrag;	/* summed over the captures */
	u64 other_ports, expired, evicted;
	u64 events, events_hidden;
	u64 written, edited, dropped, anom_written;
	bool any_ts;
	u64 first_ts, last_ts;
	u32 *port_hist;		/* TCP packets per port not in the set */
	struct row *rows;
	size_t n_rows, cap_rows;
	u64 rows_hidden;
	struct flow_key *keys;	/* flows with anomalies (whole flows) */
	size_t n_keys, cap_keys;
	bool oom;
};

/* State while one capture (a file, or all files with --merge) is read. */
struct run {
	const struct cfg *cfg;
	struct totals *tot;
	struct tpkt_policy pol;
	struct flow **buckets;
	unsigned int nbuckets;
	unsigned int nflows;
	struct flow *lru_head;
	struct flow *lru_tail;
	struct flow *last_found;	/* flow_find()'s, until retired */
	struct pcap_out *anom;
	struct defrag *dfr;	/* NULL: no memory, fragments pass unparsed */
	bool oom;
	bool live;		/* input from a pipe: flush as events come */

	/* the packet being handled */
	struct where at;
	bool offending;		/* it caused an event */
	bool printed;

	/* the segment being fed */
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

/* Set by SIGINT/SIGTERM: the run ends, with its summary. */
static volatile sig_atomic_t stop_signal;

const char inspect_usage_line[] =
	"inspect [OPTIONS] [POLICY-WORDS...] FILE...";

void inspect_usage(FILE *f)
{
	fprintf(f, "Usage: tpktctl [-j] %s\n\n", inspect_usage_line);
	fputs("Run capture files (pcap or pcapng; - for stdin) through the "
	      "nf_tpkt stream\nengine.\n"
	      "\n"
	      "  -j, --json            JSON Lines: events, flows, then the "
	      "summary\n"
	      "  -p, --pretty          indent the JSON\n"
	      "  --fix OUT.pcap        write the capture as the gateway would "
	      "forward it\n"
	      "                        (one input, or --merge; default mode "
	      "normalize)\n"
	      "  --merge               read all files as one capture, in "
	      "timestamp order\n"
	      "                        (ring buffers of tcpdump -C/-G, "
	      "dumpcap -b)\n"
	      "  -f, --filter EXPR     only packets matching the pcap-filter "
	      "EXPR\n"
	      "                        (frame numbers stay those of the "
	      "file)\n"
	      "  --write-anomalies OUT.pcap\n"
	      "                        write the frames that caused an event\n"
	      "  --whole-flows         ... every frame of their flows instead\n"
	      "  --flows               list every flow in the report, not only "
	      "those\n"
	      "                        with anomalies\n"
	      "  --max-events N        print at most N events (all are "
	      "counted)\n"
	      "  --exit-status         exit 3 when anomalies were found\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "POLICY WORDS: mode off|monitor|normalize|enforce, "
	      "ports LIST,\n"
	      "  check NAME ignore|count|fix|drop, ooo drop|pass, "
	      "pickup strict|loose,\n"
	      "  max-flows N (flow table size), timeout SECONDS (idle, in "
	      "capture time)\n"
	      "  (hooks, full, event-rate are accepted and unused).\n"
	      "Defaults: mode monitor (normalize with --fix), ports 102, "
	      "ooo drop, pickup loose,\n"
	      "  max-flows 65536, timeout 600.\n"
	      "Exit status: 0, or 1 if an input could not be read whole, 2 "
	      "for a bad\n"
	      "  command line, 3 anomalies (with --exit-status), 128+N on "
	      "signal N.\n", f);
}

/* ---- engine glue ------------------------------------------------------- */

static void emit_event(struct run *r, const struct event *e);

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

static void init_event(struct run *r, struct event *e, unsigned int kind)
{
	memset(e, 0, sizeof(*e));
	e->flow = r->cur;
	e->dir = r->cur_dir;
	e->kind = kind;
	e->tpdu = TPKT_TPDU_NONE;
}

static void on_anomaly(void *ctx, const struct tpkt_anomaly *a)
{
	struct run *r = ctx;
	struct event e;

	init_event(r, &e, a->check);
	e.action = a->action;
	e.tpdu = a->tpdu;
	e.orig_len = a->orig_len <= sizeof(e.orig) ? a->orig_len :
						     sizeof(e.orig);
	memcpy(e.orig, a->orig, e.orig_len);
	e.off_known = true;
	e.off = a->off;
	e.tpkt_off = a->tpkt_off;
	if (a->action == NF_TPKT_ACT_DROP)
		r->drop_reported = true;
	emit_event(r, &e);
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

static void flow_ended(struct run *r, struct flow *f);

static bool port_in_set(const struct cfg *c, u16 port)
{
	if (c->pw.given & PW_PORTS)
		return pw_port_in_set(&c->pw, port);
	return port == TPKT_DEFAULT_PORT;
}

/* Eight bytes at a time: byte-wise FNV-1a was a tenth of inspect's time. */
static u64 ep_hash(const u8 *addr, u16 port)
{
	u64 a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (a ^ (b * 0x9e3779b97f4a7c15ULL) ^ port) *
	       0xff51afd7ed558ccdULL;
}

/* Symmetric: both directions of a flow land in the same bucket. */
static u32 pkt_hash(const struct pkt *p)
{
	u64 h = ep_hash(p->saddr, p->sport) + ep_hash(p->daddr, p->dport) +
		p->family;

	/* the buckets are the low bits: fold the high ones in */
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
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

	if (!f->hashed)
		return;
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == f) {
			*pp = f->hnext;
			f->hashed = false;
			return;
		}
	}
}

static void lru_unlink(struct run *r, struct flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		r->lru_head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		r->lru_tail = f->prev;
	f->prev = f->next = NULL;
}

static void lru_append(struct run *r, struct flow *f)
{
	f->prev = r->lru_tail;
	f->next = NULL;
	if (r->lru_tail)
		r->lru_tail->next = f;
	else
		r->lru_head = f;
	r->lru_tail = f;
}

/* The flow is over (end, idle, evicted): report it and let it go. */
static void flow_retire(struct run *r, struct flow *f)
{
	if (r->last_found == f)
		r->last_found = NULL;
	unhash(r, f);
	lru_unlink(r, f);
	flow_ended(r, f);
	r->nflows--;
	free(f->tf.hist);
	free(f);
}

/* Idle flows end as in the kernel: after the timeout, in capture time. */
static void flows_expire(struct run *r, u64 now)
{
	u64 idle = (u64)r->cfg->timeout * NSEC_PER_SEC;

	while (r->lru_head && r->lru_head->last.ts + idle < now) {
		r->tot->expired++;
		flow_retire(r, r->lru_head);
	}
}

static struct flow *flow_find(struct run *r, const struct pkt *p,
			      unsigned int *dir)
{
	struct flow *f = r->last_found;
	int d;
	u32 h;

	/*
	 * Packets come in runs of one flow: try the last one found before
	 * hashing.  It is in the table (flow_retire() forgets it), and no
	 * other flow there has the same addresses and ports.
	 */
	if (f && (d = flow_dir(f, p)) >= 0) {
		*dir = d;
		return f;
	}
	if (!r->nbuckets)
		return NULL;
	h = pkt_hash(p);
	for (f = r->buckets[h & (r->nbuckets - 1)]; f; f = f->hnext) {
		if (f->hash != h)
			continue;
		d = flow_dir(f, p);
		if (d >= 0) {
			*dir = d;
			r->last_found = f;
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
		 * flow ends here.
		 */
		if (!syn || !fd->isn_known || fd->isn == p->seq + 1) {
			lru_unlink(r, f);
			lru_append(r, f);
			f->last = r->at;
			return f;
		}
		flow_retire(r, f);
	}
	/* a full table makes room the way a capture allows: oldest first */
	if (r->nflows >= r->cfg->max_flows && r->lru_head) {
		r->tot->evicted++;
		flow_retire(r, r->lru_head);
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
	f->hashed = true;
	f->first = r->at;
	f->last = r->at;
	lru_append(r, f);
	r->nflows++;
	return f;
}

/* End of the capture: every flow left ends, least recently seen first. */
static void flows_end(struct run *r)
{
	while (r->lru_head)
		flow_retire(r, r->lru_head);
	free(r->buckets);
	r->buckets = NULL;
	r->nbuckets = 0;
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
			struct event e;

			init_event(r, &e, gap ? EV_OOO : EV_BLOCKED);
			e.action = NF_TPKT_ACT_DROP;
			e.off_known = fd->isn_known;
			e.off = s0 - fd->isn;
			emit_event(r, &e);
		}
		r->tot->dropped++;
		return false;
	}
	if (r->n_edits)
		*out = apply_edits(r, p, frame, frame_caplen);
	return true;
}

/* Returns whether the packet goes to the output; *@out is what to write. */
/*
 * An IP fragment of a TCP packet is held until its datagram is whole, as
 * nf_defrag holds it before the module sees it; a whole one is fed to
 * the engine, and *@dg is set to the datagram, whose original fragments
 * (edited) are what is written.  Returns whether they are; a fragment that
 * is held or dropped is not written now.
 */
static bool handle_fragment(struct run *r, const struct pcap_pkthdr *h,
			    const u8 *data, const struct pkt *fp,
			    const u8 **out, struct defrag_dgram **dg)
{
	const struct cfg *c = r->cfg;
	struct defrag_dgram *g;
	const struct pkt *p;
	bool keep;
	size_t i;

	r->tot->fragments++;
	if (!r->dfr)
		return true;
	/* held for later, or dropped as the gateway's defrag drops it */
	if (defrag_feed(r->dfr, h, data, fp, &g) != DEFRAG_DONE)
		return false;
	*dg = g;
	p = &g->p;
	if (g->kind != PKT_TCP ||
	    (!port_in_set(c, p->sport) && !port_in_set(c, p->dport)))
		return true;
	keep = feed(r, p, g->buf, g->len, out);
	for (i = 0; keep && i < r->n_edits; i++)
		defrag_apply_edit(g, p->data_off - p->tcp_off + r->edits[i].off,
				  r->edits[i].val);
	return keep;
}

static bool handle_packet(struct run *r, int dlt, const struct pcap_pkthdr *h,
			  const u8 *data, const u8 **out,
			  struct defrag_dgram **dg)
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
		return handle_fragment(r, h, data, &p, out, dg);
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
	if (!port_in_set(c, p.sport) && !port_in_set(c, p.dport)) {
		/* the warning names the busiest of them */
		r->tot->other_ports++;
		if (r->tot->port_hist) {
			r->tot->port_hist[p.sport]++;
			r->tot->port_hist[p.dport]++;
		}
		return true;
	}
	return feed(r, &p, data, h->caplen, out);
}


/* ---- output ------------------------------------------------------------ */

/* A capture time as every report prints it (event.c's format). */
static void time_str(u64 ns, char *buf, size_t len)
{
	struct timespec t = {
		.tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC,
	};
	char b[EVENT_TIME_LEN];

	snprintf(buf, len, "%s", event_time_str(&t, b));
}

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

/* json-c: add, and remember whether anything failed to allocate. */
static void jadd(json_object *o, const char *key, json_object *v, bool *oom)
{
	if (!o || (!v && oom && *oom)) {
		json_object_put(v);
		return;
	}
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		*oom = true;
	}
}

/* A new object (@array: array), or NULL with *@oom set. */
static json_object *jnew(bool array, bool *oom)
{
	json_object *o = array ? json_object_new_array() :
				 json_object_new_object();

	if (!o)
		*oom = true;
	return o;
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

static json_object *jbool(bool v, bool *oom)
{
	json_object *o = json_object_new_boolean(v);

	if (!o)
		*oom = true;
	return o;
}

static json_object *jtime(u64 ns, bool *oom)
{
	char t[40];

	time_str(ns, t, sizeof(t));
	return jstr(t, oom);
}

static json_object *jtable(enum tpkt_name_kind kind, const u64 *v,
			   bool *oom)
{
	json_object *o = jnew(false, oom);
	unsigned int i;

	if (!o)
		return NULL;
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

/* One line of JSON Lines (or an indented object with -p); frees @o. */
static void jprint(const struct cfg *c, json_object *o, bool *oom)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (c->pretty ? JSON_C_TO_STRING_PRETTY :
				 JSON_C_TO_STRING_PLAIN);
	const char *s = *oom || !o ? NULL :
			json_object_to_json_string_ext(o, flags);

	if (s)
		puts(s);
	else
		*oom = true;
	json_object_put(o);
}

/* The event as monitor prints it too: one format (event.h). */
static void event_fill(const struct run *r, const struct event *e,
		       struct tpktctl_event *v)
{
	memset(v, 0, sizeof(*v));
	v->file = r->at.file;
	v->frame = r->at.frame;
	v->has_time = true;
	v->time.tv_sec = r->at.ts / NSEC_PER_SEC;
	v->time.tv_nsec = r->at.ts % NSEC_PER_SEC;
	ep_str(e->flow, e->dir, v->src, sizeof(v->src));
	ep_str(e->flow, !e->dir, v->dst, sizeof(v->dst));
	v->check = kind_name(e->kind);
	v->action = action_name(e->action);
	v->tpdu = e->tpdu == TPKT_TPDU_NONE ? NULL : tpdu_name(e->tpdu);
	v->has_offset = e->off_known;
	v->offset = e->off;
	v->has_tpkt_offset = e->kind < __NF_TPKT_CHECK_MAX &&
			     e->kind != NF_TPKT_CHECK_DESYNC;
	v->tpkt_offset = e->tpkt_off;
	v->orig_len = e->orig_len;
	memcpy(v->orig, e->orig, e->orig_len);
}

static void event_text(const struct run *r, const struct event *e)
{
	struct tpktctl_event v;

	event_fill(r, e, &v);
	/* the file is named when there is more than one */
	if (r->cfg->n_files == 1)
		v.file = NULL;
	event_print_text(stdout, &v, true);
}

/* event.h's object, with the type of the line and the flow it is of. */
static json_object *event_line(const struct run *r, const struct event *e,
			       bool *oom)
{
	struct tpktctl_event v;
	json_object *o, *line;
	char flow[140];

	event_fill(r, e, &v);
	o = event_json(&v);
	line = json_object_new_object();
	if (!o || !line) {
		json_object_put(o);
		json_object_put(line);
		*oom = true;
		return NULL;
	}
	flow_str(e->flow, flow, sizeof(flow));
	jadd(line, "type", jstr("event", oom), oom);
	jadd(line, "flow", jstr(flow, oom), oom);
	json_object_object_foreach(o, k, val)
		jadd(line, k, json_object_get(val), oom);
	json_object_put(o);
	return line;
}

/* Printed at once: a pipe's reader sees it before the capture ends. */
static void emit_event(struct run *r, const struct event *e)
{
	struct totals *t = r->tot;

	r->offending = true;
	t->events++;
	if (r->cfg->max_events && t->events > r->cfg->max_events) {
		t->events_hidden++;
		return;
	}
	if (r->cfg->json)
		jprint(r->cfg, event_line(r, e, &r->oom), &r->oom);
	else
		event_text(r, e);
	r->printed = true;
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

static u64 sum(const u64 *v, unsigned int n)
{
	u64 s = 0;

	while (n--)
		s += v[n];
	return s;
}

static json_object *dir_json(const struct flow *f, unsigned int d, bool *oom)
{
	const struct tpkt_counts *c = &f->d[d].cnt;
	json_object *o = jnew(false, oom);
	char src[64], dst[64];

	if (!o)
		return NULL;
	ep_str(f, d, src, sizeof(src));
	ep_str(f, !d, dst, sizeof(dst));
	jadd(o, "src", jstr(src, oom), oom);
	jadd(o, "dst", jstr(dst, oom), oom);
	jadd(o, "picked_up", jbool(tpkt_dir_picked_up(&f->tf, d), oom), oom);
	jadd(o, "desynced", jbool(tpkt_dir_desynced(&f->tf, d), oom), oom);
	jadd(o, "tpkts", jint(c->ctr[NF_TPKT_CTR_TPKTS], oom), oom);
	jadd(o, "tpdus", jtable(TPKT_NAMES_TPDU, c->tpdu, oom), oom);
	jadd(o, "edits", jint(c->ctr[NF_TPKT_CTR_EDITS], oom), oom);
	jadd(o, "drops", jint(c->ctr[NF_TPKT_CTR_DROPS], oom), oom);
	return o;
}

static json_object *flow_json(const struct flow *f, const struct tpkt_counts *c,
			      bool *oom)
{
	json_object *o = jnew(false, oom), *dirs;
	char name[140];
	unsigned int d;

	if (!o)
		return NULL;
	flow_str(f, name, sizeof(name));
	jadd(o, "type", jstr("flow", oom), oom);
	jadd(o, "flow", jstr(name, oom), oom);
	jadd(o, "file", jstr(f->first.file, oom), oom);
	jadd(o, "first_frame", jint(f->first.frame, oom), oom);
	jadd(o, "first_time", jtime(f->first.ts, oom), oom);
	jadd(o, "last_file", jstr(f->last.file, oom), oom);
	jadd(o, "last_frame", jint(f->last.frame, oom), oom);
	jadd(o, "last_time", jtime(f->last.ts, oom), oom);
	jadd(o, "picked_up", jbool(tpkt_dir_picked_up(&f->tf, 0) ||
				   tpkt_dir_picked_up(&f->tf, 1), oom), oom);
	jadd(o, "tpkts", jint(c->ctr[NF_TPKT_CTR_TPKTS], oom), oom);
	jadd(o, "anomalies", jtable(TPKT_NAMES_CHECK, c->anomaly, oom), oom);
	dirs = jnew(true, oom);
	for (d = 0; dirs && d < 2; d++)
		jappend(dirs, dir_json(f, d, oom), oom);
	jadd(o, "directions", dirs, oom);
	return o;
}

static void keep_row(struct totals *t, const struct flow *f,
		     const struct tpkt_counts *c)
{
	struct row *w;

	if (t->n_rows == ROWS_CAP) {
		t->rows_hidden++;
		return;
	}
	t->rows = grow(t->rows, &t->cap_rows, t->n_rows, sizeof(*t->rows),
		       &t->oom);
	if (t->n_rows == t->cap_rows)
		return;
	w = &t->rows[t->n_rows++];
	flow_str(f, w->name, sizeof(w->name));
	w->first = f->first;
	w->last = f->last;
	w->tpkts = c->ctr[NF_TPKT_CTR_TPKTS];
	w->tpdus = sum(c->tpdu, ARRAY_SIZE(c->tpdu));
	memcpy(w->anomaly, c->anomaly, sizeof(w->anomaly));
	w->picked_up = tpkt_dir_picked_up(&f->tf, 0) ||
		       tpkt_dir_picked_up(&f->tf, 1);
}

static void keep_key(struct totals *t, const struct flow *f)
{
	struct flow_key *k;

	t->keys = grow(t->keys, &t->cap_keys, t->n_keys, sizeof(*t->keys),
		       &t->oom);
	if (t->n_keys == t->cap_keys)
		return;
	k = &t->keys[t->n_keys++];
	memset(k, 0, sizeof(*k));
	k->family = f->family;
	k->ep[0] = f->ep[0];
	k->ep[1] = f->ep[1];
}

static void flow_ended(struct run *r, struct flow *f)
{
	const struct cfg *cfg = r->cfg;
	struct totals *t = r->tot;
	struct tpkt_counts c = { 0 };
	bool bad;

	counts_add(&c, &f->d[0].cnt);
	counts_add(&c, &f->d[1].cnt);
	counts_add(&t->cnt, &c);
	t->flows++;
	t->picked_up += tpkt_dir_picked_up(&f->tf, 0) ||
			tpkt_dir_picked_up(&f->tf, 1);
	bad = sum(c.anomaly, ARRAY_SIZE(c.anomaly)) ||
	      c.ctr[NF_TPKT_CTR_DROPS] || c.ctr[NF_TPKT_CTR_OOO_DROPS];
	t->anomalous_flows += bad;
	if (!cfg->json && (bad || cfg->all_flows))
		keep_row(t, f, &c);
	if (bad && cfg->whole_flows)
		keep_key(t, f);
	if (cfg->json) {
		jprint(cfg, flow_json(f, &c, &r->oom), &r->oom);
		r->printed = true;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->first.ts != y->first.ts)
		return x->first.ts < y->first.ts ? -1 : 1;
	return x->first.frame < y->first.frame ? -1 :
	       x->first.frame > y->first.frame;
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

static void print_where(const struct cfg *c, const struct where *w)
{
	char t[40];

	time_str(w->ts, t, sizeof(t));
	if (c->n_files > 1)
		printf("%s ", w->file);
	printf("frame %lu %s", w->frame, t);
}

/* The flows a ticket needs: those with anomalies, in capture order. */
static void print_rows(const struct cfg *c, struct totals *t)
{
	size_t i;

	if (!t->n_rows)
		return;
	qsort(t->rows, t->n_rows, sizeof(*t->rows), row_cmp);
	printf("%s:\n", c->all_flows ? "flows" : "flows with anomalies");
	for (i = 0; i < t->n_rows; i++) {
		const struct row *w = &t->rows[i];
		unsigned int k, n = 0;

		printf("  %s%s: %llu tpkts, %llu tpdus, anomalies", w->name,
		       w->picked_up ? " (picked up)" : "",
		       (unsigned long long)w->tpkts,
		       (unsigned long long)w->tpdus);
		for (k = 0; k < ARRAY_SIZE(w->anomaly); k++)
			if (w->anomaly[k])
				printf("%s %s %llu", n++ ? "," : "",
				       check_name(k),
				       (unsigned long long)w->anomaly[k]);
		printf("%s; ", n ? "" : " none");
		print_where(c, &w->first);
		fputs(" to ", stdout);
		print_where(c, &w->last);
		putchar('\n');
	}
	if (t->rows_hidden)
		printf("  ... and %llu more\n",
		       (unsigned long long)t->rows_hidden);
}

static void ports_str(const struct cfg *c, char *buf, size_t len)
{
	if (!(c->pw.given & PW_PORTS)) {
		snprintf(buf, len, "%u", TPKT_DEFAULT_PORT);
		return;
	}
	policy_ports_string(c->pw.ports, c->pw.n_ports, buf, len);
}

/* The effective policy, in the words "set" and inspect take. */
static void print_policy(const struct cfg *c)
{
	u8 def[__NF_TPKT_CHECK_MAX];
	char ports[512];
	unsigned int i;

	tpkt_policy_default_actions(def);
	ports_str(c, ports, sizeof(ports));
	printf("policy: mode %s ports %s ooo %s pickup %s max-flows %u "
	       "timeout %u", mode_name(c->mode), ports, ooo_name(c->ooo),
	       pickup_name(c->pickup), c->max_flows, c->timeout);
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		if (c->action[i] != def[i])
			printf(" check %s %s", check_name(i),
			       action_name(c->action[i]));
	putchar('\n');
}

static json_object *policy_json(const struct cfg *c, bool *oom)
{
	json_object *o = jnew(false, oom), *chk;
	char ports[512];
	unsigned int i;

	if (!o)
		return NULL;
	ports_str(c, ports, sizeof(ports));
	jadd(o, "mode", jstr(mode_name(c->mode), oom), oom);
	jadd(o, "ports", jstr(ports, oom), oom);
	jadd(o, "ooo", jstr(ooo_name(c->ooo), oom), oom);
	jadd(o, "pickup", jstr(pickup_name(c->pickup), oom), oom);
	jadd(o, "max_flows", jint(c->max_flows, oom), oom);
	jadd(o, "timeout", jint(c->timeout, oom), oom);
	chk = jnew(false, oom);
	for (i = 0; chk && i < __NF_TPKT_CHECK_MAX; i++)
		jadd(chk, check_name(i), jstr(action_name(c->action[i]), oom),
		     oom);
	jadd(o, "checks", chk, oom);
	return o;
}

/*
 * Datagrams and fragments that never reached the engine: what the
 * gateway's defrag would have dropped too.
 */
static u64 defrag_lost(const struct defrag_counters *d)
{
	return d->overlaps + d->timeouts + d->evicted + d->flushed +
	       d->truncated + d->too_big + d->malformed + d->over_limit +
	       d->nomem;
}

static json_object *defrag_json(const struct defrag_counters *d, bool *oom)
{
	json_object *o = jnew(false, oom);

	if (!o)
		return NULL;
	jadd(o, "reassembled", jint(d->reassembled, oom), oom);
	jadd(o, "duplicates", jint(d->duplicates, oom), oom);
	jadd(o, "overlaps", jint(d->overlaps, oom), oom);
	jadd(o, "timeouts", jint(d->timeouts, oom), oom);
	jadd(o, "evicted", jint(d->evicted, oom), oom);
	jadd(o, "incomplete", jint(d->flushed, oom), oom);
	jadd(o, "truncated", jint(d->truncated, oom), oom);
	jadd(o, "too_big", jint(d->too_big, oom), oom);
	jadd(o, "malformed", jint(d->malformed, oom), oom);
	jadd(o, "over_limit", jint(d->over_limit, oom), oom);
	jadd(o, "nomem", jint(d->nomem, oom), oom);
	return o;
}

static u64 anomaly_total(const struct totals *t)
{
	return sum(t->cnt.anomaly, ARRAY_SIZE(t->cnt.anomaly));
}

static void print_verdict(const struct totals *t)
{
	u64 n = anomaly_total(t);

	if (!n) {
		printf("verdict: clean, %llu flows\n",
		       (unsigned long long)t->flows);
		return;
	}
	printf("verdict: %llu %s in %llu of %llu flows\n",
	       (unsigned long long)n, n == 1 ? "anomaly" : "anomalies",
	       (unsigned long long)t->anomalous_flows,
	       (unsigned long long)t->flows);
}

static void print_summary(const struct cfg *c, struct totals *t)
{
	const u64 *ctr = t->cnt.ctr;

	print_verdict(t);
	print_policy(c);
	printf("capture: %llu frames", (unsigned long long)t->frames);
	if (t->any_ts) {
		char a[40], b[40];

		time_str(t->first_ts, a, sizeof(a));
		time_str(t->last_ts, b, sizeof(b));
		printf(", %s to %s", a, b);
	}
	putchar('\n');
	print_rows(c, t);
	printf("flows: %llu (%llu picked up mid-stream, %llu ended idle, "
	       "%llu evicted)\n", (unsigned long long)t->flows,
	       (unsigned long long)t->picked_up,
	       (unsigned long long)t->expired,
	       (unsigned long long)t->evicted);
	printf("segments: %llu\n", (unsigned long long)t->segments);
	printf("tpkts: %llu\n", (unsigned long long)ctr[NF_TPKT_CTR_TPKTS]);
	print_table("tpdus", TPKT_NAMES_TPDU, t->cnt.tpdu);
	print_table("anomalies", TPKT_NAMES_CHECK, t->cnt.anomaly);
	printf("events: %llu", (unsigned long long)t->events);
	if (t->events_hidden)
		printf(" (%llu not shown: --max-events)",
		       (unsigned long long)t->events_hidden);
	putchar('\n');
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
	printf("fragments: %llu (%llu datagrams reassembled, %llu not)\n",
	       (unsigned long long)t->fragments,
	       (unsigned long long)t->defrag.reassembled,
	       (unsigned long long)defrag_lost(&t->defrag));
	printf("truncated: %llu (%llu directions no longer parsed)\n",
	       (unsigned long long)t->truncated,
	       (unsigned long long)t->blind);
	printf("other ports: %llu TCP packets\n",
	       (unsigned long long)t->other_ports);
	if (c->fix_path)
		printf("wrote %s: %llu packets, %llu edited, %llu dropped\n",
		       c->fix_path, (unsigned long long)t->written,
		       (unsigned long long)t->edited,
		       (unsigned long long)t->dropped);
	if (c->anom_path)
		printf("wrote %s: %llu packets\n", c->anom_path,
		       (unsigned long long)t->anom_written);
}

/* The last line of -j: every figure the text summary has. */
static void print_summary_json(const struct cfg *c, const struct totals *t,
			       bool interrupted, bool complete, bool *oom)
{
	const u64 *ctr = t->cnt.ctr;
	json_object *o = jnew(false, oom), *files, *w;
	int i;

	if (!o)
		return;
	jadd(o, "type", jstr("summary", oom), oom);
	jadd(o, "verdict", jstr(anomaly_total(t) ? "anomalies" : "clean", oom),
	     oom);
	jadd(o, "complete", jbool(complete, oom), oom);
	jadd(o, "interrupted", jbool(interrupted, oom), oom);
	files = jnew(true, oom);
	for (i = 0; files && i < c->n_files; i++)
		jappend(files, jstr(c->files[i], oom), oom);
	jadd(o, "files", files, oom);
	jadd(o, "policy", policy_json(c, oom), oom);
	jadd(o, "frames", jint(t->frames, oom), oom);
	jadd(o, "first_time", t->any_ts ? jtime(t->first_ts, oom) : NULL, oom);
	jadd(o, "last_time", t->any_ts ? jtime(t->last_ts, oom) : NULL, oom);
	jadd(o, "flows", jint(t->flows, oom), oom);
	jadd(o, "flows_picked_up", jint(t->picked_up, oom), oom);
	jadd(o, "flows_with_anomalies", jint(t->anomalous_flows, oom), oom);
	jadd(o, "flows_expired", jint(t->expired, oom), oom);
	jadd(o, "flows_evicted", jint(t->evicted, oom), oom);
	jadd(o, "segments", jint(t->segments, oom), oom);
	jadd(o, "tpkts", jint(ctr[NF_TPKT_CTR_TPKTS], oom), oom);
	jadd(o, "tpdus", jtable(TPKT_NAMES_TPDU, t->cnt.tpdu, oom), oom);
	jadd(o, "anomalies", jtable(TPKT_NAMES_CHECK, t->cnt.anomaly, oom),
	     oom);
	jadd(o, "events", jint(t->events, oom), oom);
	jadd(o, "events_not_shown", jint(t->events_hidden, oom), oom);
	jadd(o, "edits", jint(ctr[NF_TPKT_CTR_EDITS], oom), oom);
	jadd(o, "uncaptured_edits", jint(t->uncaptured_edits, oom), oom);
	jadd(o, "drops", jint(ctr[NF_TPKT_CTR_DROPS], oom), oom);
	jadd(o, "ooo_drops", jint(ctr[NF_TPKT_CTR_OOO_DROPS], oom), oom);
	jadd(o, "desyncs", jint(ctr[NF_TPKT_CTR_DESYNCS], oom), oom);
	jadd(o, "ooo", jint(ctr[NF_TPKT_CTR_OOO], oom), oom);
	jadd(o, "rexmits", jint(ctr[NF_TPKT_CTR_REXMITS], oom), oom);
	jadd(o, "rexmit_unfixed", jint(ctr[NF_TPKT_CTR_REXMIT_UNFIXED], oom),
	     oom);
	jadd(o, "fragments", jint(t->fragments, oom), oom);
	jadd(o, "defrag", defrag_json(&t->defrag, oom), oom);
	jadd(o, "truncated", jint(t->truncated, oom), oom);
	jadd(o, "blind", jint(t->blind, oom), oom);
	jadd(o, "other_ports", jint(t->other_ports, oom), oom);
	jadd(o, "counters", jtable(TPKT_NAMES_COUNTER, ctr, oom), oom);
	if (c->fix_path) {
		w = jnew(false, oom);
		jadd(w, "file", jstr(c->fix_path, oom), oom);
		jadd(w, "written", jint(t->written, oom), oom);
		jadd(w, "edited", jint(t->edited, oom), oom);
		jadd(w, "dropped", jint(t->dropped, oom), oom);
		jadd(o, "fix", w, oom);
	}
	if (c->anom_path) {
		w = jnew(false, oom);
		jadd(w, "file", jstr(c->anom_path, oom), oom);
		jadd(w, "written", jint(t->anom_written, oom), oom);
		jadd(o, "write_anomalies", w, oom);
	}
	jprint(c, o, oom);
}

/* What the operator may have to act on, on stderr, after the run. */
static void print_warnings(const struct cfg *c, const struct totals *t)
{
	if (t->truncated)
		tpktctl_err("warning: %llu packets cut short by the snaplen "
			    "or truncated headers; %llu directions could not "
			    "be parsed to the end",
			    (unsigned long long)t->truncated,
			    (unsigned long long)t->blind);
	if (defrag_lost(&t->defrag)) {
		const struct defrag_counters *d = &t->defrag;

		tpktctl_err("warning: of %llu IP fragments, %llu datagrams or "
			    "fragments could not be reassembled (overlapping "
			    "%llu, timed out %llu, incomplete at the end %llu, "
			    "not captured whole %llu, other %llu): the "
			    "gateway drops them too",
			    (unsigned long long)t->fragments,
			    (unsigned long long)defrag_lost(d),
			    (unsigned long long)d->overlaps,
			    (unsigned long long)d->timeouts,
			    (unsigned long long)d->flushed,
			    (unsigned long long)d->truncated,
			    (unsigned long long)(d->evicted + d->too_big +
						 d->malformed + d->over_limit +
						 d->nomem));
	}
	if (t->picked_up)
		tpktctl_err("warning: %llu flows picked up mid-stream: their "
			    "start is not in the capture",
			    (unsigned long long)t->picked_up);
	if (t->evicted)
		tpktctl_err("warning: %llu flows ended early: more than "
			    "max-flows %u at once",
			    (unsigned long long)t->evicted, c->max_flows);
	if (t->other_ports && t->port_hist) {
		u16 top[3] = { 0 };
		char list[64] = "";
		size_t used = 0;
		unsigned int p, i, n = 0;

		/* the three busiest ports, without sorting 65536 of them */
		for (p = 0; p < 65536; p++) {
			if (!t->port_hist[p] || port_in_set(c, p))
				continue;
			i = n;
			while (i > 0 && t->port_hist[top[i - 1]] <
					t->port_hist[p]) {
				if (i < 3)
					top[i] = top[i - 1];
				i--;
			}
			if (i < 3) {
				top[i] = p;
				n += n < 3;
			}
		}
		for (i = 0; i < n && used < sizeof(list); i++)
			used += snprintf(list + used, sizeof(list) - used,
					 "%s%u", i ? ", " : "", top[i]);
		tpktctl_err("warning: %llu TCP packets on other ports: %s%s "
			    "(ports LIST takes them in)",
			    (unsigned long long)t->other_ports, list,
			    n == 3 ? ", ..." : "");
	}
}

/* ---- captures ---------------------------------------------------------- */

/*
 * A mapped capture that another process truncates under us (logrotate's
 * copytruncate, a ring buffer's writer) raises SIGBUS on the next page
 * read.  It ends that file as a truncated one would, with the summary of
 * what was read; any other SIGBUS is a bug and kills as usual.
 */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One input file, and the packet read ahead of the others (--merge). */
struct src {
	struct pcap_in in;
	struct bpf_program prog;
	bool has_prog;
	bool ready;
	struct pcap_pkthdr *h;
	const u8 *data;
	u64 ts;
};

static u64 pkt_ts(const struct pcap_in *in, const struct pcap_pkthdr *h)
{
	u64 sub = h->ts.tv_usec;

	if (in->precision != PCAP_TSTAMP_PRECISION_NANO)
		sub *= 1000;
	return (u64)h->ts.tv_sec * NSEC_PER_SEC + sub;
}

static int src_open(const struct cfg *c, struct src *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	if (pcap_in_open(&s->in, path))
		return -1;
	s->in.stop = &stop_signal;
	if (!c->filter)
		return 0;
	/* compiled per file: the filter depends on the link type */
	if (pcap_in_compile(&s->in, &s->prog, c->filter)) {
		tpktctl_err("bad filter \"%s\" for %s: %s", c->filter, path,
			    pcap_in_geterr(&s->in));
		pcap_in_close(&s->in);
		return -1;
	}
	s->has_prog = true;
	return 0;
}

static void src_close(struct src *s)
{
	if (s->has_prog)
		pcap_freecode(&s->prog);
	s->has_prog = false;
	pcap_in_close(&s->in);
}

/*
 * Read ahead the next packet that passes the filter.  Returns 0, or -1 if
 * the file cannot be read on (the error names the file and the frame).
 * Filtered packets keep their numbers: frame N is frame N of the file.
 */
static int src_next(struct src *s)
{
	int ret;

	s->ready = false;
	while ((ret = pcap_in_next(&s->in, &s->h, &s->data)) == 1) {
		if (s->has_prog &&
		    !pcap_offline_filter(&s->prog, s->h, s->data))
			continue;
		s->ts = pkt_ts(&s->in, s->h);
		s->ready = true;
		return 0;
	}
	return ret == -1 ? -1 : 0;
}

/* The source whose packet comes first in time; NULL when all are done. */
static struct src *src_first(struct src **s, int n)
{
	struct src *best = NULL;
	int i;

	for (i = 0; i < n; i++)
		if (s[i]->ready && (!best || s[i]->ts < best->ts))
			best = s[i];
	return best;
}

struct outputs {
	struct pcap_out fix;
	struct pcap_out anom;
	int linktype;		/* of the first input */
};

static int write_frame(struct pcap_out *o, const struct pcap_pkthdr *h,
		       const u8 *data, u64 *count)
{
	if (!o->d)
		return 0;
	if (pcap_out_write(o, h, data))
		return -1;
	(*count)++;
	return 0;
}

/* A reassembled datagram goes out as the fragments it came in. */
static int write_dgram(const struct cfg *c, struct outputs *out,
		       struct totals *t, struct defrag_dgram *g, bool keep,
		       bool offending)
{
	int ret = 0;
	u32 i;

	for (i = 0; !ret && i < g->n_frags; i++) {
		const struct defrag_frag *f = &g->frags[i];

		if ((keep && write_frame(&out->fix, &f->hdr, f->frame,
					 &t->written)) ||
		    (offending && !c->whole_flows &&
		     write_frame(&out->anom, &f->hdr, f->frame,
				 &t->anom_written)))
			ret = -1;
	}
	defrag_dgram_free(g);
	return ret;
}

/* Incomplete datagrams end with their capture, counted. */
static void defrag_end(struct run *r)
{
	const struct defrag_counters *n;
	u64 *to = (u64 *)&r->tot->defrag;
	const u64 *from;
	size_t i;

	if (!r->dfr)
		return;
	defrag_flush(r->dfr);
	n = defrag_counters(r->dfr);
	from = (const u64 *)n;
	for (i = 0; i < sizeof(*n) / sizeof(u64); i++)
		to[i] += from[i];
	defrag_free(r->dfr);
	r->dfr = NULL;
}

/*
 * Read @n sources as one capture.  Returns 0, or -1 if one could not be
 * read to its end or an output failed; the others are still read, and the
 * flows of the capture end either way.
 */
static int run_capture(const struct cfg *c, struct totals *t,
		       struct outputs *out, struct src **s, int n)
{
	struct run r = { .cfg = c, .tot = t, .anom = &out->anom };
	struct src *volatile cur = NULL;
	struct defrag_dgram *dg;
	volatile int ret = 0;
	int i;

	r.dfr = defrag_new(NULL);

	tpkt_policy_compile(&r.pol, c->mode, c->action, c->ooo, c->pickup);
	for (i = 0; i < n; i++) {
		/* a pipe's reader wants each event as it is found */
		if (pcap_in_live(&s[i]->in))
			r.live = true;
		if (src_next(s[i]))
			ret = -1;
	}
	if (sigsetjmp(bus_jmp, 1)) {
		/* the packet being handled is lost with the rest of its file */
		tpktctl_err("%s: frame %lu: the file shrank while it was read",
			    cur->in.path, cur->in.frame);
		cur->ready = false;
		ret = -1;
	}
	bus_armed = 1;
	while (!stop_signal && (cur = src_first(s, n))) {
		const u8 *o;
		bool keep;

		r.at = (struct where){ cur->in.path, cur->in.frame, cur->ts };
		r.offending = false;
		r.printed = false;
		if (!t->any_ts || cur->ts < t->first_ts)
			t->first_ts = cur->ts;
		if (!t->any_ts || cur->ts > t->last_ts)
			t->last_ts = cur->ts;
		t->any_ts = true;
		t->frames++;
		flows_expire(&r, cur->ts);
		dg = NULL;
		keep = handle_packet(&r, cur->in.linktype, cur->h, cur->data,
				     &o, &dg);
		if (r.oom || t->oom) {
			tpktctl_err("%s: frame %lu: out of memory",
				    cur->in.path, cur->in.frame);
			defrag_dgram_free(dg);
			ret = -1;
			break;
		}
		if (dg ? write_dgram(c, out, t, dg, keep, r.offending) :
		    (keep && write_frame(&out->fix, cur->h, o, &t->written)) ||
		    (r.offending && !c->whole_flows &&
		     write_frame(&out->anom, cur->h, cur->data,
				 &t->anom_written))) {
			ret = -1;
			break;
		}
		if (r.live && r.printed)
			fflush(stdout);
		if (src_next(cur))
			ret = -1;
	}
	bus_armed = 0;
	flows_end(&r);
	defrag_end(&r);
	if (r.oom) {
		tpktctl_err("out of memory");
		ret = -1;
	}
	free(r.edits);
	free(r.buf);
	return ret;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct flow_key));
}

/* Whether @p belongs to a flow of @t->keys (sorted), in either direction. */
static bool key_match(const struct totals *t, const struct pkt *p)
{
	struct flow_key k;
	unsigned int d;

	for (d = 0; d < 2; d++) {
		memset(&k, 0, sizeof(k));
		k.family = p->family;
		memcpy(k.ep[d].addr, p->saddr, 16);
		k.ep[d].port = p->sport;
		memcpy(k.ep[!d].addr, p->daddr, 16);
		k.ep[!d].port = p->dport;
		if (bsearch(&k, t->keys, t->n_keys, sizeof(k), key_cmp))
			return true;
	}
	return false;
}

/* --whole-flows: a second pass writes every frame of the flows found. */
static int write_whole_flows(const struct cfg *c, struct totals *t,
			     struct outputs *out)
{
	volatile int i, ret = 0;
	static struct src s;	/* static: kept across siglongjmp() */

	qsort(t->keys, t->n_keys, sizeof(*t->keys), key_cmp);
	for (i = 0; !ret && i < c->n_files && !stop_signal; i++) {
		if (src_open(c, &s, c->files[i]))
			return -1;
		if (sigsetjmp(bus_jmp, 1)) {
			tpktctl_err("%s: frame %lu: the file shrank while it "
				    "was read", s.in.path, s.in.frame);
			src_close(&s);
			return -1;
		}
		bus_armed = 1;
		while (!src_next(&s) && s.ready) {
			struct pkt p;
			enum pkt_kind k = pkt_decode(s.in.linktype, s.data,
						     s.h->caplen, &p);

			if ((k == PKT_TCP || (k == PKT_TRUNCATED &&
					      p.ports_known)) &&
			    key_match(t, &p) &&
			    write_frame(&out->anom, s.h, s.data,
					&t->anom_written)) {
				ret = -1;
				break;
			}
		}
		bus_armed = 0;
		src_close(&s);
	}
	return ret;
}

/* ---- command line ------------------------------------------------------ */

enum { ARGS_OK, ARGS_HELP, ARGS_BAD };

/* An option's value: "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(const char *name, int argc, char **argv, int *i,
			     const char *expect)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	const char *v = NULL;

	if (a[n] == '=')
		v = a + n + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	if (!v || !*v) {
		tpktctl_err("missing value for %s: expected %s", name, expect);
		return NULL;
	}
	return v;
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(a, name, n) && (!a[n] || a[n] == '=');
}

static int set_once(const char **slot, const char *name, const char *v)
{
	if (*slot) {
		tpktctl_err("duplicate option %s: it may be given once", name);
		return ARGS_BAD;
	}
	*slot = v;
	return v ? ARGS_OK : ARGS_BAD;
}

static int parse_option(struct cfg *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	char *end;

	if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
		c->json = true;
	} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
		c->pretty = true;
	} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		return ARGS_HELP;
	} else if (!strcmp(a, "--merge")) {
		c->merge = true;
	} else if (!strcmp(a, "--exit-status")) {
		c->exit_status = true;
	} else if (!strcmp(a, "--flows")) {
		c->all_flows = true;
	} else if (!strcmp(a, "--whole-flows")) {
		c->whole_flows = true;
	} else if (is_opt(a, "--fix")) {
		return set_once(&c->fix_path, "--fix",
				opt_value("--fix", argc, argv, i,
					  "an output file name"));
	} else if (is_opt(a, "--write-anomalies")) {
		return set_once(&c->anom_path, "--write-anomalies",
				opt_value("--write-anomalies", argc, argv, i,
					  "an output file name"));
	} else if (!strcmp(a, "-f") || is_opt(a, "--filter")) {
		return set_once(&c->filter, a[1] == 'f' ? "-f" : "--filter",
				opt_value(a[1] == 'f' ? "-f" : "--filter",
					  argc, argv, i,
					  "a pcap-filter(7) expression"));
	} else if (is_opt(a, "--max-events")) {
		v = opt_value("--max-events", argc, argv, i, "a number");
		if (!v)
			return ARGS_BAD;
		errno = 0;
		c->max_events = strtoul(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || errno) {
			tpktctl_err("bad value \"%s\" for --max-events: "
				    "expected a number (0: no limit)", v);
			return ARGS_BAD;
		}
	} else {
		tpktctl_err("unknown option \"%s\" for inspect: expected -j, "
			    "-p, --fix, --merge, -f, --write-anomalies, "
			    "--whole-flows, --flows, --max-events, "
			    "--exit-status or --help", a);
		return ARGS_BAD;
	}
	return ARGS_OK;
}

static bool is_stdin(const char *path)
{
	return !strcmp(path, "-");
}

/*
 * A filter that does not compile is a usage error, found before any file
 * is read; it is compiled again per file, for the file's link type.
 */
static bool filter_ok(const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	bool ok;

	if (!p) {
		tpktctl_err("out of memory");
		return false;
	}
	ok = !pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (ok)
		pcap_freecode(&prog);
	else
		tpktctl_err("bad filter \"%s\": %s", expr, pcap_geterr(p));
	pcap_close(p);
	return ok;
}

/* Combinations that cannot work, refused before any file is opened. */
static int check_args(const struct cfg *c)
{
	int i, n_stdin = 0;

	if (!c->n_files) {
		tpktctl_err("missing FILE for inspect: expected at least one "
			    "pcap or pcapng file");
		return ARGS_BAD;
	}
	for (i = 0; i < c->n_files; i++)
		n_stdin += is_stdin(c->files[i]);
	if (n_stdin > 1) {
		tpktctl_err("stdin (-) may be read once");
		return ARGS_BAD;
	}
	/* the capture and the report would be mixed on stdout */
	if ((c->fix_path && is_stdin(c->fix_path)) ||
	    (c->anom_path && is_stdin(c->anom_path))) {
		tpktctl_err("bad value \"-\" for %s: the report goes to "
			    "stdout; expected an output file name",
			    c->fix_path && is_stdin(c->fix_path) ? "--fix" :
			    "--write-anomalies");
		return ARGS_BAD;
	}
	if (c->fix_path && c->n_files != 1 && !c->merge) {
		tpktctl_err("--fix needs exactly one input file, or --merge; "
			    "got %d files", c->n_files);
		return ARGS_BAD;
	}
	if (c->whole_flows && !c->anom_path) {
		tpktctl_err("--whole-flows needs --write-anomalies FILE");
		return ARGS_BAD;
	}
	if (c->whole_flows && n_stdin) {
		tpktctl_err("--whole-flows reads the input twice: it cannot "
			    "be stdin");
		return ARGS_BAD;
	}
	if (c->filter && !filter_ok(c->filter))
		return ARGS_BAD;
	if ((c->pw.given & PW_OOO) && c->pw.ooo == NF_TPKT_OOO_HOLD) {
		/* a capture has no later to hold a frame until */
		tpktctl_err("ooo hold is the kernel's: inspect takes ooo drop "
			    "or pass");
		return ARGS_BAD;
	}
	return ARGS_OK;
}

static int parse_args(struct cfg *c, int argc, char **argv)
{
	bool files_only = false;
	int i, ret;

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
				continue;
			}
			ret = parse_option(c, argc, argv, &i);
			if (ret != ARGS_OK)
				return ret;
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
	return check_args(c);
}

/* Refuse to truncate an input by writing an output over it. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static const char *output_over_input(const struct cfg *c)
{
	int i;

	for (i = 0; i < c->n_files; i++) {
		if (c->fix_path && same_file(c->fix_path, c->files[i]))
			return c->fix_path;
		if (c->anom_path && same_file(c->anom_path, c->files[i]))
			return c->anom_path;
	}
	return NULL;
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
	/* the kernel's defaults (kmod/policy.c); 0 flows would track none */
	c->max_flows = pw->given & PW_MAX_FLOWS && pw->max_flows ?
		       pw->max_flows : 65536;
	c->timeout = pw->given & PW_TIMEOUT ? pw->timeout : 600;
}

/* ---- the verb ---------------------------------------------------------- */

/* Output files (--fix, --write-anomalies) take the first input's format. */
static int outputs_open(const struct cfg *c, struct outputs *out,
			const struct src *first)
{
	/* said only when there is an output for it to be about */
	if (first->in.pcapng && (c->fix_path || c->anom_path))
		tpktctl_err("note: %s is pcapng; output is written as classic "
			    "pcap", first->in.path);
	out->linktype = first->in.linktype;
	if (c->fix_path && pcap_out_open(&out->fix, &first->in, c->fix_path))
		return -1;
	if (c->anom_path &&
	    pcap_out_open(&out->anom, &first->in, c->anom_path))
		return -1;
	return 0;
}

/* One pcap file holds one link type. */
static int same_linktype(const struct cfg *c, const struct outputs *out,
			 const struct src *s)
{
	if ((!c->fix_path && !c->anom_path) ||
	    s->in.linktype == out->linktype)
		return 0;
	tpktctl_err("%s: link type %d differs from the first input's (%d): "
		    "the output file can hold one", s->in.path,
		    s->in.linktype, out->linktype);
	return -1;
}

/*
 * Without --merge each file is a capture of its own, read after the
 * other; with it, all are open at once and read as one.  A file that
 * cannot be opened or read to its end is reported and the others are
 * still read.
 */
static int run_all(const struct cfg *c, struct totals *t,
		   struct outputs *out)
{
	struct src *srcs = calloc(c->n_files, sizeof(*srcs));
	struct src **open = calloc(c->n_files, sizeof(*open));
	int i, n = 0, ret = 0;
	bool outs = false;

	if (!srcs || !open) {
		tpktctl_err("out of memory");
		ret = -1;
		goto out;
	}
	for (i = 0; i < c->n_files && !stop_signal; i++) {
		if (src_open(c, &srcs[i], c->files[i])) {
			ret = -1;
			continue;
		}
		if (!outs) {
			outs = true;
			if (outputs_open(c, out, &srcs[i])) {
				src_close(&srcs[i]);
				ret = -1;
				break;
			}
		} else if (same_linktype(c, out, &srcs[i])) {
			src_close(&srcs[i]);
			ret = -1;
			break;
		}
		open[n++] = &srcs[i];
		if (c->merge)
			continue;
		if (run_capture(c, t, out, open, 1))
			ret = -1;
		src_close(open[--n]);
	}
	if (n && !ret && run_capture(c, t, out, open, n))
		ret = -1;
	while (n)
		src_close(open[--n]);
out:
	free(open);
	free(srcs);
	return ret;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int inspect_run(struct cfg *c)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct sigaction old_bus;
	struct outputs out = { 0 };
	struct totals t = { 0 };
	const char *over;
	bool may_unlink = false;
	struct stat st;
	int ret, sig;

	over = output_over_input(c);
	if (over) {
		tpktctl_err("%s is an input file: refusing to overwrite it",
			    over);
		return TPKTCTL_EXIT_USAGE;
	}
	/* only a regular file of ours is removed after a failure */
	if (c->fix_path)
		may_unlink = stat(c->fix_path, &st) ? true :
			     S_ISREG(st.st_mode);
	configure(c);
	t.port_hist = calloc(65536, sizeof(*t.port_hist));
	/* no SA_RESTART: a read blocked on a pipe returns, and we report */
	stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old_bus);

	ret = run_all(c, &t, &out);
	if (c->whole_flows && !stop_signal && out.anom.d &&
	    write_whole_flows(c, &t, &out))
		ret = -1;
	sig = stop_signal;
	if (pcap_out_close(&out.fix) | pcap_out_close(&out.anom))
		ret = -1;
	if (sig)
		tpktctl_err("interrupted by signal %d: the summary covers the "
			    "frames read so far", sig);
	print_warnings(c, &t);
	if (c->json)
		print_summary_json(c, &t, sig, !ret && !sig, &t.oom);
	else
		print_summary(c, &t);
	if (t.oom) {
		tpktctl_err("out of memory");
		ret = -1;
	}
	if (fflush(stdout) && !ret) {
		tpktctl_err("stdout: write error");
		ret = -1;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	/* a failed --fix output is no capture: do not leave half of one */
	if (ret && c->fix_path && may_unlink)
		unlink(c->fix_path);
	free(t.port_hist);
	free(t.rows);
	free(t.keys);
	if (sig)
		return 128 + sig;
	if (ret)
		return TPKTCTL_EXIT_RUNTIME;
	if (c->exit_status && anomaly_total(&t))
		return TPKTCTL_EXIT_FOUND;
	return TPKTCTL_EXIT_OK;
}

int inspect_main(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct cfg c = { .json = o->json, .pretty = o->pretty };
	int ret;

	pw_init(&c.pw);
	switch (parse_args(&c, argc, argv)) {
	case ARGS_HELP:
		inspect_usage(stdout);
		ret = TPKTCTL_EXIT_OK;
		break;
	case ARGS_BAD:
		ret = TPKTCTL_EXIT_USAGE;
		break;
	default:
		ret = inspect_run(&c);
	}
	free(c.files);
	return ret;
}
