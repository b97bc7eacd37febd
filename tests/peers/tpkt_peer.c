// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpkt_peer - nf_tpkt's own RFC 1006 (ISO transport over TCP) test peer.
 *
 * One process is one end of an ISO-on-TCP connection.  The connecting side
 * sends a class 0 CONNECT REQUEST, the listening side answers with a
 * CONNECT CONFIRM (optionally the exact frame of field report Q151626, whose
 * TPKT reserved byte is 0x11), then user data flows as DT TPDUs.
 *
 * The sender misbehaves on demand (reserved byte per TPDU type) and controls
 * how each TPKT is cut into writes.  The receiver parses any segmentation,
 * can refuse a non-zero reserved byte the way the strict MTA of the field
 * report did, and checks what it got: TPKT and reserved byte counts, the user
 * data pattern, and an FNV-1a 64 digest of the byte stream that leaves out
 * each TPKT's reserved byte (the one byte a normalising gateway may change),
 * so sender and receiver digests match across such a gateway.
 *
 * Output: stdout carries only result lines (key=value, or JSON with --json);
 * stderr carries LISTENING / REFUSED lines, errors and --verbose logs.
 *
 * Exit codes: 0 ok, 1 runtime/IO error or timeout, 2 usage error,
 * 3 refused by the strict rule or disconnected before completion,
 * 4 verification mismatch or protocol error in what was received.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define PROG		"tpkt_peer"

#define EXIT_IO		1
#define EXIT_USAGE	2
#define EXIT_REFUSED	3
#define EXIT_MISMATCH	4

#define TPKT_HDR	4
#define TPKT_MAX	65535
#define DT_HDR		3		/* LI=2, 0xF0, EOT|NR */
#define PDU_MAX		(TPKT_MAX - TPKT_HDR - DT_HDR)
#define TSAP_MAX	32
#define SPLIT_MAX	16

#define RBUF_SIZE	(256 * 1024)
#define LOW_WATER	(256 * 1024)	/* keep this much queued to send */
#define BACKLOG_MAX	(4 * 1024 * 1024) /* stop reading above this */
#define WRITE_MAX	(4 * 1024 * 1024)

/* TPDU codes (ISO 8073 13.1): the high nibble of the code byte */
#define TPDU_CR		0xE0
#define TPDU_CC		0xD0
#define TPDU_DR		0x80
#define TPDU_DT		0xF0

enum kind { K_CR, K_CC, K_DT, K_DR, K_OTHER, K_NR };

static const char *const kind_key[K_NR] = { "cr", "cc", "dt", "dr", "other" };

enum status {
	ST_RUNNING,
	ST_OK,
	ST_ERROR,
	ST_TIMEOUT,
	ST_REFUSED,
	ST_DISCONNECTED,
	ST_PROTOCOL,
	ST_MISMATCH,
};

static const struct {
	const char *name;
	int code;
} status_info[] = {
	[ST_RUNNING]	  = { "running", EXIT_IO },
	[ST_OK]		  = { "ok", 0 },
	[ST_ERROR]	  = { "error", EXIT_IO },
	[ST_TIMEOUT]	  = { "timeout", EXIT_IO },
	[ST_REFUSED]	  = { "refused", EXIT_REFUSED },
	[ST_DISCONNECTED] = { "disconnected", EXIT_REFUSED },
	[ST_PROTOCOL]	  = { "protocol_error", EXIT_MISMATCH },
	[ST_MISMATCH]	  = { "mismatch", EXIT_MISMATCH },
};

/* The CONNECT CONFIRM of field report Q151626, byte for byte. */
static const u8 kb_cc[] = {
	0x03, 0x11, 0x00, 0x2C, 0x27, 0xD0, 0x01, 0xCA, 0x00, 0x29, 0x00,
	0xC1, 0x0D, 0x53, 0x57, 0x49, 0x53, 0x53, 0x4C, 0x49, 0x46, 0x45,
	0x54, 0x53, 0x41, 0x50, 0xC2, 0x0D, 0x45, 0x58, 0x43, 0x48, 0x41,
	0x4E, 0x47, 0x45, 0x54, 0x53, 0x41, 0x50, 0x31, 0xC0, 0x01, 0x0B,
};

struct opts {
	bool listen;
	bool connect;
	char host[256];		/* empty: any address (listen only) */
	char port[16];
	unsigned int count;
	double timeout;
	u8 tpdu_code;
	u8 calling[TSAP_MAX], called[TSAP_MAX];
	size_t calling_len, called_len;
	long src_ref;		/* -1: role default */
	bool cc_kb;
	u64 send_bytes;
	bool send_bytes_set;
	unsigned int pdu_size;	/* 0: from the TPDU size */
	u64 seed;
	bool echo;
	u64 reply_bytes;
	double bulk;
	u8 rsv[K_NR];		/* reserved byte sent, per TPDU type */
	bool rsv_cc_set;
	unsigned int split[SPLIT_MAX];
	unsigned int nsplit;
	long pause_ms;		/* -1: default */
	bool one_byte;
	unsigned int batch;
	bool strict;
	bool refuse_rst;
	bool data_check;
	bool expect_digest_set;
	u64 expect_digest;
	long long expect_rsv;	/* -1: none */
	long long expect_tpkts;	/* -1: none */
	bool json;
	const char *ready_file;
	bool dry_run;
	bool verbose;
};

/* Byte stream framer + digest: FNV-1a 64 over all bytes but each reserved. */
struct sdig {
	u64 h;
	u32 pos, len;
	u8 li, code;
	u64 tpkts, bytes, data;
};

/* Deterministic user data: splitmix64 output, little-endian, as bytes. */
struct pattern {
	u64 s, w;
	unsigned int left;
};

struct outq {
	u8 *buf;
	size_t cap, head, tail;	/* pending bytes are buf[head, tail) */
	u64 *cut;		/* ascending stream offsets that end a write */
	size_t ccap, chead, ctail;
	u64 off;		/* stream offset of buf[head] */
	u64 end;		/* stream offset of buf[tail] */
};

enum phase { PH_HANDSHAKE, PH_DATA };

struct conn {
	const struct opts *o;
	int fd;
	bool server;
	unsigned int id;
	char peer[NI_MAXHOST + NI_MAXSERV + 4];
	enum phase phase;
	enum status status;
	const char *reason;
	char detail[160];
	char refused_type[8];
	u8 refused_rsv;
	unsigned int tpdu_size;

	/* receive side */
	u8 *rbuf;
	size_t rlen;
	struct sdig rdig;
	u64 rx_tpkts, rx_data, rx_echo;
	u64 rsv_nz[K_NR], rsv_nz_total, unexpected;
	struct pattern exp_echo, exp_reply;
	bool eof;

	/* send side */
	struct outq q;
	struct sdig tdig;
	u64 tx_writes;
	unsigned int group;
	struct pattern gen;
	bool gen_active, gen_done;
	u64 gen_left, gen_total;
	bool closing;		/* server: reply queued, then close */
	bool want_shut, shut_wr;
	double next_write;

	double t_start, t_data, t_end, last_io;
};

static bool piecewise(const struct opts *o)
{
	return o->one_byte || o->nsplit;
}

static unsigned int pause_ms(const struct opts *o)
{
	if (o->pause_ms >= 0)
		return o->pause_ms;
	return piecewise(o) ? 20 : 0;
}

static unsigned int code_size(unsigned int code)
{
	return code >= 7 && code <= 13 ? 1U << code : 0;
}

static unsigned int pdu_size(const struct opts *o)
{
	unsigned int sz;

	if (o->pdu_size)
		return o->pdu_size;
	sz = code_size(o->tpdu_code);
	return sz ? sz - DT_HDR : 1021;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "%s: error: out of memory\n", PROG);
		exit(EXIT_IO);
	}
	return p;
}

