// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The capture of make bench-inspect: S7-like ISO-on-TCP traffic on port
 * 102, deterministic for a given seed.
 *
 *   gen_capture OUT.pcap MB [SEED]
 *
 * Writes at least MB * 10^6 bytes of Ethernet frames (IPv4, one
 * connection in eight IPv6): CONNS connections open at a time, their
 * packets interleaved.  Each connection has a TCP handshake, a COTP
 * CR/CC, then DT TPDUs of 30..960 bytes in both directions (requests
 * mostly small, responses up to the 960-byte PDU), a few TPKTs to a
 * segment at times, a TPKT split across two segments at others, pure ACKs
 * in between, and a FIN exchange.  One CC in ANOMALY_EVERY has TPKT
 * reserved byte 0x11, so inspect has events to print.  TCP and IPv4
 * checksums are correct.
 *
 * Its own code rather than tests/userspace/helpers.h: that one is built
 * around cmocka, and writes a frame through a 70 KB stack buffer with a
 * byte-wise checksum; this one has to write 200 MB in a few seconds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#define CONNS		32
#define ANOMALY_EVERY	17
#define MSS4		1460
#define MSS6		1440
#define BURST_MAX	(6 * 960)

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

static u64 rng_state;

/* splitmix64: fast, and the same sequence on every machine */
static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static u32 rnd_in(u32 lo, u32 hi)
{
	return lo + (u32)(rnd() % (hi - lo + 1));
}

/* true with probability pct / 100 */
static bool chance(unsigned int pct)
{
	return rnd() % 100 < pct;
}

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* RFC 1071 sum, 16 bits at a time (the byte-wise loop is 4x slower) */
static u64 csum_add(u64 sum, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (u32)b[n - 1] << 8;
	return sum;
}

static u16 csum_fold(u64 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

struct conn {
	bool v6;
	u8 addr[2][16];		/* [0] client, [1] server */
	u16 port[2];
	u32 isn[2];
	u32 next[2];		/* stream offset of the next byte to send */
	u64 left;		/* DT bytes still to send before the FIN */
	unsigned int state;	/* 0 handshake + CR/CC due, 1 data, 2 done */
	u16 pdu_ref;
	bool bad_cc;
};

static struct {
	pcap_dumper_t *d;
	u64 bytes, frames, tpkts, conns, anomalies, v6;
	u64 usec;
} out;

static void emit(struct conn *c, unsigned int dir, u8 flags, u32 seq_off,
		 const u8 *data, u32 len)
{
	static u8 f[14 + 40 + 20 + 1500];
	size_t ip = 14, tcp;
	struct pcap_pkthdr h;
	u64 sum = 0;
	u8 *t;

	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (dir)	/* the server's MAC first when it sends */
		memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	put16(f + 12, c->v6 ? 0x86dd : 0x0800);
	if (!c->v6) {
		u8 *p = f + ip;

		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, 40 + len);
		put16(p + 4, (u16)out.frames);
		put16(p + 6, 0x4000);	/* DF */
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, c->addr[dir], 4);
		memcpy(p + 16, c->addr[!dir], 4);
		put16(p + 10, csum_fold(csum_add(0, p, 20)));
		tcp = ip + 20;
		sum = csum_add(csum_add(0, c->addr[dir], 4), c->addr[!dir], 4);
	} else {
		u8 *p = f + ip;

		memset(p, 0, 8);
		p[0] = 0x60;
		put16(p + 4, 20 + len);
		p[6] = 6;
		p[7] = 64;
		memcpy(p + 8, c->addr[dir], 16);
		memcpy(p + 24, c->addr[!dir], 16);
		tcp = ip + 40;
		sum = csum_add(csum_add(0, c->addr[dir], 16), c->addr[!dir], 16);
	}
	t = f + tcp;
	memset(t, 0, 20);
	put16(t, c->port[dir]);
	put16(t + 2, c->port[!dir]);
	put32(t + 4, c->isn[dir] + (flags & 0x02 ? 0 : 1) + seq_off);
	put32(t + 8, flags == 0x02 ? 0 : c->isn[!dir] + 1 + c->next[!dir]);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	memcpy(t + 20, data, len);
	sum += 6 + 20 + len;
	put16(t + 16, csum_fold(csum_add(sum, t, 20 + len)));

	/* 10..200 us between packets, as on a busy segment */
	out.usec += rnd_in(10, 200);
	h.ts.tv_sec = 1700000000 + out.usec / 1000000;
	h.ts.tv_usec = out.usec % 1000000;
	h.caplen = h.len = tcp + 20 + len;
	pcap_dump((u_char *)out.d, &h, f);
	out.bytes += h.len + 16;	/* with the record header */
	out.frames++;
}

