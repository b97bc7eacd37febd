// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Capture I/O and header decoding: every supported link type, IPv4 and
 * IPv6 with extension headers, fragments, snaplen truncation, malformed
 * headers, the incremental checksum against a full recompute, and clear
 * errors for files that are not captures.
 */
#include "helpers.h"
#include "pcap_io.h"

static const u8 payload[] = "\x03\x00\x00\x07\x02\xf0\x80";

static void fill(struct gen_pkt *g, int family)
{
	memset(g, 0, sizeof(*g));
	g->family = family;
	if (family == 4) {
		memcpy(g->src, "\xc0\xa8\x00\x01", 4);
		memcpy(g->dst, "\xc0\xa8\x00\x02", 4);
	} else {
		g->src[0] = 0xfe;
		g->src[1] = 0x80;
		g->src[15] = 1;
		g->dst[0] = 0xfe;
		g->dst[1] = 0x80;
		g->dst[15] = 2;
	}
	g->sport = 49152;
	g->dport = 102;
	g->seq = 0x01020304;
	g->ack = 0x0a0b0c0d;
	g->flags = 0x18;
	g->data = payload;
	g->len = 7;
}

static void expect_tcp(int dlt, const u8 *frame, size_t len,
		       const struct gen_pkt *g)
{
	struct pkt p;

	assert_int_equal(pkt_decode(dlt, frame, len, &p), PKT_TCP);
	assert_int_equal(p.family, g->family);
	assert_memory_equal(p.saddr, g->src, g->family == 4 ? 4 : 16);
	assert_memory_equal(p.daddr, g->dst, g->family == 4 ? 4 : 16);
	assert_true(p.ports_known);
	assert_int_equal(p.sport, g->sport);
	assert_int_equal(p.dport, g->dport);
	assert_int_equal(p.seq, g->seq);
	assert_int_equal(p.ack, g->ack);
	assert_int_equal(p.tcp_flags, g->flags);
	assert_int_equal(p.len, g->len);
	assert_int_equal(p.caplen, g->len);
	assert_int_equal(p.data_off, len - g->len);
	assert_int_equal(p.tcp_off, p.data_off - 20);
	assert_memory_equal(frame + p.data_off, g->data, g->len);
	assert_int_equal(tcp_csum_check(&p, frame), 1);
}

static void test_every_link_type(void **state)
{
	static const int v4[] = {
		DLT_EN10MB, GEN_ETH_VLAN, DLT_LINUX_SLL, DLT_LINUX_SLL2,
		DLT_RAW, DLT_IPV4, DLT_NULL, DLT_LOOP,
	};
	static const int v6[] = {
		DLT_EN10MB, GEN_ETH_VLAN, DLT_LINUX_SLL, DLT_LINUX_SLL2,
		DLT_RAW, DLT_IPV6, DLT_NULL, DLT_LOOP,
	};
	struct gen_pkt g;
	u8 frame[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v4); i++) {
		fill(&g, 4);
		expect_tcp(v4[i] == GEN_ETH_VLAN ? DLT_EN10MB : v4[i], frame,
			   gen_frame(v4[i], &g, frame), &g);
		fill(&g, 6);
		expect_tcp(v6[i] == GEN_ETH_VLAN ? DLT_EN10MB : v6[i], frame,
			   gen_frame(v6[i], &g, frame), &g);
	}
	assert_true(pcap_linktype_supported(DLT_LINUX_SLL2));
	assert_false(pcap_linktype_supported(DLT_IEEE802_11));
}