static void vlog(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vlog(const struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->o->verbose)
		return;
	fprintf(stderr, "%s[%s]: ", PROG, c->server ? "server" : "client");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- digest, pattern ------------------------------------------------ */

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static void sdig_init(struct sdig *d)
{
	memset(d, 0, sizeof(*d));
	d->h = FNV_OFFSET;
}

static u64 fnv1a(u64 h, const u8 *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

static void sdig_update(struct sdig *d, const u8 *p, size_t n)
{
	d->bytes += n;
	while (n) {
		size_t take;

		if (d->pos < 6) {
			u8 b = *p++;

			n--;
			if (d->pos != 1)
				d->h = fnv1a(d->h, &b, 1);
			if (d->pos == 2)
				d->len = b << 8;
			else if (d->pos == 3)
				d->len |= b;
			else if (d->pos == 4)
				d->li = b;
			else if (d->pos == 5)
				d->code = b;
			d->pos++;
			if (d->pos == 4 && d->len < 6)
				d->len = 6;	/* malformed: keep moving */
		} else {
			take = d->len - d->pos;
			if (take > n)
				take = n;
			d->h = fnv1a(d->h, p, take);
			p += take;
			n -= take;
			d->pos += take;
		}
		if (d->pos >= 6 && d->pos == d->len) {
			d->tpkts++;
			if ((d->code & 0xF0) == TPDU_DT && d->li + 5U <= d->len)
				d->data += d->len - 5 - d->li;
			d->pos = 0;
		}
	}
}

static u64 splitmix64(u64 *s)
{
	u64 z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* stream 0: client to server data (and its echo); stream 1: server reply */
static void pattern_init(struct pattern *p, u64 seed, unsigned int stream)
{
	p->s = seed ^ (stream * 0xD1B54A32D192ED03ULL);
	p->w = 0;
	p->left = 0;
}

static void pattern_fill(struct pattern *p, u8 *buf, size_t n)
{
	while (n) {
		if (!p->left) {
			p->w = splitmix64(&p->s);
			p->left = 8;
		}
		*buf++ = p->w;
		p->w >>= 8;
		p->left--;
		n--;
	}
}

/* Returns the index of the first differing byte, or n. */
static size_t pattern_check(struct pattern *p, const u8 *buf, size_t n)
{
	u8 tmp[4096];
	size_t done = 0, k, i;

	while (done < n) {
		k = n - done < sizeof(tmp) ? n - done : sizeof(tmp);
		pattern_fill(p, tmp, k);
		if (memcmp(tmp, buf + done, k)) {
			for (i = 0; tmp[i] == buf[done + i]; i++)
				;
			return done + i;
		}
		done += k;
	}
	return n;
}

/* ---- send queue ----------------------------------------------------- */

static size_t outq_len(const struct outq *q)
{
	return q->tail - q->head;
}

static u8 *outq_reserve(struct outq *q, size_t n)
{
	u8 *p;

	if (q->head == q->tail)
		q->head = q->tail = 0;
	if (q->tail + n > q->cap && q->head) {
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	if (q->tail + n > q->cap) {
		size_t cap = q->cap ? q->cap : 65536;

		while (cap < q->tail + n)
			cap *= 2;
		q->buf = xrealloc(q->buf, cap);
		q->cap = cap;
	}
	p = q->buf + q->tail;
	q->tail += n;
	q->end += n;
	return p;
}

static void outq_cut(struct outq *q, u64 at)
{
	if (at <= q->off)
		return;
	if (q->ctail > q->chead && q->cut[q->ctail - 1] >= at)
		return;
	if (q->chead == q->ctail)
		q->chead = q->ctail = 0;
	if (q->ctail == q->ccap && q->chead) {
		memmove(q->cut, q->cut + q->chead,
			(q->ctail - q->chead) * sizeof(*q->cut));
		q->ctail -= q->chead;
		q->chead = 0;
	}
	if (q->ctail == q->ccap) {
		q->ccap = q->ccap ? q->ccap * 2 : 256;
		q->cut = xrealloc(q->cut, q->ccap * sizeof(*q->cut));
	}
	q->cut[q->ctail++] = at;
}

static void outq_free(struct outq *q)
{
	free(q->buf);
	free(q->cut);
	memset(q, 0, sizeof(*q));
}

/* ---- building TPDUs ------------------------------------------------- */

static const char *tpdu_name(u8 code)
{
	switch (code & 0xF0) {
	case TPDU_CR: return "CR";
	case TPDU_CC: return "CC";
	case TPDU_DR: return "DR";
	case TPDU_DT: return "DT";
	case 0xC0: return "DC";
	case 0x10: return "ED";
	case 0x60: return "AK";
	case 0x20: return "EA";
	case 0x50: return "RJ";
	case 0x70: return "ER";
	}
	return "UNKNOWN";
}

static enum kind tpdu_kind(u8 code)
{
	switch (code & 0xF0) {
	case TPDU_CR: return K_CR;
	case TPDU_CC: return K_CC;
	case TPDU_DR: return K_DR;
	case TPDU_DT: return K_DT;
	}
	return K_OTHER;
}

/* Queue one complete TPKT (already in the queue at stream offset start). */
static void tx_queued(struct conn *c, u64 start, size_t len)
{
	const struct opts *o = c->o;
	unsigned int i;

	for (i = 0; i < o->nsplit; i++)
		if (o->split[i] < len)
			outq_cut(&c->q, start + o->split[i]);
	if (++c->group >= o->batch) {
		outq_cut(&c->q, start + len);
		c->group = 0;
	}
}

/* Queue a ready-made TPKT; rsv >= 0 replaces its reserved byte. */
static void tx_raw(struct conn *c, const u8 *tpkt, size_t len, int rsv)
{
	u64 start = c->q.end;
	u8 *p = outq_reserve(&c->q, len);

	memcpy(p, tpkt, len);
	if (rsv >= 0)
		p[1] = rsv;
	vlog(c, "tx %s len=%zu reserved=0x%02x", tpdu_name(p[5]), len, p[1]);
	tx_queued(c, start, len);
}

static size_t put_param(u8 *p, u8 code, const u8 *val, size_t len)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, val, len);
	return 2 + len;
}

/* CR or CC, class 0: LI code dst-ref src-ref class [C1] [C2] C0 */
static void tx_conn_tpdu(struct conn *c, u8 code, u8 rsv, u16 dst, u16 src,
			 const u8 *calling, size_t calling_len,
			 const u8 *called, size_t called_len, u8 size_code)
{
	u8 p[TPKT_HDR + 7 + 2 * (2 + TSAP_MAX) + 3];
	size_t n = TPKT_HDR;

	p[n++] = 0;		/* LI, below */
	p[n++] = code;
	p[n++] = dst >> 8;
	p[n++] = dst;
	p[n++] = src >> 8;
	p[n++] = src;
	p[n++] = 0x00;		/* class 0, no options */
	if (calling_len)
		n += put_param(p + n, 0xC1, calling, calling_len);
	if (called_len)
		n += put_param(p + n, 0xC2, called, called_len);
	n += put_param(p + n, 0xC0, &size_code, 1);
	p[0] = 3;
	p[1] = rsv;
	p[2] = n >> 8;
	p[3] = n;
	p[4] = n - TPKT_HDR - 1;
	tx_raw(c, p, n, -1);
}

static void tx_dt(struct conn *c, size_t n)
{
	u64 start = c->q.end;
	size_t len = TPKT_HDR + DT_HDR + n;
	u8 *p = outq_reserve(&c->q, len);

	p[0] = 3;
	p[1] = c->o->rsv[K_DT];
	p[2] = len >> 8;
	p[3] = len;
	p[4] = 2;
	p[5] = TPDU_DT;
	p[6] = 0x80;		/* EOT, TPDU-NR 0 */
	pattern_fill(&c->gen, p + 7, n);
	if (c->o->verbose)
		vlog(c, "tx DT len=%zu reserved=0x%02x", len, p[1]);
	tx_queued(c, start, len);
}

static void gen_start(struct conn *c, unsigned int stream, u64 bytes)
{
	pattern_init(&c->gen, c->o->seed, stream);
	c->gen_left = bytes;
	c->gen_active = true;
	c->group = 0;
}

/* Keep the send queue fed with DT TPDUs while a generator runs. */
static void refill(struct conn *c, double now)
{
	const struct opts *o = c->o;
	unsigned int pdu = pdu_size(o), i;
	size_t n;

	while (c->gen_active && outq_len(&c->q) < LOW_WATER) {
		for (i = 0; i < o->batch && c->gen_active; i++) {
			if (!c->server && o->bulk > 0) {
				if (now >= c->t_data + o->bulk) {
					c->gen_active = false;
					break;
				}
				n = pdu;
			} else {
				if (!c->gen_left) {
					c->gen_active = false;
					break;
				}
				n = c->gen_left < pdu ? c->gen_left : pdu;
				c->gen_left -= n;
			}
			tx_dt(c, n);
			c->gen_total += n;
		}
	}
	if (!c->gen_active && !c->gen_done && (c->server ? c->closing :
					       c->phase == PH_DATA)) {
		c->gen_done = true;
		c->want_shut = true;
	}
}

/* ---- connection state ----------------------------------------------- */

static void fail(struct conn *c, enum status st, const char *reason,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail(struct conn *c, enum status st, const char *reason,
		 const char *fmt, ...)
{
	va_list ap;

	if (c->status != ST_RUNNING)
		return;
	c->status = st;
	c->reason = reason;
	c->t_end = now_s();
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
		va_end(ap);
		fprintf(stderr, "%s[%s]: %s: %s\n", PROG,
			c->server ? "server" : "client",
			status_info[st].name, c->detail);
	}
}

static u64 expected_rx_data(const struct conn *c)
{
	const struct opts *o = c->o;

	if (c->server)
		return o->send_bytes;
	return (o->echo ? c->gen_total : 0) + o->reply_bytes;
}

static bool expect_rx_count(const struct conn *c)
{
	return c->o->data_check && (!c->server || c->o->send_bytes_set);
}

/* Both directions are closed cleanly: verify what was received. */
static void complete(struct conn *c)
{
	const struct opts *o = c->o;
	u64 exp = expected_rx_data(c);

	if (c->status != ST_RUNNING)
		return;
	if (expect_rx_count(c) && c->rx_data < exp) {
		fail(c, ST_DISCONNECTED, "eof_early",
		     "peer closed after %" PRIu64 " of %" PRIu64
		     " user data bytes", c->rx_data, exp);
		return;
	}
	if (expect_rx_count(c) && c->rx_data > exp) {
		fail(c, ST_MISMATCH, "data_bytes",
		     "received %" PRIu64 " user data bytes, expected %" PRIu64,
		     c->rx_data, exp);
		return;
	}
	if (o->expect_digest_set && c->rdig.h != o->expect_digest) {
		fail(c, ST_MISMATCH, "digest",
		     "digest %016" PRIx64 ", expected %016" PRIx64,
		     c->rdig.h, o->expect_digest);
		return;
	}
	if (o->expect_rsv >= 0 && c->rsv_nz_total != (u64)o->expect_rsv) {
		fail(c, ST_MISMATCH, "reserved_nonzero",
		     "%" PRIu64 " non-zero reserved bytes, expected %lld",
		     c->rsv_nz_total, o->expect_rsv);
		return;
	}
	if (o->expect_tpkts >= 0 && c->rx_tpkts != (u64)o->expect_tpkts) {
		fail(c, ST_MISMATCH, "tpkts",
		     "%" PRIu64 " TPKTs received, expected %lld",
		     c->rx_tpkts, o->expect_tpkts);
		return;
	}
	c->status = ST_OK;
	c->reason = "-";
	c->t_end = now_s();
}

static void server_close_start(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	gen_start(c, 1, c->o->reply_bytes);
	vlog(c, "data phase done, replying %" PRIu64 " bytes",
	     c->o->reply_bytes);
}

static void check_data(struct conn *c, struct pattern *p, const u8 *ud,
		       size_t n, u64 at)
{
	size_t i;

	if (!c->o->data_check || !n)
		return;
	i = pattern_check(p, ud, n);
	if (i < n)
		fail(c, ST_MISMATCH, "data",
		     "user data byte %" PRIu64 " differs from the pattern",
		     at + i);
}

/* Parse the parameters of a CR or CC: TSAPs and the TPDU size. */
static void parse_conn_params(const u8 *p, size_t end, const u8 **calling,
			      size_t *calling_len, const u8 **called,
			      size_t *called_len, int *size_code)
{
	size_t off = TPKT_HDR + 7;

	while (off + 2 <= end && off + 2 + p[off + 1] <= end) {
		const u8 *v = p + off + 2;
		size_t l = p[off + 1];

		if (p[off] == 0xC1 && l <= TSAP_MAX && calling) {
			*calling = v;
			*calling_len = l;
		} else if (p[off] == 0xC2 && l <= TSAP_MAX && called) {
			*called = v;
			*called_len = l;
		} else if (p[off] == 0xC0 && l == 1) {
			*size_code = v[0];
		}
		off += 2 + l;
	}
}

static void on_cr(struct conn *c, const u8 *p, size_t len)
{
	const struct opts *o = c->o;
	const u8 *calling = NULL, *called = NULL;
	size_t calling_len = 0, called_len = 0;
	int code = 7;		/* class 0 default: 128 octets */
	u16 dst;

	if (p[4] < 6) {
		fail(c, ST_PROTOCOL, "short_cr", "CR with LI %u", p[4]);
		return;
	}
	dst = p[8] << 8 | p[9];
	parse_conn_params(p, 5 + p[4], &calling, &calling_len, &called,
			  &called_len, &code);
	if (code > o->tpdu_code)
		code = o->tpdu_code;
	c->tpdu_size = code_size(code);
	if (o->cc_kb) {
		tx_raw(c, kb_cc, sizeof(kb_cc),
		       o->rsv_cc_set ? o->rsv[K_CC] : -1);
		c->tpdu_size = code_size(kb_cc[sizeof(kb_cc) - 1]);
	} else {
		tx_conn_tpdu(c, TPDU_CC, o->rsv[K_CC], dst,
			     o->src_ref >= 0 ? o->src_ref : 0x0029,
			     calling, calling_len, called, called_len, code);
	}
	c->phase = PH_DATA;
	c->t_data = now_s();
	c->group = 0;
	if (o->send_bytes_set && !o->send_bytes)
		server_close_start(c);
}

static void on_cc(struct conn *c, const u8 *p, size_t len)
{
	int code = 7;

	if (p[4] < 6) {
		fail(c, ST_PROTOCOL, "short_cc", "CC with LI %u", p[4]);
		return;
	}
	parse_conn_params(p, 5 + p[4], NULL, NULL, NULL, NULL, &code);
	c->tpdu_size = code_size(code);
	c->phase = PH_DATA;
	c->t_data = now_s();
	if (c->o->bulk > 0)
		gen_start(c, 0, 0);
	else
		gen_start(c, 0, c->o->send_bytes);
}

static void on_dt(struct conn *c, const u8 *p, size_t len)
{
	const struct opts *o = c->o;
	const u8 *ud = p + 5 + p[4];
	size_t n = len - 5 - p[4], n_echo = 0;

	if (c->server) {
		check_data(c, &c->exp_echo, ud, n, c->rx_data);
		c->rx_data += n;
		if (o->echo && !c->closing)
			tx_raw(c, p, len, o->rsv[K_DT]);
		if (o->send_bytes_set && c->rx_data >= o->send_bytes)
			server_close_start(c);
		return;
	}
	if (o->echo) {
		n_echo = n;
		if (c->gen_done && c->gen_total - c->rx_echo < n)
			n_echo = c->gen_total - c->rx_echo;
	}
	check_data(c, &c->exp_echo, ud, n_echo, c->rx_data);
	c->rx_echo += n_echo;
	check_data(c, &c->exp_reply, ud + n_echo, n - n_echo,
		   c->rx_data + n_echo);
	c->rx_data += n;
}

static void on_tpkt(struct conn *c, const u8 *p, size_t len)
{
	const struct opts *o = c->o;
	enum kind k = tpdu_kind(p[5]);

	c->rx_tpkts++;
	vlog(c, "rx %s len=%zu reserved=0x%02x", tpdu_name(p[5]), len, p[1]);
	if (p[1]) {
		c->rsv_nz[k]++;
		c->rsv_nz_total++;
		if (o->strict) {
			snprintf(c->refused_type, sizeof(c->refused_type),
				 "%s", tpdu_name(p[5]));
			c->refused_rsv = p[1];
			fprintf(stderr, "REFUSED reserved=0x%02x type=%s\n",
				p[1], c->refused_type);
			fail(c, ST_REFUSED, "strict_reserved", NULL);
			return;
		}
	}
	if (p[4] == 255 || 5U + p[4] > len) {
		fail(c, ST_PROTOCOL, "li", "%s with LI %u in a %zu byte TPKT",
		     tpdu_name(p[5]), p[4], len);
		return;
	}
	if (c->phase == PH_HANDSHAKE) {
		if (c->server && k == K_CR)
			on_cr(c, p, len);
		else if (!c->server && k == K_CC)
			on_cc(c, p, len);
		else if (k == K_DR)
			fail(c, ST_DISCONNECTED, "dr_received",
			     "peer sent DR instead of %s",
			     c->server ? "CR" : "CC");
		else
			fail(c, ST_PROTOCOL, c->server ? "expected_cr" :
			     "expected_cc", "got %s, expected %s",
			     tpdu_name(p[5]), c->server ? "CR" : "CC");
		return;
	}
	if (k == K_DT)
		on_dt(c, p, len);
	else if (k == K_DR)
		fail(c, ST_DISCONNECTED, "dr_received", "peer sent DR");
	else
		c->unexpected++;
}

static void on_eof(struct conn *c)
{
	c->eof = true;
	vlog(c, "peer closed its side");
	if (c->rlen) {
		fail(c, ST_DISCONNECTED, "eof_mid_tpkt",
		     "peer closed inside a TPKT (%zu bytes pending)", c->rlen);
		return;
	}
	if (c->phase == PH_HANDSHAKE) {
		fail(c, ST_DISCONNECTED, c->server ? "eof_before_cr" :
		     "eof_before_cc", "peer closed before the %s",
		     c->server ? "CR" : "CC");
		return;
	}
	if (!c->server) {
		if (!c->want_shut || outq_len(&c->q))
			fail(c, ST_DISCONNECTED, "eof_while_sending",
			     "peer closed while data was still to be sent");
		return;
	}
	if (expect_rx_count(c) && c->rx_data < c->o->send_bytes) {
		fail(c, ST_DISCONNECTED, "eof_early",
		     "peer closed after %" PRIu64 " of %" PRIu64
		     " user data bytes", c->rx_data, c->o->send_bytes);
		return;
	}
	server_close_start(c);
}

static void do_read(struct conn *c, double now)
{
	size_t off = 0;
	ssize_t r;

	r = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ECONNRESET || errno == EPIPE)
			fail(c, ST_DISCONNECTED, "reset", "recv: %s",
			     strerror(errno));
		else
			fail(c, ST_ERROR, "recv", "recv: %s", strerror(errno));
		return;
	}
	c->last_io = now;
	if (!r) {
		on_eof(c);
		return;
	}
	sdig_update(&c->rdig, c->rbuf + c->rlen, r);
	c->rlen += r;
	while (c->status == ST_RUNNING && c->rlen - off >= TPKT_HDR) {
		const u8 *p = c->rbuf + off;
		size_t len = p[2] << 8 | p[3];

		if (p[0] != 3) {
			fail(c, ST_PROTOCOL, "version",
			     "TPKT version %u at stream offset %" PRIu64,
			     p[0], c->rdig.bytes - (c->rlen - off));
			break;
		}
		if (len < 7) {
			fail(c, ST_PROTOCOL, "length",
			     "TPKT length %zu at stream offset %" PRIu64,
			     len, c->rdig.bytes - (c->rlen - off));
			break;
		}
		if (c->rlen - off < len)
			break;
		on_tpkt(c, p, len);
		off += len;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
}

static void do_write(struct conn *c, double now)
{
	const struct opts *o = c->o;
	struct outq *q = &c->q;
	size_t n = outq_len(q);
	bool at_cut = false;
	ssize_t w;

	if (o->one_byte) {
		n = 1;
		at_cut = true;
	} else {
		while (q->chead < q->ctail && q->cut[q->chead] <= q->off)
			q->chead++;
		if (q->chead < q->ctail && q->cut[q->chead] - q->off <= n) {
			n = q->cut[q->chead] - q->off;
			at_cut = true;
		}
	}
	if (n > WRITE_MAX) {
		n = WRITE_MAX;
		at_cut = false;
	}
	w = send(c->fd, q->buf + q->head, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == EPIPE || errno == ECONNRESET)
			fail(c, ST_DISCONNECTED, "reset", "send: %s",
			     strerror(errno));
		else
			fail(c, ST_ERROR, "send", "send: %s", strerror(errno));
		return;
	}
	c->tx_writes++;
	c->last_io = now;
	sdig_update(&c->tdig, q->buf + q->head, w);
	q->head += w;
	q->off += w;
	if ((size_t)w == n && at_cut && piecewise(o) && pause_ms(o))
		c->next_write = now + pause_ms(o) / 1000.0;
}