/* Data of @dir: @len bytes in segments of at most one MSS. */
static void send_data(struct conn *c, unsigned int dir, const u8 *b,
		      u32 len, u32 split)
{
	u32 mss = c->v6 ? MSS6 : MSS4, n;

	while (len) {
		n = len < mss ? len : mss;
		/* split a TPKT across two segments at byte @split */
		if (split && split < n)
			n = split;
		split = split > n ? split - n : 0;
		emit(c, dir, 0x18, c->next[dir], b, n);	/* PSH ACK */
		c->next[dir] += n;
		b += n;
		len -= n;
	}
}

static void pure_ack(struct conn *c, unsigned int dir)
{
	emit(c, dir, 0x10, c->next[dir], NULL, 0);
}

/* One DT TPDU of @len bytes (30..960) carrying an S7-like PDU. */
static u32 dt(struct conn *c, unsigned int dir, u8 *p, u32 len)
{
	u32 hdr = dir ? 12 : 10, plen = 2, i;

	p[0] = 3;			/* TPKT */
	p[1] = 0;
	put16(p + 2, len);
	p[4] = 2;			/* COTP DT, EOT, TPDU-NR 0 */
	p[5] = 0xf0;
	p[6] = 0x80;
	p[7] = 0x32;			/* S7: job or ack-data */
	p[8] = dir ? 3 : 1;
	put16(p + 9, 0);
	put16(p + 11, c->pdu_ref);
	put16(p + 13, plen);
	put16(p + 15, len - 7 - hdr - plen);
	if (dir)
		put16(p + 17, 0);	/* error class and code */
	/*
	 * Parameters: read var of no item, which s7comm dissects without
	 * complaint; data: cheap bytes that are not all zero.
	 */
	p[7 + hdr] = 0x04;
	p[8 + hdr] = 0;
	for (i = 9 + hdr; i < len; i++)
		p[i] = (u8)(i * 31 + c->pdu_ref);
	out.tpkts++;
	return len;
}

static u32 request_len(void)
{
	return chance(75) ? rnd_in(30, 80) : rnd_in(81, 960);
}

static u32 response_len(void)
{
	return chance(40) ? rnd_in(30, 100) : rnd_in(101, 960);
}

static void conn_open(struct conn *c)
{
	static const u8 cr[] = {
		0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01,
		0x00, 0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02,
		0x01, 0x02,
	};
	u8 cc[sizeof(cr)];
	u32 n = (u32)out.conns++;

	memset(c, 0, sizeof(*c));
	c->v6 = n % 8 == 7;
	out.v6 += c->v6;
	if (!c->v6) {
		u8 a[4] = { 10, 1, (u8)(n >> 8), (u8)n };
		u8 b[4] = { 10, 0, 0, (u8)(1 + n % 16) };

		memcpy(c->addr[0], a, 4);
		memcpy(c->addr[1], b, 4);
	} else {
		memcpy(c->addr[0], "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0", 14);
		put16(c->addr[0] + 14, (u16)n);
		memcpy(c->addr[1], "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0", 15);
		c->addr[1][15] = 1 + n % 16;
	}
	c->port[0] = 49152 + n % 16384;
	c->port[1] = 102;
	c->isn[0] = (u32)rnd();
	c->isn[1] = (u32)rnd();
	/* 0.1 to 1.5 MB of DT per connection */
	c->left = rnd_in(100000, 1500000);
	c->bad_cc = n % ANOMALY_EVERY == ANOMALY_EVERY - 1;

	emit(c, 0, 0x02, 0, NULL, 0);		/* SYN */
	emit(c, 1, 0x12, 0, NULL, 0);		/* SYN ACK */
	pure_ack(c, 0);
	send_data(c, 0, cr, sizeof(cr), 0);
	out.tpkts++;
	memcpy(cc, cr, sizeof(cc));
	cc[5] = 0xd0;				/* CC */
	put16(cc + 6, 0x0001);			/* DST-REF: the CR's SRC-REF */
	put16(cc + 8, 0x0002);
	if (c->bad_cc) {			/* Microsoft KB Q151626 */
		cc[1] = 0x11;
		out.anomalies++;
	}
	send_data(c, 1, cc, sizeof(cc), 0);
	out.tpkts++;
	c->state = 1;
}