/* BSD loopback in the other byte order, and the other AF_INET6 values. */
static void test_loopback_families(void **state)
{
	static const u8 afs[][4] = {
		{ 0, 0, 0, 2 }, { 2, 0, 0, 0 }, { 24, 0, 0, 0 },
		{ 0, 0, 0, 28 }, { 30, 0, 0, 0 }, { 0, 0, 0, 24 },
	};
	struct gen_pkt g;
	u8 frame[256];
	struct pkt p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(afs); i++) {
		size_t len;

		fill(&g, i < 2 ? 4 : 6);
		len = gen_frame(DLT_NULL, &g, frame);
		memcpy(frame, afs[i], 4);
		assert_int_equal(pkt_decode(DLT_NULL, frame, len, &p),
				 PKT_TCP);
	}
	memcpy(frame, "\x00\x00\x00\x07", 4);
	assert_int_equal(pkt_decode(DLT_NULL, frame, 60, &p), PKT_OTHER);
	/* DLT_LOOP is network order only */
	memcpy(frame, "\x02\x00\x00\x00", 4);
	assert_int_equal(pkt_decode(DLT_LOOP, frame, 60, &p), PKT_OTHER);
}

static void test_not_tcp(void **state)
{
	struct gen_pkt g;
	u8 frame[256];
	struct pkt p;
	size_t len;

	fill(&g, 4);
	len = gen_frame(DLT_EN10MB, &g, frame);
	frame[14 + 9] = 17;	/* UDP */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p), PKT_OTHER);
	frame[12] = 0x08;	/* ARP */
	frame[13] = 0x06;
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p), PKT_OTHER);
	frame[12] = 0x00;	/* 802.3 length field */
	frame[13] = 0x40;
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p), PKT_OTHER);

	fill(&g, 6);
	len = gen_frame(DLT_RAW, &g, frame);
	frame[6] = 17;
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_OTHER);
	frame[6] = 59;		/* no next header */
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_OTHER);
	frame[0] = 0x50;	/* IP version 5 */
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_OTHER);
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, 10, &p), PKT_OTHER);
	assert_int_equal(pkt_decode(DLT_IEEE802_11, frame, len, &p),
			 PKT_OTHER);
}

static void test_ipv4_fragments(void **state)
{
	struct gen_pkt g;
	u8 frame[256];
	struct pkt p;
	size_t len;

	fill(&g, 4);
	g.frag = true;
	len = gen_frame(DLT_RAW, &g, frame);
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_FRAGMENT);
	assert_false(p.ports_known);
	/* last fragment: offset, no MF */
	frame[6] = 0x00;
	frame[7] = 0x03;
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_FRAGMENT);
	/* DF alone is no fragment */
	frame[6] = 0x40;
	frame[7] = 0x00;
	assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_TCP);
}