/* Write until the socket is full, a pause is due, or the batch is done. */
static void write_some(struct conn *c, double now)
{
	unsigned int i;
	u64 writes;

	for (i = 0; i < 256 && c->status == ST_RUNNING; i++) {
		writes = c->tx_writes;
		do_write(c, now);
		if (c->tx_writes == writes || now < c->next_write)
			break;		/* EAGAIN, error or pausing */
		if (outq_len(&c->q) < LOW_WATER / 2)
			refill(c, now);
		if (!outq_len(&c->q))
			break;
	}
}

/*
 * Close the socket.  After a strict refusal: shutdown + close, so the peer
 * sees the release (FIN) that the field report's MTA saw, or with
 * --refuse-with rst an abortive close (RST only) it cannot mistake for a
 * normal end.
 */
static void conn_close(struct conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->fd < 0)
		return;
	if (c->status == ST_REFUSED && c->o->refuse_rst)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	else if (c->status == ST_REFUSED)
		shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
}

static void conn_init(struct conn *c, const struct opts *o, bool server)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->fd = -1;
	c->server = server;
	c->status = ST_RUNNING;
	c->reason = "-";
	sdig_init(&c->rdig);
	sdig_init(&c->tdig);
	pattern_init(&c->exp_echo, o->seed, 0);
	pattern_init(&c->exp_reply, o->seed, 1);
	c->t_start = c->last_io = now_s();
}