/* A burst of one direction: 1..6 TPKTs, sometimes pipelined. */
static void burst(struct conn *c, unsigned int dir)
{
	static u8 b[BURST_MAX];
	unsigned int k = chance(80) ? 1 : rnd_in(2, 6), i;
	u32 len = 0, first = 0, split = 0;

	for (i = 0; i < k; i++) {
		u32 l = dir ? response_len() : request_len();

		len += dt(c, dir, b + len, l);
		if (!i)
			first = l;
	}
	/* one burst in ten: its first TPKT split mid-header or mid-body */
	if (chance(10))
		split = chance(30) ? rnd_in(1, 3) : rnd_in(4, first - 1);
	if (k > 1 && chance(50)) {
		/* several TPKTs to a segment (up to the MSS) */
		send_data(c, dir, b, len, split);
	} else {
		/* one TPKT to a segment (a long one may span two) */
		u32 off = 0, l;

		for (i = 0; i < k; i++) {
			l = (u32)b[off + 2] << 8 | b[off + 3];
			send_data(c, dir, b + off, l, i ? 0 : split);
			off += l;
		}
	}
	if (dir)
		c->pdu_ref++;
	c->left = c->left > len ? c->left - len : 0;
	if (chance(30))
		pure_ack(c, !dir);
}

static void conn_step(struct conn *c)
{
	if (c->state == 0) {
		conn_open(c);
		return;
	}
	if (c->left) {
		burst(c, 0);
		burst(c, 1);
		return;
	}
	emit(c, 0, 0x11, c->next[0], NULL, 0);	/* FIN ACK */
	c->next[0]++;
	emit(c, 1, 0x11, c->next[1], NULL, 0);
	c->next[1]++;
	pure_ack(c, 0);
	c->state = 2;
}

int main(int argc, char **argv)
{
	static struct conn conns[CONNS];
	pcap_t *dead;
	u64 target;
	unsigned int i;

	if (argc < 3 || argc > 4 || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: gen_capture OUT.pcap MB [SEED]\n");
		return 2;
	}
	target = (u64)(atof(argv[2]) * 1e6);
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	out.d = dead ? pcap_dump_open(dead, argv[1]) : NULL;
	if (!out.d) {
		fprintf(stderr, "gen_capture: %s: %s\n", argv[1],
			dead ? pcap_geterr(dead) : "pcap_open_dead failed");
		return 1;
	}
	out.bytes = 24;
	while (out.bytes < target) {
		struct conn *c = &conns[rnd() % CONNS];

		conn_step(c);
		if (c->state == 2)
			c->state = 0;
	}
	/* close what is open (FIN now), so every connection ends as it began */
	for (i = 0; i < CONNS; i++)
		if (conns[i].state == 1) {
			conns[i].left = 0;
			conn_step(&conns[i]);
		}
	if (pcap_dump_flush(out.d)) {
		fprintf(stderr, "gen_capture: %s: write error\n", argv[1]);
		return 1;
	}
	pcap_dump_close(out.d);
	pcap_close(dead);
	printf("gen_capture: %s: %llu bytes, %llu frames, %llu connections "
	       "(%llu IPv6), %llu TPKTs, %llu with reserved 0x11\n", argv[1],
	       (unsigned long long)out.bytes, (unsigned long long)out.frames,
	       (unsigned long long)out.conns, (unsigned long long)out.v6,
	       (unsigned long long)out.tpkts,
	       (unsigned long long)out.anomalies);
	return 0;
}