/* IPv6: hop-by-hop, routing, destination options; fragment header. */
static void test_ipv6_extension_headers(void **state)
{
	struct gen_pkt g;
	u8 frame[512], big[512];
	struct pkt p;
	size_t len, tcp_len;

	fill(&g, 6);
	g.dstopts = true;
	len = gen_frame(DLT_RAW, &g, frame);
	expect_tcp(DLT_RAW, frame, len, &g);

	/* hop-by-hop (8) + routing (24) + dstopts (8) + TCP */
	tcp_len = len - 48;
	memcpy(big, frame, 40);
	big[6] = 0;
	memcpy(big + 40, "\x2b\x00\x01\x04\x00\x00\x00\x00", 8);
	memset(big + 48, 0, 24);
	big[48] = 60;
	big[49] = 2;		/* (2 + 1) * 8 = 24 bytes */
	memcpy(big + 72, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(big + 80, frame + 48, tcp_len);
	put16(big + 4, 8 + 24 + 8 + tcp_len);
	assert_int_equal(pkt_decode(DLT_RAW, big, 80 + tcp_len, &p), PKT_TCP);
	assert_int_equal(p.tcp_off, 80);
	assert_int_equal(p.len, 7);
	assert_int_equal(tcp_csum_check(&p, big), 1);
	/* cut in the middle of the routing header */
	assert_int_equal(pkt_decode(DLT_RAW, big, 49, &p), PKT_TRUNCATED);
	/* an extension header longer than the packet */
	big[49] = 200;
	assert_int_equal(pkt_decode(DLT_RAW, big, 80 + tcp_len, &p),
			 PKT_MALFORMED);

	/* fragment header: first fragment (M set) */
	memcpy(big, frame, 40);
	big[6] = 44;
	memcpy(big + 40, "\x06\x00\x00\x01\x12\x34\x56\x78", 8);
	memcpy(big + 48, frame + 48, tcp_len);
	put16(big + 4, 8 + tcp_len);
	assert_int_equal(pkt_decode(DLT_RAW, big, 48 + tcp_len, &p),
			 PKT_FRAGMENT);
	/* later fragment: offset */
	big[43] = 0x08;
	assert_int_equal(pkt_decode(DLT_RAW, big, 48 + tcp_len, &p),
			 PKT_FRAGMENT);
	/* atomic fragment (RFC 6946): a whole packet */
	big[42] = big[43] = 0;
	assert_int_equal(pkt_decode(DLT_RAW, big, 48 + tcp_len, &p), PKT_TCP);
	assert_int_equal(p.len, 7);
	/* fragment of something else */
	big[40] = 17;
	big[43] = 1;
	assert_int_equal(pkt_decode(DLT_RAW, big, 48 + tcp_len, &p),
			 PKT_OTHER);
}

static void test_truncated_and_malformed(void **state)
{
	struct gen_pkt g;
	u8 frame[256], pad[256];
	struct pkt p;
	size_t len;

	fill(&g, 4);
	len = gen_frame(DLT_EN10MB, &g, frame);
	/* payload cut by the snaplen: still a segment, caplen says so */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len - 3, &p), PKT_TCP);
	assert_int_equal(p.len, 7);
	assert_int_equal(p.caplen, 4);
	assert_int_equal(tcp_csum_check(&p, frame), -1);
	/* TCP header cut after the ports */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, 14 + 20 + 10, &p),
			 PKT_TRUNCATED);
	assert_true(p.ports_known);
	assert_int_equal(p.dport, 102);
	/* before the ports */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, 14 + 20 + 2, &p),
			 PKT_TRUNCATED);
	assert_false(p.ports_known);
	/* IP header cut */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, 14 + 12, &p),
			 PKT_TRUNCATED);

	/* Ethernet padding is not payload */
	memset(pad, 0xee, sizeof(pad));
	memcpy(pad, frame, len);
	assert_int_equal(pkt_decode(DLT_EN10MB, pad, len + 20, &p), PKT_TCP);
	assert_int_equal(p.len, 7);
	assert_int_equal(p.caplen, 7);

	/* lengths that do not add up */
	frame[14] = 0x44;	/* IHL 4 */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p),
			 PKT_MALFORMED);
	frame[14] = 0x45;
	put16(frame + 14 + 2, 0);	/* total length 0 (TSO) */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p),
			 PKT_MALFORMED);
	put16(frame + 14 + 2, 20 + 10);	/* no room for a TCP header */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p),
			 PKT_MALFORMED);
	put16(frame + 14 + 2, 20 + 20 + 7);
	frame[14 + 20 + 12] = 0x40;	/* data offset 4 */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p),
			 PKT_MALFORMED);
	frame[14 + 20 + 12] = 0xf0;	/* 60 bytes: past the packet */
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p),
			 PKT_MALFORMED);
}