static void send_cr(struct conn *c)
{
	const struct opts *o = c->o;

	tx_conn_tpdu(c, TPDU_CR, o->rsv[K_CR], 0x0000,
		     o->src_ref >= 0 ? o->src_ref : 0x01CA,
		     o->calling, o->calling_len, o->called, o->called_len,
		     o->tpdu_code);
}

static int poll_ms(double dt)
{
	if (dt <= 0)
		return 0;
	if (dt > 3600)
		return 3600 * 1000;
	return (int)(dt * 1000) + 1;	/* round up: never wake early */
}

static void conn_run(struct conn *c)
{
	const struct opts *o = c->o;

	c->rbuf = xrealloc(NULL, RBUF_SIZE);
	if (!c->server)
		send_cr(c);
	while (c->status == ST_RUNNING) {
		struct pollfd pfd = { .fd = c->fd };
		double now = now_s(), wake;
		bool pausing;
		int r;

		refill(c, now);
		if (c->want_shut && !c->shut_wr && !outq_len(&c->q)) {
			shutdown(c->fd, SHUT_WR);
			c->shut_wr = true;
			vlog(c, "all sent, closed our side");
		}
		if (c->shut_wr && c->eof) {
			complete(c);
			break;
		}
		pausing = outq_len(&c->q) && now < c->next_write;
		if (!c->eof && outq_len(&c->q) < BACKLOG_MAX)
			pfd.events |= POLLIN;
		if (outq_len(&c->q) && !pausing)
			pfd.events |= POLLOUT;
		if (!pfd.events)
			pfd.fd = -1;
		wake = c->last_io + o->timeout;
		if (pausing && c->next_write < wake)
			wake = c->next_write;
		if (c->gen_active && o->bulk > 0 && c->t_data + o->bulk < wake)
			wake = c->t_data + o->bulk;
		r = poll(&pfd, 1, poll_ms(wake - now));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail(c, ST_ERROR, "poll", "poll: %s", strerror(errno));
			break;
		}
		now = now_s();
		if (!r) {
			if (!pausing && now >= c->last_io + o->timeout)
				fail(c, ST_TIMEOUT, c->phase == PH_HANDSHAKE ?
				     "handshake" : "io",
				     "no progress for %g s", o->timeout);
			continue;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR) && !c->eof)
			do_read(c, now);
		/* POLLHUP/POLLERR with data pending: send collects the error */
		if (c->status == ST_RUNNING && outq_len(&c->q) && !pausing &&
		    pfd.revents & (POLLOUT | POLLHUP | POLLERR))
			write_some(c, now);
	}
	if (!c->t_end)
		c->t_end = now_s();
	free(c->rbuf);
	c->rbuf = NULL;
	outq_free(&c->q);
}

/* ---- output --------------------------------------------------------- */

struct emit {
	bool json;
	bool first;
};

static void emit_begin(struct emit *e, bool json, const char *tag)
{
	e->json = json;
	e->first = true;
	if (json)
		printf("{\"type\":\"%s\"", tag);
	else
		printf("%s", tag);
}

static void emit_str(struct emit *e, const char *k, const char *v)
{
	if (!e->json) {
		printf(" %s=%s", k, v);
		return;
	}
	printf(",\"%s\":\"", k);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			printf("\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			printf("\\u%04x", *v);
		else
			putchar(*v);
	}
	putchar('"');
}

static void emit_u64(struct emit *e, const char *k, u64 v)
{
	printf(e->json ? ",\"%s\":%" PRIu64 : " %s=%" PRIu64, k, v);
}

static void emit_num(struct emit *e, const char *k, double v, int prec)
{
	printf(e->json ? ",\"%s\":%.*f" : " %s=%.*f", k, prec, v);
}

static void emit_hex64(struct emit *e, const char *k, u64 v)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016" PRIx64, v);
	emit_str(e, k, buf);
}

static void emit_end(struct emit *e)
{
	if (e->json)
		putchar('}');
	putchar('\n');
	fflush(stdout);
}

static void print_result(const struct conn *c)
{
	const struct opts *o = c->o;
	double el = c->t_end - (c->t_data ? c->t_data : c->t_start);
	struct emit e;
	char key[32];
	int k;

	if (el <= 0)
		el = 1e-9;
	emit_begin(&e, o->json, o->json ? "result" : "RESULT");
	emit_str(&e, "role", c->server ? "server" : "client");
	if (c->server)
		emit_u64(&e, "conn", c->id);
	emit_str(&e, "status", status_info[c->status].name);
	emit_u64(&e, "exit", status_info[c->status].code);
	emit_str(&e, "reason", c->reason);
	emit_str(&e, "peer", c->peer[0] ? c->peer : "-");
	emit_u64(&e, "tpdu_size", c->tpdu_size);
	emit_u64(&e, "tpkts", c->rx_tpkts);
	emit_u64(&e, "bytes", c->rdig.bytes);
	emit_u64(&e, "data_bytes", c->rx_data);
	emit_hex64(&e, "digest", c->rdig.h);
	emit_u64(&e, "reserved_nonzero", c->rsv_nz_total);
	for (k = 0; k < K_NR; k++) {
		snprintf(key, sizeof(key), "reserved_nonzero_%s", kind_key[k]);
		emit_u64(&e, key, c->rsv_nz[k]);
	}
	emit_u64(&e, "unexpected", c->unexpected);
	emit_u64(&e, "tx_tpkts", c->tdig.tpkts);
	emit_u64(&e, "tx_bytes", c->tdig.bytes);
	emit_u64(&e, "tx_data_bytes", c->tdig.data);
	emit_hex64(&e, "tx_digest", c->tdig.h);
	emit_u64(&e, "tx_writes", c->tx_writes);
	emit_num(&e, "elapsed_s", el, 6);
	emit_num(&e, "mbps", c->rdig.bytes * 8 / el / 1e6, 3);
	emit_num(&e, "tx_mbps", c->tdig.bytes * 8 / el / 1e6, 3);
	if (c->status == ST_REFUSED) {
		char v[8];

		snprintf(v, sizeof(v), "0x%02x", c->refused_rsv);
		emit_str(&e, "refused_type", c->refused_type);
		emit_str(&e, "refused_reserved", v);
	}
	emit_end(&e);
}

/* ---- sockets -------------------------------------------------------- */