/* No input makes the decoder read past what was captured (ASan). */
static void test_garbage_never_overreads(void **state)
{
	static const int dlts[] = {
		DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
		DLT_IPV6, DLT_NULL, DLT_LOOP,
	};
	u64 seed = 0x9e3779b97f4a7c15ULL;
	unsigned int i, d, n;

	for (i = 0; i < 3000; i++) {
		struct gen_pkt g;
		u8 frame[256];
		size_t len;

		fill(&g, i & 1 ? 6 : 4);
		g.dstopts = i & 2;
		d = i % ARRAY_SIZE(dlts);
		len = gen_frame(dlts[d], &g, frame);
		/* flip a few bytes of the headers */
		for (n = 0; n < 3; n++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			frame[seed % len] = seed >> 32;
		}
		for (n = 0; n <= len; n++) {
			u8 *copy = malloc(n ? n : 1);
			struct pkt p;

			memcpy(copy, frame, n);
			if (pkt_decode(dlts[d], copy, n, &p) == PKT_TCP) {
				assert_true(p.data_off + p.caplen <= n);
				assert_true(p.caplen <= p.len);
				tcp_csum_check(&p, copy);
			}
			free(copy);
		}
	}
}

/* Checksum of the TCP segment of @frame as it would be if right. */
static u16 right_csum(const struct pkt *p, const u8 *frame, size_t len)
{
	u8 t[256];

	memcpy(t, frame + p->tcp_off, len - p->tcp_off);
	t[16] = t[17] = 0;
	return gen_tcp_csum(p->family, p->saddr, p->daddr, t,
			    len - p->tcp_off);
}

/* How far a stored checksum is from the right one, in one's complement. */
static u32 csum_error(u16 stored, u16 right)
{
	return ((u32)stored + 0xffff - right) % 0xffff;
}

/*
 * The RFC 1624 update agrees with a full recompute for every position
 * (odd, even) and value, and a wrong checksum stays exactly as wrong.
 */
static void test_incremental_checksum(void **state)
{
	u64 seed = 12345;
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		u8 frame[256], data[64];
		unsigned int k, at;
		struct gen_pkt g;
		u16 before, after;
		struct pkt p;
		u32 err;
		size_t len;
		u8 old, new;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		fill(&g, i & 1 ? 6 : 4);
		g.len = 1 + (seed >> 58);
		for (k = 0; k < g.len; k++)
			data[k] = seed >> (k % 56);
		g.data = data;
		g.zero_csum = !(i % 3);
		len = gen_frame(DLT_RAW, &g, frame);
		assert_int_equal(pkt_decode(DLT_RAW, frame, len, &p), PKT_TCP);
		at = p.data_off + (seed >> 20) % g.len;
		old = frame[at];
		new = i % 7 ? (u8)(seed >> 40) : old ^ 0xff;
		before = frame[p.tcp_off + 16] << 8 | frame[p.tcp_off + 17];
		err = csum_error(before, right_csum(&p, frame, len));

		frame[at] = new;
		tcp_csum_replace_byte(frame + p.tcp_off + 16,
				      (at - p.tcp_off) & 1, old, new);
		after = frame[p.tcp_off + 16] << 8 | frame[p.tcp_off + 17];
		assert_int_equal(csum_error(after, right_csum(&p, frame, len)),
				 err);
		assert_int_equal(tcp_csum_check(&p, frame), !g.zero_csum);
	}
}

static void test_csum_set_and_check(void **state)
{
	struct gen_pkt g;
	u8 frame[256];
	struct pkt p;
	size_t len;

	fill(&g, 6);
	g.bad_csum = true;
	len = gen_frame(DLT_EN10MB, &g, frame);
	assert_int_equal(pkt_decode(DLT_EN10MB, frame, len, &p), PKT_TCP);
	assert_int_equal(tcp_csum_check(&p, frame), 0);
	tcp_csum_set(&p, frame);
	assert_int_equal(tcp_csum_check(&p, frame), 1);
}

/* ---- files ------------------------------------------------------------- */