static void fmt_addr(const struct sockaddr *sa, socklen_t len, char *buf,
		     size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	char h[NI_MAXHOST], s[NI_MAXSERV];

	/* a dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d */
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		s4.sin_port = s6->sin6_port;
		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		sa = (const struct sockaddr *)&s4;
		len = sizeof(s4);
	}
	if (getnameinfo(sa, len, h, sizeof(h), s, sizeof(s),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(buf, size, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%s", h, s);
	else
		snprintf(buf, size, "%s:%s", h, s);
}

static void tune_socket(int fd, const struct opts *o)
{
	int one = 1, sz = 4 * 1024 * 1024;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->batch > 1 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int resolve(const struct opts *o, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
			    (passive ? AI_PASSIVE : 0),
	};
	int r = getaddrinfo(o->host[0] ? o->host : NULL, o->port, &hints,
			    res);

	if (r)
		fprintf(stderr, "%s: error: address %s port %s: %s\n", PROG,
			o->host[0] ? o->host : "*", o->port, gai_strerror(r));
	return r ? -1 : 0;
}

static int run_client(const struct opts *o)
{
	struct addrinfo *ai;
	struct conn c;
	struct pollfd pfd;
	int err = 0, r;
	socklen_t el = sizeof(err);

	conn_init(&c, o, false);
	if (resolve(o, false, &ai)) {
		fail(&c, ST_ERROR, "address", NULL);
		goto out;
	}
	fmt_addr(ai->ai_addr, ai->ai_addrlen, c.peer, sizeof(c.peer));
	c.fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
		      SOCK_CLOEXEC, 0);
	if (c.fd < 0) {
		fail(&c, ST_ERROR, "socket", "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		goto out;
	}
	tune_socket(c.fd, o);
	r = connect(c.fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r && errno == EINPROGRESS) {
		pfd = (struct pollfd){ .fd = c.fd, .events = POLLOUT };
		do {
			r = poll(&pfd, 1, poll_ms(o->timeout));
		} while (r < 0 && errno == EINTR);
		if (!r) {
			fail(&c, ST_TIMEOUT, "connect",
			     "connect %s: no answer within %g s", c.peer,
			     o->timeout);
			goto out;
		}
		if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			errno = err ? err : errno;
			r = -1;
		} else {
			r = 0;
		}
	}
	if (r) {
		fail(&c, ST_ERROR, "connect", "connect %s: %s", c.peer,
		     strerror(errno));
		goto out;
	}
	c.t_start = c.last_io = now_s();
	vlog(&c, "connected to %s", c.peer);
	conn_run(&c);
out:
	conn_close(&c);
	print_result(&c);
	return status_info[c.status].code;
}

static int write_ready_file(const char *path, unsigned int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) ||
	    rename(tmp, path)) {
		fprintf(stderr, "%s: error: ready file %s: %s\n", PROG, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int open_listener(const struct opts *o)
{
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	socklen_t sl = sizeof(ss);
	int fd, one = 1, zero = 0, port;
	char desc[NI_MAXHOST + NI_MAXSERV + 4];

	if (o->host[0]) {
		if (resolve(o, true, &ai))
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	} else {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
	}
	if (fd < 0 && !o->host[0] && errno == EAFNOSUPPORT) {
		struct opts o4 = *o;

		snprintf(o4.host, sizeof(o4.host), "0.0.0.0");
		return open_listener(&o4);
	}
	if (fd < 0) {
		fprintf(stderr, "%s: error: socket: %s\n", PROG,
			strerror(errno));
		goto err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	port = atoi(o->port);
	any6.sin6_port = htons(port);
	if (ai ? bind(fd, ai->ai_addr, ai->ai_addrlen) :
	    bind(fd, (struct sockaddr *)&any6, sizeof(any6))) {
		fprintf(stderr, "%s: error: bind %s port %s: %s\n", PROG,
			o->host[0] ? o->host : "*", o->port, strerror(errno));
		goto err;
	}
	if (listen(fd, 16) || set_nonblock(fd) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		fprintf(stderr, "%s: error: listen: %s\n", PROG,
			strerror(errno));
		goto err;
	}
	if (ai)
		freeaddrinfo(ai);
	fmt_addr((struct sockaddr *)&ss, sl, desc, sizeof(desc));
	fprintf(stderr, "LISTENING %s\n", desc);
	fflush(stderr);
	port = ntohs(ss.ss_family == AF_INET6 ?
		     ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
	if (o->ready_file && write_ready_file(o->ready_file, port)) {
		close(fd);
		return -1;
	}
	return fd;
err:
	if (ai)
		freeaddrinfo(ai);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Serve one connection; *waited is set if nobody came within --timeout. */
static int serve_one(const struct opts *o, int lfd, unsigned int id,
		     bool *waited)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	double deadline = now_s() + o->timeout;
	struct conn c;
	int r;

	conn_init(&c, o, true);
	c.id = id;
	for (;;) {
		r = poll(&pfd, 1, poll_ms(deadline - now_s()));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(&c, ST_ERROR, "poll", "poll: %s",
			     strerror(errno));
			goto out;
		}
		if (!r) {
			fail(&c, ST_TIMEOUT, "accept",
			     "no connection within %g s", o->timeout);
			*waited = true;
			goto out;
		}
		c.fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
			       SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c.fd >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED) {
			fail(&c, ST_ERROR, "accept", "accept: %s",
			     strerror(errno));
			goto out;
		}
	}
	tune_socket(c.fd, o);
	fmt_addr((struct sockaddr *)&ss, sl, c.peer, sizeof(c.peer));
	c.t_start = c.last_io = now_s();
	vlog(&c, "connection %u from %s", id, c.peer);
	conn_run(&c);
out:
	conn_close(&c);
	print_result(&c);
	return status_info[c.status].code;
}

static int run_server(const struct opts *o)
{
	unsigned int i, ok = 0;
	int lfd = open_listener(o), rc = 0, r;
	bool waited = false;
	struct emit e;

	if (lfd < 0)
		return EXIT_IO;
	/* after an accept timeout no further client is expected: stop */
	for (i = 1; i <= o->count && !waited; i++) {
		r = serve_one(o, lfd, i, &waited);
		if (!r)
			ok++;
		else if (!rc)
			rc = r;
	}
	close(lfd);
	if (o->count > 1) {
		emit_begin(&e, o->json, o->json ? "summary" : "SUMMARY");
		emit_str(&e, "role", "server");
		emit_u64(&e, "connections", o->count);
		emit_u64(&e, "ok", ok);
		emit_u64(&e, "failed", o->count - ok);
		emit_u64(&e, "exit", rc);
		emit_end(&e);
	}
	return rc;
}

/* The client's stream, computed without a network: for --expect-digest. */
static int run_dry(const struct opts *o)
{
	struct conn c;
	struct emit e;

	conn_init(&c, o, false);
	send_cr(&c);
	c.phase = PH_DATA;
	gen_start(&c, 0, o->send_bytes);
	do {
		refill(&c, 0);
		sdig_update(&c.tdig, c.q.buf + c.q.head, outq_len(&c.q));
		c.q.off += outq_len(&c.q);
		c.q.head = c.q.tail;
	} while (c.gen_active);
	outq_free(&c.q);
	emit_begin(&e, o->json, o->json ? "plan" : "PLAN");
	emit_str(&e, "role", "client");
	emit_u64(&e, "tx_tpkts", c.tdig.tpkts);
	emit_u64(&e, "tx_bytes", c.tdig.bytes);
	emit_u64(&e, "tx_data_bytes", c.tdig.data);
	emit_hex64(&e, "tx_digest", c.tdig.h);
	emit_end(&e);
	return 0;
}

/* ---- options -------------------------------------------------------- */

static void usage(void)
{
	printf(
"Usage: " PROG " --listen [ADDR:]PORT [options]\n"
"       " PROG " --connect ADDR:PORT [options]\n"
"\n"
"RFC 1006 (ISO transport class 0 over TCP) test peer for nf_tpkt.  The\n"
"connecting side sends a CONNECT REQUEST (CR), the listening side answers\n"
"with a CONNECT CONFIRM (CC), then the client sends user data as DT TPDUs,\n"
"half-closes, and reads until the server closes.  Give both sides the same\n"
"data options (--send-bytes, --echo, --reply-bytes, --seed) so each can\n"
"check what it receives.\n"
"\n"
"Role and addresses (IPv4 a.b.c.d:PORT, IPv6 [addr]:PORT, numeric only):\n"
"  --listen [ADDR:]PORT   accept connections; without ADDR on all addresses,\n"
"                         IPv6 and IPv4; PORT 0 picks a free port\n"
"  --count N              listener: serve N connections one after another\n"
"                         (default 1); one RESULT line each, then SUMMARY;\n"
"                         stops at the first accept timeout\n"
"  --connect ADDR:PORT    connect to a listener\n"
"  --timeout SECONDS      limit for connect, accept, and any stretch without\n"
"                         I/O progress (default 10; fractions allowed)\n"
"  --ready-file PATH      listener: write the bound port to PATH once\n"
"                         listening (LISTENING ADDR:PORT also goes to stderr)\n"
"\n"
"Connection establishment:\n"
"  --tpdu-size N          TPDU size parameter C0: a code 7..13 (0x0A = 1024,\n"
"                         default) or a size 128..8192; other codes < 128\n"
"                         are sent as given.  The listener answers with the\n"
"                         smaller of the client's and its own\n"
"  --calling-tsap TSAP    CR parameter C1 (default SWISSLIFETSAP)\n"
"  --called-tsap TSAP     CR parameter C2 (default EXCHANGETSAP1); a TSAP is\n"
"                         ASCII text or hex:0102..., empty omits it; the\n"
"                         listener's CC echoes the client's TSAPs\n"
"  --src-ref N            source reference (client CR default 0x01CA,\n"
"                         listener CC default 0x0029, as in Q151626)\n"
"  --cc normal|kb         listener: the CC to send; kb sends exactly the\n"
"                         CONNECT CONFIRM of field report Q151626 (reserved\n"
"                         byte 0x11, TPDU size 2048); only an explicit\n"
"                         --reserved cc=/all= changes its reserved byte\n"
"\n"
"Data phase:\n"
"  --send-bytes N         client: user data bytes to send (default 0);\n"
"                         listener: bytes to expect, then reply and close\n"
"                         (default: whatever arrives before the client closes)\n"
"  --pdu-size S           user data bytes per DT TPDU, 1..65528, the last one\n"
"                         shorter (default: TPDU size - 3 = 1021)\n"
"  --seed N               user data pattern seed (default 1)\n"
"  --echo                 listener: send every DT back; client: expect that\n"
"  --reply-bytes N        listener: send N bytes after receiving everything;\n"
"                         client: expect them\n"
"  --bulk SECONDS         client: send DT TPDUs as fast as possible for that\n"
"                         long (instead of --send-bytes); both sides report\n"
"                         bytes and Mbit/s; harmless on the listener\n"
"  --no-data-check        do not compare user data with the seeded pattern\n"
"                         nor check user data byte counts\n"
"\n"
"Misbehaving sender:\n"
"  --reserved TYPE=VALUE[,TYPE=VALUE...]\n"
"                         TPKT reserved byte to send per TPDU type: cr, cc,\n"
"                         dt or all; VALUE 0..255 (e.g. cc=0x11,dt=0x11)\n"
"\n"
"Segmentation (TCP_NODELAY is always on):\n"
"  --split-at K[,K2...]   write each TPKT in pieces cut at these byte offsets\n"
"                         within the TPKT (1 = first byte alone), up to %d\n"
"  --one-byte             write every byte separately\n"
"  --pause-ms M           pause between pieces with --split-at/--one-byte\n"
"                         (default 20, so pieces leave as separate segments)\n"
"  --batch N              put N TPKTs in one write (default 1); the echo\n"
"                         writes up to N; the send buffer is raised to 4 MiB\n"
"\n"
"Receiver:\n"
"  --strict               refuse any TPKT with a non-zero reserved byte: print\n"
"                         REFUSED reserved=0xNN type=XX on stderr, shut down\n"
"                         and close the connection, exit 3\n"
"  --lenient              accept non-zero reserved bytes, count them (default);\n"
"                         the last of --strict/--lenient wins\n"
"  --refuse-with fin|rst  how --strict disconnects: fin = shutdown + close\n"
"                         (default; the peer sees an orderly release, as in\n"
"                         Q151626, and can only tell it from a normal end if\n"
"                         it expects data back), rst = abortive close\n"
"  --expect-digest HEX    fail (exit 4) unless the received digest is HEX\n"
"  --expect-reserved-nonzero N\n"
"                         fail (exit 4) unless N TPKTs had a non-zero reserved\n"
"  --expect-tpkts N       fail (exit 4) unless N TPKTs were received\n"
"\n"
"Output:\n"
"  --json                 result as a JSON object per line instead of key=value\n"
"  --dry-run              client: print the PLAN of what it would send (tx\n"
"                         digest = the listener's expected digest), no network\n"
"  -v, --verbose          log every TPKT sent and received on stderr\n"
"  -h, --help             this text\n"
"\n"
"Result line (stdout), one per connection:\n"
"  RESULT role= [conn=] status= exit= reason= peer= tpdu_size= tpkts= bytes=\n"
"  data_bytes= digest= reserved_nonzero= reserved_nonzero_{cr,cc,dt,dr,other}=\n"
"  unexpected= tx_tpkts= tx_bytes= tx_data_bytes= tx_digest= tx_writes=\n"
"  elapsed_s= mbps= tx_mbps= [refused_type= refused_reserved=]\n"
"  Unprefixed fields describe what was received, tx_ ones what was sent.  The\n"
"  digest is FNV-1a 64 over every byte of the stream except each TPKT's\n"
"  reserved byte; the sender's tx_digest equals the receiver's digest.\n"
"  elapsed_s counts from the CC; Mbit/s are over whole TPKT bytes.\n"
"  status: ok, error, timeout, refused, disconnected, protocol_error, mismatch\n"
"\n"
"Exit codes: 0 ok; 1 runtime/IO error or timeout; 2 usage error; 3 refused by\n"
"--strict, or the peer disconnected (or sent DR) before completion; 4 what was\n"
"received does not verify (data, counts, --expect-*) or does not parse.\n",
	SPLIT_MAX);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", PROG);
	exit(EXIT_USAGE);
}

static u64 parse_u64(const char *opt, const char *s, u64 min, u64 max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		usage_error("%s: '%s' is not a number", opt, s);
	v = strtoull(s, &end, 0);
	if (errno || *end)
		usage_error("%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		usage_error("%s: %s is outside %" PRIu64 "..%" PRIu64, opt, s,
			    min, max);
	return v;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		usage_error("%s: '%s' is not a duration in seconds (0..86400]",
			    opt, s);
	return v;
}

/* [ADDR:]PORT or ADDR:PORT; IPv6 addresses in brackets. */
static void parse_hostport(struct opts *o, const char *opt, const char *s,
			   bool need_host)
{
	const char *port, *colon;
	size_t hl = 0;
	const char *h = s;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			usage_error("%s: '%s': expected [IPV6]:PORT", opt, s);
		h = s + 1;
		hl = rb - h;
		port = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			usage_error("%s: '%s': write IPv6 addresses as [ADDR]:PORT",
				    opt, s);
		if (colon) {
			hl = colon - s;
			port = colon + 1;
		} else {
			port = s;
		}
	}
	if (need_host && !hl)
		usage_error("%s: '%s': expected ADDR:PORT", opt, s);
	if (hl >= sizeof(o->host))
		usage_error("%s: address too long", opt);
	memcpy(o->host, h, hl);
	o->host[hl] = '\0';
	snprintf(o->port, sizeof(o->port), "%u",
		 (unsigned int)parse_u64(opt, port, need_host ? 1 : 0, 65535));
}

static void parse_tsap(const char *opt, const char *s, u8 *out, size_t *len)
{
	size_t n;

	if (!strncmp(s, "hex:", 4)) {
		s += 4;
		n = strlen(s);
		if (n % 2 || n / 2 > TSAP_MAX)
			usage_error("%s: hex:... needs an even number of digits, at most %d bytes",
				    opt, TSAP_MAX);
		for (*len = 0; *s; s += 2) {
			char b[3] = { s[0], s[1], 0 }, *end;

			out[(*len)++] = strtoul(b, &end, 16);
			if (*end)
				usage_error("%s: '%s' is not hex", opt, b);
		}
		return;
	}
	n = strlen(s);
	if (n > TSAP_MAX)
		usage_error("%s: at most %d bytes", opt, TSAP_MAX);
	memcpy(out, s, n);
	*len = n;
}

static void parse_reserved(struct opts *o, const char *s)
{
	char *dup = strdup(s), *save = NULL, *tok;
	static const char *const names[] = { "cr", "cc", "dt", "all" };
	unsigned int i;

	if (!dup)
		exit(EXIT_IO);
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		u8 v;

		if (!eq)
			usage_error("--reserved: '%s': expected TYPE=VALUE",
				    tok);
		*eq = '\0';
		v = parse_u64("--reserved", eq + 1, 0, 255);
		for (i = 0; i < 4 && strcmp(tok, names[i]); i++)
			;
		if (i == 4)
			usage_error("--reserved: unknown type '%s' (cr, cc, dt, all)",
				    tok);
		if (i == 3) {
			o->rsv[K_CR] = o->rsv[K_CC] = o->rsv[K_DT] = v;
			o->rsv_cc_set = true;
		} else {
			o->rsv[i] = v;	/* K_CR, K_CC, K_DT are 0, 1, 2 */
			if (i == K_CC)
				o->rsv_cc_set = true;
		}
	}
	free(dup);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static void parse_split(struct opts *o, const char *s)
{
	char *dup = strdup(s), *save = NULL, *tok;
	unsigned int i, n = 0;

	if (!dup)
		exit(EXIT_IO);
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == SPLIT_MAX)
			usage_error("--split-at: at most %d offsets",
				    SPLIT_MAX);
		o->split[n++] = parse_u64("--split-at", tok, 1, TPKT_MAX - 1);
	}
	free(dup);
	if (!n)
		usage_error("--split-at: no offsets");
	qsort(o->split, n, sizeof(o->split[0]), cmp_uint);
	for (o->nsplit = 0, i = 0; i < n; i++)
		if (!o->nsplit || o->split[o->nsplit - 1] != o->split[i])
			o->split[o->nsplit++] = o->split[i];
}