static char *open_err(const char *path, int *rc)
{
	struct pcap_in in;
	struct capture c;
	char *out, *err;

	capture_begin(&c);
	*rc = pcap_in_open(&in, path);
	if (!*rc)
		pcap_in_close(&in);
	capture_end(&c, &out, &err);
	free(out);
	return err;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void test_open_errors(void **state)
{
	char path[256], want[512], *err;
	struct gen_file f;
	int rc;

	err = open_err("/nonexistent/x.pcap", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "tpktctl: /nonexistent/x.pcap: No such file "
			    "or directory\n");
	free(err);

	tmp_path(path, sizeof(path), "garbage.pcap");
	write_bytes(path, "this is not a capture file at all\n", 34);
	err = open_err(path, &rc);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "tpktctl: %s: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "format"));
	free(err);

	write_bytes(path, "ab", 2);
	err = open_err(path, &rc);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "tpktctl: %s: not a pcap or pcapng file "
		 "(too short)\n", path);
	assert_string_equal(err, want);
	free(err);

	/* a link type tpktctl cannot decode */
	gen_open(&f, path, DLT_IEEE802_11, 65535);
	gen_close(&f);
	err = open_err(path, &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "link type 105 (IEEE802_11) is not "
			       "supported"));
	free(err);
}

static void test_truncated_file(void **state)
{
	char path[256], *out, *err;
	struct pcap_pkthdr *h;
	struct gen_file f;
	struct gen_pkt g;
	struct pcap_in in;
	struct capture c;
	const u8 *d;
	size_t len;
	u8 *b;
	int rc;

	tmp_path(path, sizeof(path), "cut.pcap");
	gen_open(&f, path, DLT_EN10MB, 65535);
	fill(&g, 4);
	gen_write(&f, &g);
	gen_write(&f, &g);
	gen_close(&f);
	b = read_file(path, &len);
	write_bytes(path, b, len - 10);
	free(b);

	assert_int_equal(pcap_in_open(&in, path), 0);
	assert_int_equal(pcap_in_next(&in, &h, &d), 1);
	assert_int_equal(in.frame, 1);
	capture_begin(&c);
	rc = pcap_in_next(&in, &h, &d);
	capture_end(&c, &out, &err);
	pcap_in_close(&in);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "frame 2: truncated"));
	free(out);
	free(err);
}

/* Copying a file through pcap_in/pcap_out gives the same bytes. */
static void copy_file(const char *from, const char *to)
{
	struct pcap_pkthdr *h;
	struct pcap_out out;
	struct pcap_in in;
	const u8 *d;
	int rc;

	assert_int_equal(pcap_in_open(&in, from), 0);
	assert_int_equal(pcap_out_open(&out, &in, to), 0);
	while ((rc = pcap_in_next(&in, &h, &d)) == 1)
		assert_int_equal(pcap_out_write(&out, h, d), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(pcap_out_close(&out), 0);
	pcap_in_close(&in);
}

static void assert_same_file(const char *a, const char *b)
{
	size_t la, lb;
	u8 *ba = read_file(a, &la), *bb = read_file(b, &lb);

	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

static void test_round_trip(void **state)
{
	char in[256], out[256];
	struct gen_file f;
	struct gen_pkt g;
	pcap_t *dead;
	pcap_dumper_t *dd;
	struct pcap_pkthdr h = { 0 };
	u8 frame[256];

	/* microseconds, snaplen 200, one packet cut short */
	tmp_path(in, sizeof(in), "us.pcap");
	tmp_path(out, sizeof(out), "us-out.pcap");
	gen_open(&f, in, DLT_LINUX_SLL2, 200);
	fill(&g, 6);
	gen_write(&f, &g);
	gen_close(&f);
	copy_file(in, out);
	assert_same_file(in, out);

	/* nanoseconds are kept */
	tmp_path(in, sizeof(in), "ns.pcap");
	tmp_path(out, sizeof(out), "ns-out.pcap");
	dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
						    PCAP_TSTAMP_PRECISION_NANO);
	dd = pcap_dump_open(dead, in);
	fill(&g, 4);
	h.len = h.caplen = gen_frame(DLT_RAW, &g, frame);
	h.ts.tv_sec = 1;
	h.ts.tv_usec = 123456789;	/* nanoseconds here */
	pcap_dump((u_char *)dd, &h, frame);
	pcap_dump_close(dd);
	pcap_close(dead);
	copy_file(in, out);
	assert_same_file(in, out);
}

static void test_write_errors(void **state)
{
	struct pcap_pkthdr h = { .caplen = 4, .len = 4 };
	struct pcap_out out;
	struct pcap_in in;
	struct capture c;
	struct gen_file f;
	char path[256], *o, *err;
	int rc = 0, i;

	tmp_path(path, sizeof(path), "empty.pcap");
	gen_open(&f, path, DLT_EN10MB, 65535);
	gen_close(&f);
	assert_int_equal(pcap_in_open(&in, path), 0);

	capture_begin(&c);
	rc = pcap_out_open(&out, &in, "/nonexistent/out.pcap");
	capture_end(&c, &o, &err);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "/nonexistent/out.pcap"));
	free(o);
	free(err);
	assert_int_equal(pcap_out_close(&out), 0);

	/* a full disk shows at the latest when the file is closed */
	assert_int_equal(pcap_out_open(&out, &in, "/dev/full"), 0);
	capture_begin(&c);
	for (i = 0; i < 10000 && !rc; i++)
		rc = pcap_out_write(&out, &h, (const u8 *)"abcd");
	rc |= pcap_out_close(&out);
	capture_end(&c, &o, &err);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "/dev/full: write error"));
	free(o);
	free(err);
	pcap_in_close(&in);
}

/* ---- the mapped reader against libpcap --------------------------------- */

/* A classic pcap file built byte by byte, in either byte order. */
struct raw {
	u8 *b;
	size_t len, cap;
	bool be;
};

static void raw_bytes(struct raw *r, const void *b, size_t n)
{
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2;
		r->b = realloc(r->b, r->cap);
		assert_non_null(r->b);
	}
	memcpy(r->b + r->len, b, n);
	r->len += n;
}

static void raw32(struct raw *r, u32 v)
{
	u8 b[4];

	if (r->be)
		put32(b, v);
	else {
		b[0] = v;
		b[1] = v >> 8;
		b[2] = v >> 16;
		b[3] = v >> 24;
	}
	raw_bytes(r, b, 4);
}

static void raw16(struct raw *r, u16 v)
{
	u8 b[2];

	if (r->be)
		put16(b, v);
	else {
		b[0] = v;
		b[1] = v >> 8;
	}
	raw_bytes(r, b, 2);
}

static void raw_open(struct raw *r, bool be, bool nano, u16 minor,
		     u32 snaplen, u32 linktype)
{
	memset(r, 0, sizeof(*r));
	r->be = be;
	raw32(r, nano ? 0xa1b23c4dU : 0xa1b2c3d4U);
	raw16(r, 2);
	raw16(r, minor);
	raw32(r, 0);
	raw32(r, 0);
	raw32(r, snaplen);
	raw32(r, linktype);
}

/* A record of @caplen bytes of which @have are written (a pattern). */
static void raw_rec(struct raw *r, u32 sec, u32 sub, u32 caplen, u32 len,
		    u32 have)
{
	u32 i;

	raw32(r, sec);
	raw32(r, sub);
	raw32(r, caplen);
	raw32(r, len);
	for (i = 0; i < have; i++) {
		u8 c = i * 7 + caplen;

		raw_bytes(r, &c, 1);
	}
}

static void log_pkt(FILE *log, const struct pcap_pkthdr *h, const u8 *d)
{
	u32 i, sum = 0;

	for (i = 0; i < h->caplen; i++)
		sum = sum * 31 + d[i];
	fprintf(log, "1 %lld.%lld %u %u %08x\n", (long long)h->ts.tv_sec,
		(long long)h->ts.tv_usec, h->caplen, h->len, sum);
}

/*
 * What libpcap makes of @path, read on after errors as a caller could,
 * with the errors as pcap_in_next() words them.
 */