enum {
	O_LISTEN = 256, O_CONNECT, O_COUNT, O_TIMEOUT, O_TPDU, O_CALLING,
	O_CALLED, O_SRCREF, O_CC, O_SEND, O_PDU, O_SEED, O_ECHO, O_REPLY,
	O_BULK, O_RESERVED, O_SPLIT, O_PAUSE, O_ONEBYTE, O_BATCH, O_STRICT,
	O_LENIENT, O_REFUSE, O_NODATA, O_EXP_DIGEST, O_EXP_RSV, O_EXP_TPKTS, O_JSON,
	O_READY, O_DRY,
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "connect", required_argument, NULL, O_CONNECT },
	{ "count", required_argument, NULL, O_COUNT },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "tpdu-size", required_argument, NULL, O_TPDU },
	{ "calling-tsap", required_argument, NULL, O_CALLING },
	{ "called-tsap", required_argument, NULL, O_CALLED },
	{ "src-ref", required_argument, NULL, O_SRCREF },
	{ "cc", required_argument, NULL, O_CC },
	{ "send-bytes", required_argument, NULL, O_SEND },
	{ "pdu-size", required_argument, NULL, O_PDU },
	{ "seed", required_argument, NULL, O_SEED },
	{ "echo", no_argument, NULL, O_ECHO },
	{ "reply-bytes", required_argument, NULL, O_REPLY },
	{ "bulk", required_argument, NULL, O_BULK },
	{ "reserved", required_argument, NULL, O_RESERVED },
	{ "split-at", required_argument, NULL, O_SPLIT },
	{ "pause-ms", required_argument, NULL, O_PAUSE },
	{ "one-byte", no_argument, NULL, O_ONEBYTE },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "lenient", no_argument, NULL, O_LENIENT },
	{ "refuse-with", required_argument, NULL, O_REFUSE },
	{ "no-data-check", no_argument, NULL, O_NODATA },
	{ "expect-digest", required_argument, NULL, O_EXP_DIGEST },
	{ "expect-reserved-nonzero", required_argument, NULL, O_EXP_RSV },
	{ "expect-tpkts", required_argument, NULL, O_EXP_TPKTS },
	{ "json", no_argument, NULL, O_JSON },
	{ "ready-file", required_argument, NULL, O_READY },
	{ "dry-run", no_argument, NULL, O_DRY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void parse_opts(struct opts *o, int argc, char **argv)
{
	bool count_set = false, cc_set = false;
	u64 v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->timeout = 10;
	o->tpdu_code = 0x0A;
	memcpy(o->calling, "SWISSLIFETSAP", 13);
	o->calling_len = 13;
	memcpy(o->called, "EXCHANGETSAP1", 13);
	o->called_len = 13;
	o->src_ref = -1;
	o->seed = 1;
	o->pause_ms = -1;
	o->batch = 1;
	o->data_check = true;
	o->expect_rsv = -1;
	o->expect_tpkts = -1;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
		case O_CONNECT:
			if (o->listen || o->connect)
				usage_error("give one --listen or --connect");
			o->listen = c == O_LISTEN;
			o->connect = c == O_CONNECT;
			parse_hostport(o, o->listen ? "--listen" :
				       "--connect", optarg, o->connect);
			break;
		case O_COUNT:
			o->count = parse_u64("--count", optarg, 1, 1000000);
			count_set = true;
			break;
		case O_TIMEOUT:
			o->timeout = parse_seconds("--timeout", optarg);
			break;
		case O_TPDU:
			v = parse_u64("--tpdu-size", optarg, 0, 8192);
			if (v >= 128) {
				if (!code_size(__builtin_ctzll(v)) ||
				    v & (v - 1))
					usage_error("--tpdu-size: %s is not a power of two in 128..8192",
						    optarg);
				v = __builtin_ctzll(v);
			}
			o->tpdu_code = v;
			break;
		case O_CALLING:
			parse_tsap("--calling-tsap", optarg, o->calling,
				   &o->calling_len);
			break;
		case O_CALLED:
			parse_tsap("--called-tsap", optarg, o->called,
				   &o->called_len);
			break;
		case O_SRCREF:
			o->src_ref = parse_u64("--src-ref", optarg, 0, 0xFFFF);
			break;
		case O_CC:
			if (!strcmp(optarg, "kb"))
				o->cc_kb = true;
			else if (!strcmp(optarg, "normal"))
				o->cc_kb = false;
			else
				usage_error("--cc: '%s' (normal or kb)",
					    optarg);
			cc_set = true;
			break;
		case O_SEND:
			o->send_bytes = parse_u64("--send-bytes", optarg, 0,
						  UINT64_MAX / 2);
			o->send_bytes_set = true;
			break;
		case O_PDU:
			o->pdu_size = parse_u64("--pdu-size", optarg, 1,
						PDU_MAX);
			break;
		case O_SEED:
			o->seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case O_ECHO:
			o->echo = true;
			break;
		case O_REPLY:
			o->reply_bytes = parse_u64("--reply-bytes", optarg, 0,
						   UINT64_MAX / 2);
			break;
		case O_BULK:
			o->bulk = parse_seconds("--bulk", optarg);
			break;
		case O_RESERVED:
			parse_reserved(o, optarg);
			break;
		case O_SPLIT:
			parse_split(o, optarg);
			break;
		case O_PAUSE:
			o->pause_ms = parse_u64("--pause-ms", optarg, 0, 60000);
			break;
		case O_ONEBYTE:
			o->one_byte = true;
			break;
		case O_BATCH:
			o->batch = parse_u64("--batch", optarg, 1, 100000);
			break;
		case O_STRICT:
			o->strict = true;
			break;
		case O_LENIENT:
			o->strict = false;
			break;
		case O_REFUSE:
			if (!strcmp(optarg, "rst"))
				o->refuse_rst = true;
			else if (!strcmp(optarg, "fin"))
				o->refuse_rst = false;
			else
				usage_error("--refuse-with: '%s' (fin or rst)",
					    optarg);
			break;
		case O_NODATA:
			o->data_check = false;
			break;
		case O_EXP_DIGEST:
			errno = 0;
			o->expect_digest = strtoull(optarg, &end, 16);
			if (errno || !*optarg || *end || strlen(optarg) > 18)
				usage_error("--expect-digest: '%s' is not a 64-bit hex number",
					    optarg);
			o->expect_digest_set = true;
			break;
		case O_EXP_RSV:
			o->expect_rsv = parse_u64("--expect-reserved-nonzero",
						  optarg, 0, INT64_MAX);
			break;
		case O_EXP_TPKTS:
			o->expect_tpkts = parse_u64("--expect-tpkts", optarg,
						    0, INT64_MAX);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_READY:
			o->ready_file = optarg;
			break;
		case O_DRY:
			o->dry_run = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->listen && !o->connect && !o->dry_run)
		usage_error("give --listen [ADDR:]PORT or --connect ADDR:PORT");
	if (o->listen && o->dry_run)
		usage_error("--dry-run describes a client");
	if (!o->listen && (count_set || cc_set || o->ready_file))
		usage_error("--count, --cc and --ready-file are for --listen");
	if (o->one_byte && o->nsplit)
		usage_error("--one-byte and --split-at exclude each other");
	if (!o->listen && o->bulk > 0 && o->send_bytes_set)
		usage_error("--bulk and --send-bytes exclude each other");
	if (o->dry_run && o->bulk > 0)
		usage_error("--dry-run cannot predict --bulk");
}

int main(int argc, char **argv)
{
	struct opts o;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_opts(&o, argc, argv);
	if (o.dry_run)
		return run_dry(&o);
	if (o.connect)
		return run_client(&o);
	return run_server(&o);
}