static char *walk_libpcap(const char *path, unsigned int precision)
{
	char errbuf[PCAP_ERRBUF_SIZE], *s = NULL;
	unsigned long frame = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;
	FILE *log = open_memstream(&s, &n);
	pcap_t *p;
	int i, rc;

	p = pcap_open_offline_with_tstamp_precision(path, precision, errbuf);
	if (!p) {
		fprintf(log, "open: tpktctl: %s: %s\n", path, errbuf);
		fclose(log);
		return s;
	}
	for (i = 0; i < 40; i++) {
		rc = pcap_next_ex(p, &h, &d);
		if (rc == 1) {
			frame++;
			log_pkt(log, h, d);
		} else if (rc == PCAP_ERROR_BREAK) {
			fprintf(log, "0\n");
			break;
		} else {
			fprintf(log, "-1 tpktctl: %s: frame %lu: %s\n", path,
				frame + 1, pcap_geterr(p));
		}
	}
	pcap_close(p);
	fclose(log);
	return s;
}

/* The same through pcap_in; *@precision is the one it chose. */
static char *walk_pcap_in(const char *path, bool want_mapped,
			  unsigned int *precision)
{
	struct pcap_pkthdr *h;
	struct pcap_in in;
	struct capture c;
	char *s = NULL, *out, *err;
	const u8 *d;
	size_t n = 0;
	FILE *log = open_memstream(&s, &n);
	int i, rc;

	capture_begin(&c);
	rc = pcap_in_open(&in, path);
	capture_end(&c, &out, &err);
	free(out);
	*precision = PCAP_TSTAMP_PRECISION_MICRO;
	if (rc) {
		fprintf(log, "open: %s", err);
		free(err);
		fclose(log);
		return s;
	}
	free(err);
	*precision = in.precision;
	assert_int_equal(in.mapped, want_mapped);
	assert_false(pcap_in_live(&in));
	for (i = 0; i < 40; i++) {
		capture_begin(&c);
		rc = pcap_in_next(&in, &h, &d);
		capture_end(&c, &out, &err);
		if (rc == 1) {
			log_pkt(log, h, d);
			assert_int_equal(*err, '\0');
		} else if (rc == 0) {
			fprintf(log, "0\n");
		} else {
			assert_int_equal(rc, -1);
			fprintf(log, "-1 %s", err);
		}
		free(out);
		free(err);
		if (!rc)
			break;
	}
	pcap_in_close(&in);
	fclose(log);
	return s;
}

/* @r written to @path and read both ways: the same, line by line. */
static void same_as_libpcap(const char *path, const struct raw *r,
			    size_t len, bool mapped)
{
	unsigned int prec;
	char *ours, *theirs;

	write_bytes(path, r->b, len);
	ours = walk_pcap_in(path, mapped && len >= 24, &prec);
	theirs = walk_libpcap(path, prec);
	if (!strncmp(theirs, "open: ", 6)) {
		/* both fail to open; too short for libpcap to say why */
		assert_memory_equal(ours, "open: ", 6);
		if (len >= 4)
			assert_string_equal(ours, theirs);
	} else {
		assert_string_equal(ours, theirs);
	}
	free(ours);
	free(theirs);
}

/*
 * Files in both byte orders, micro- and nanoseconds, timestamps with the
 * top bit set, odd snaplens, caplens above the snaplen and above libpcap's
 * maximum: every one read by the mapped walk as by libpcap, whole and cut
 * short at every byte.
 */
static void test_mapped_same_as_libpcap(void **state)
{
	static const u32 snaplens[] = { 65535, 100, 0, 300000, 262144, 1 };
	char path[256];
	struct raw r;
	unsigned int o, nano, i;
	size_t cut;

	tmp_path(path, sizeof(path), "walk.pcap");
	for (o = 0; o < 2; o++) {
		for (nano = 0; nano < 2; nano++) {
			for (i = 0; i < ARRAY_SIZE(snaplens); i++) {
				u32 sn = snaplens[i];

				raw_open(&r, o, nano, 4, sn, DLT_EN10MB);
				raw_rec(&r, 1, nano ? 999999999 : 999999, 60,
					60, 60);
				raw_rec(&r, 0x80000001U, 0xfffffff0U, 0, 0, 0);
				raw_rec(&r, 2, 3, 101, 1514, 101);
				raw_rec(&r, 4, 5, 300, 60, 300);
				raw_rec(&r, 6, 7, 150, 150, 150);
				same_as_libpcap(path, &r, r.len, true);
				/* cut at every byte (two snaplens: time) */
				for (cut = 0; i < 2 && cut < r.len; cut++)
					same_as_libpcap(path, &r, cut, true);
				free(r.b);

				/* the biggest caplen libpcap takes, and more */
				raw_open(&r, o, nano, 4, sn, DLT_RAW);
				raw_rec(&r, 1, 2, 262144, 262144, 262144);
				raw_rec(&r, 1, 2, 262145, 262145, 40);
				raw_rec(&r, 1, 2, 20, 20, 20);
				raw_rec(&r, 1, 2, 0xffffffffU, 20, 20);
				raw_rec(&r, 1, 2, 20, 20, 20);
				same_as_libpcap(path, &r, r.len, true);
				same_as_libpcap(path, &r, 24 + 16 + 1000, true);
				same_as_libpcap(path, &r, 24 + 16 + 262144 + 7,
						true);
				free(r.b);
			}
		}
	}

	/* left to libpcap: version 2.3, swapped Linux cooked */
	raw_open(&r, 1, 0, 3, 65535, DLT_EN10MB);
	raw_rec(&r, 1, 2, 60, 50, 60);	/* caplen > len: swapped */
	raw_rec(&r, 1, 2, 50, 60, 50);
	same_as_libpcap(path, &r, r.len, false);
	free(r.b);
	raw_open(&r, __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__, 0, 4, 65535,
		 DLT_LINUX_SLL);
	raw_rec(&r, 1, 2, 60, 60, 60);
	same_as_libpcap(path, &r, r.len, false);
	free(r.b);

	/* a header and no packet */
	raw_open(&r, 0, 1, 4, 65535, DLT_EN10MB);
	same_as_libpcap(path, &r, r.len, true);
	free(r.b);
}

/* The filter compiles for the file's link type, mapped or not. */
static void test_compile(void **state)
{
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	char path[256];
	struct pcap_in in;
	struct gen_pkt g;
	struct gen_file f;
	const u8 *d;

	tmp_path(path, sizeof(path), "filter.pcap");
	gen_open(&f, path, DLT_LINUX_SLL2, 65535);
	fill(&g, 4);
	gen_write(&f, &g);
	gen_close(&f);
	assert_int_equal(pcap_in_open(&in, path), 0);
	assert_true(in.mapped);
	assert_int_equal(pcap_in_compile(&in, &prog, "tcp port 102"), 0);
	assert_int_equal(pcap_in_next(&in, &h, &d), 1);
	assert_true(pcap_offline_filter(&prog, h, d));
	pcap_freecode(&prog);
	assert_int_equal(pcap_in_compile(&in, &prog, "tcp port"), -1);
	assert_non_null(strstr(pcap_in_geterr(&in), "syntax error"));
	pcap_in_close(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_link_type),
		cmocka_unit_test(test_loopback_families),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_truncated_and_malformed),
		cmocka_unit_test(test_garbage_never_overreads),
		cmocka_unit_test(test_incremental_checksum),
		cmocka_unit_test(test_csum_set_and_check),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_mapped_same_as_libpcap),
		cmocka_unit_test(test_compile),
	};
	int rc = cmocka_run_group_tests_name("pcap_io", tests, NULL, NULL);

	tmp_dir_remove();
	return rc;
}
