// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * IP reassembly (userspace/defrag.c): IPv4 and IPv6 in order, reversed,
 * interleaved, duplicates, overlaps, Linux's last-fragment and 8-byte
 * rules, timeout, the pending and byte limits, truncated and too big
 * fragments, ECN, and edits written back into the original fragments
 * with a checksum that a second reassembly finds right.
 *
 * DEFRAG_BREAK=<test name> turns one expectation of that test wrong, to
 * show it can fail (tests/userspace/test_defrag.c's own check).
 */
#include "helpers.h"
#include "pcap_io.h"
#include "defrag.h"

/* The test running, for the helpers it calls. */
static const char *cur_test;

static bool broken(const char *fn)
{
	const char *b = getenv("DEFRAG_BREAK");

	return b && (!strcmp(b, fn) || (cur_test && !strcmp(b, cur_test)));
}

/* @v, or one more in the test DEFRAG_BREAK names. */
#define BRK(v)	((v) + broken(__func__))

static int set_test(void **state)
{
	cur_test = NULL;
	return 0;
}

/* A whole TCP/IP packet with @len payload bytes of a pattern; DLT_RAW. */
static size_t whole(int family, u32 len, u8 *ip, u8 *payload)
{
	struct gen_pkt g = { .family = family };
	u32 i;

	for (i = 0; i < len; i++)
		payload[i] = (u8)(i * 7 + 3);
	if (family == 4) {
		memcpy(g.src, "\x0a\x00\x00\x01", 4);
		memcpy(g.dst, "\x0a\x00\x00\x02", 4);
	} else {
		memcpy(g.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(g.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	}
	g.sport = 102;
	g.dport = 49152;
	g.seq = 1000;
	g.ack = 2000;
	g.flags = 0x18;
	g.data = payload;
	g.len = len;
	return gen_frame(DLT_RAW, &g, ip);
}

struct fr {
	u8 frame[70000];
	size_t len;
	int dlt;
};

static struct fr *frag(int dlt, const u8 *ip, size_t iplen, size_t unfrag,
		       u32 start, u32 end, bool more, u32 id)
{
	struct fr *f = malloc(sizeof(*f));

	assert_non_null(f);
	f->dlt = dlt;
	f->len = gen_fragment(dlt, ip, iplen, unfrag, start, end, more, id,
			      f->frame);
	return f;
}

static long now_sec = 1000;

/* Feed @f (caplen @cut bytes short) at @now_sec. */
static int feed_cut(struct defrag *d, struct fr *f, size_t cut,
		    struct defrag_dgram **out)
{
	struct pcap_pkthdr h = { .ts = { .tv_sec = now_sec } };
	struct pkt p;

	h.len = f->len;
	h.caplen = f->len - cut;
	assert_int_equal(pkt_decode(f->dlt, f->frame, h.caplen, &p),
			 PKT_FRAGMENT);
	return defrag_feed(d, &h, f->frame, &p, out);
}

static int feed(struct defrag *d, struct fr *f, struct defrag_dgram **out)
{
	return feed_cut(d, f, 0, out);
}

/* The datagram is @ip again, and decodes to its TCP payload. */
static void expect_whole(const struct defrag_dgram *g, const u8 *ip,
			 size_t iplen, const u8 *payload, u32 len)
{
	u8 want[2048];

	assert_non_null(g);
	assert_int_equal(g->len, iplen);
	memcpy(want, ip, iplen);
	if (ip[0] >> 4 == 4) {
		/* the fragments' identification (the test's), kept */
		memcpy(want + 4, g->buf + 4, 2);
		gen_ip4_csum(want);
	}
	assert_memory_equal(g->buf, want, iplen);
	assert_int_equal(g->kind, PKT_TCP);
	assert_int_equal(g->p.len, len);
	assert_int_equal(g->p.sport, 102);
	assert_memory_equal(g->buf + g->p.data_off, payload, len);
	assert_int_equal(tcp_csum_check(&g->p, g->buf), 1);
}

static void test_decode_fields(void **state)
{
	u8 ip[512], pl[256];
	size_t n = whole(4, 100, ip, pl);
	struct fr *f = frag(DLT_EN10MB, ip, n, 0, 48, 96, true, 0xbeef);
	struct pkt p;

	assert_int_equal(pkt_decode(DLT_EN10MB, f->frame, f->len, &p),
			 PKT_FRAGMENT);
	assert_int_equal(p.ip_off, 14);
	assert_int_equal(p.frag_id, BRK(0xbeef));
	assert_int_equal(p.frag_offset, 48);
	assert_true(p.frag_more);
	assert_true(p.frag_df);
	assert_int_equal(p.frag_proto, 6);
	assert_int_equal(p.frag_data_off, 14 + 20);
	assert_int_equal(p.frag_len, 48);
	assert_int_equal(p.frag_unfrag_len, 20);
	assert_memory_equal(f->frame + p.frag_data_off, ip + 20 + 48, 48);
	free(f);

	/* IPv6 with a hop-by-hop header in front of the fragment header */
	n = whole(6, 100, ip, pl);
	memmove(ip + 48, ip + 40, n - 40);
	memcpy(ip + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
	ip[6] = 0;
	put16(ip + 4, (ip[4] << 8 | ip[5]) + 8);
	n += 8;
	f = frag(DLT_LINUX_SLL, ip, n, 48, 16, 120, false, 0x12345678);
	assert_int_equal(pkt_decode(DLT_LINUX_SLL, f->frame, f->len, &p),
			 PKT_FRAGMENT);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.ip_off, 16);
	assert_int_equal(p.frag_id, 0x12345678);
	assert_int_equal(p.frag_offset, 16);
	assert_false(p.frag_more);
	assert_int_equal(p.frag_proto, 6);
	assert_int_equal(p.frag_unfrag_len, 48);
	assert_int_equal(p.frag_nh_off, 16 + 40);
	assert_int_equal(f->frame[p.frag_nh_off], 44);
	assert_int_equal(p.frag_data_off, 16 + 48 + 8);
	assert_int_equal(p.frag_len, 104);
	/* a UDP fragment stays PKT_OTHER */
	f->frame[16 + 48] = 17;
	assert_int_equal(pkt_decode(DLT_LINUX_SLL, f->frame, f->len, &p),
			 PKT_OTHER);
	free(f);
}

/* Fragments [0,48) [48,96) [96,120) in @order; all link types. */
static void three(int family, int dlt, const int *order)
{
	u8 ip[512], pl[256];
	size_t n = whole(family, 100, ip, pl);
	static const u32 cut[] = { 0, 48, 96, 120 };
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g = NULL;
	struct fr *f[3];
	int i, k;

	for (i = 0; i < 3; i++)
		f[i] = frag(dlt, ip, n, 0, cut[i], cut[i + 1], i < 2, 77);
	for (i = 0; i < 3; i++) {
		k = order[i];
		assert_int_equal(feed(d, f[k], &g),
				 i < 2 ? DEFRAG_HELD : DEFRAG_DONE);
	}
	expect_whole(g, ip, n, pl, 100);
	assert_int_equal(g->family, family);
	assert_int_equal(g->n_frags, BRK(3));
	for (i = 0; i < 3; i++) {
		const struct defrag_frag *fr = &g->frags[i];

		k = order[i];
		/* arrival order, the frames as they came */
		assert_int_equal(fr->start, cut[k]);
		assert_int_equal(fr->end, cut[k + 1]);
		assert_false(fr->dup);
		assert_int_equal(fr->hdr.caplen, f[k]->len);
		assert_memory_equal(fr->frame, f[k]->frame, f[k]->len);
		assert_memory_equal(fr->frame + fr->data_off,
				    g->buf + g->l4_base + fr->start,
				    fr->end - fr->start);
	}
	assert_int_equal(defrag_counters(d)->fragments, 3);
	assert_int_equal(defrag_counters(d)->reassembled, 1);
	assert_int_equal(defrag_pending(d), 0);
	assert_int_equal(defrag_bytes(d), 0);
	defrag_dgram_free(g);
	defrag_free(d);
	for (i = 0; i < 3; i++)
		free(f[i]);
}

static void test_in_order(void **state)
{
	static const int o[] = { 0, 1, 2 };

	cur_test = __func__;
	three(4, DLT_RAW, o);
	three(4, DLT_EN10MB, o);
	three(6, DLT_RAW, o);
	three(6, DLT_LINUX_SLL2, o);
}

static void test_reversed_and_mixed(void **state)
{
	static const int r[] = { 2, 1, 0 }, m[] = { 1, 2, 0 };

	cur_test = __func__;
	three(4, DLT_RAW, r);
	three(6, DLT_EN10MB, r);
	three(4, DLT_NULL, m);
	three(6, DLT_RAW, m);
}

/* Two datagrams, same addresses, other ids, fragments interleaved. */
static void interleaved(int family)
{
	u8 ip[2][512], pl[2][256];
	size_t n[2] = { whole(family, 100, ip[0], pl[0]),
			whole(family, 60, ip[1], pl[1]) };
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g;
	struct fr *a0 = frag(DLT_RAW, ip[0], n[0], 0, 0, 64, true, 1);
	struct fr *a1 = frag(DLT_RAW, ip[0], n[0], 0, 64, 120, false, 1);
	struct fr *b0 = frag(DLT_RAW, ip[1], n[1], 0, 0, 40, true, 2);
	struct fr *b1 = frag(DLT_RAW, ip[1], n[1], 0, 40, 80, false, 2);

	assert_int_equal(feed(d, a0, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, b1, &g), DEFRAG_HELD);
	assert_int_equal(defrag_pending(d), BRK(2));
	assert_int_equal(feed(d, b0, &g), DEFRAG_DONE);
	expect_whole(g, ip[1], n[1], pl[1], 60);
	defrag_dgram_free(g);
	assert_int_equal(feed(d, a1, &g), DEFRAG_DONE);
	expect_whole(g, ip[0], n[0], pl[0], 100);
	defrag_dgram_free(g);
	defrag_free(d);
	free(a0);
	free(a1);
	free(b0);
	free(b1);
}

static void test_interleaved(void **state)
{
	cur_test = __func__;
	interleaved(4);
	interleaved(6);
}

/* Many fragments: 1400 payload bytes in 8-byte ones, shuffled. */
static void test_many_fragments(void **state)
{
	u8 ip[2048], pl[2048];
	size_t n = whole(6, 1400, ip, pl);
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g = NULL;
	u32 nf = 1420 / 8 + 1, i, k;
	int rc = 0;

	for (i = 0; i < nf; i++) {
		/* a permutation: 37 is prime to 178 */
		u32 s;
		struct fr *f;

		k = (i * 37) % nf;
		s = k * 8;
		f = frag(DLT_RAW, ip, n, 0, s, s + 8 < 1420 ? s + 8 : 1420,
			 s + 8 < 1420, 9);
		rc = feed(d, f, &g);
		assert_int_equal(rc, i + 1 < nf ? DEFRAG_HELD : DEFRAG_DONE);
		free(f);
	}
	expect_whole(g, ip, n, pl, 1400);
	assert_int_equal(g->n_frags, BRK(nf));
	defrag_dgram_free(g);
	defrag_free(d);
}

static void duplicates(int family)
{
	u8 ip[512], pl[256];
	size_t n = whole(family, 100, ip, pl);
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g;
	struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 64, true, 5);
	struct fr *in = frag(DLT_RAW, ip, n, 0, 8, 32, true, 5);
	struct fr *b = frag(DLT_RAW, ip, n, 0, 64, 120, false, 5);

	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	/* exact duplicate, and one inside the run: both ignored */
	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, in, &g), DEFRAG_HELD);
	assert_int_equal(defrag_counters(d)->duplicates, BRK(2));
	assert_int_equal(feed(d, b, &g), DEFRAG_DONE);
	expect_whole(g, ip, n, pl, 100);
	assert_int_equal(g->n_frags, 4);
	assert_false(g->frags[0].dup);
	assert_true(g->frags[1].dup);
	assert_true(g->frags[2].dup);
	assert_false(g->frags[3].dup);
	assert_int_equal(g->frags[2].start, 8);
	defrag_dgram_free(g);
	/* the datagram is gone: the same fragment starts a new one */
	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	assert_int_equal(defrag_pending(d), 1);
	defrag_free(d);
	free(a);
	free(in);
	free(b);
}

static void test_duplicates(void **state)
{
	cur_test = __func__;
	duplicates(4);
	duplicates(6);
}

static void overlaps(int family)
{
	struct defrag_limits lim = { .keep_dropped = true };
	u8 ip[512], pl[256];
	size_t n = whole(family, 100, ip, pl);
	struct defrag *d = defrag_new(&lim);
	struct defrag_dgram *g;
	struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 48, true, 5);
	struct fr *o = frag(DLT_RAW, ip, n, 0, 40, 96, true, 5);
	struct fr *b = frag(DLT_RAW, ip, n, 0, 48, 120, false, 5);
	struct fr *m = frag(DLT_RAW, ip, n, 0, 16, 64, true, 5);

	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, o, &g), DEFRAG_DROPPED);
	assert_int_equal(defrag_last_reason(d), DEFRAG_R_OVERLAP);
	assert_string_equal(defrag_reason_name(DEFRAG_R_OVERLAP), "overlap");
	assert_int_equal(defrag_counters(d)->overlaps, BRK(1));
	assert_int_equal(defrag_pending(d), 0);
	/* what was held comes back, to be written as it was */
	g = defrag_take_dropped(d);
	assert_non_null(g);
	assert_int_equal(g->reason, DEFRAG_R_OVERLAP);
	assert_null(g->buf);
	assert_int_equal(g->n_frags, 1);
	assert_memory_equal(g->frags[0].frame, a->frame, a->len);
	assert_int_equal(defrag_apply_edit(g, 20, 0), -1);
	defrag_dgram_free(g);
	assert_null(defrag_take_dropped(d));

	/* overlap below the tail (binary search side) */
	assert_int_equal(feed(d, b, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, m, &g), DEFRAG_DROPPED);
	assert_int_equal(defrag_counters(d)->overlaps, 2);
	g = defrag_take_dropped(d);
	assert_non_null(g);
	assert_int_equal(g->n_frags, 1);
	defrag_dgram_free(g);
	defrag_free(d);
	free(a);
	free(o);
	free(b);
	free(m);
}

static void test_overlap_discards(void **state)
{
	cur_test = __func__;
	overlaps(4);
	overlaps(6);
}

/*
 * A second last fragment with another end, or data past the end: IPv4
 * discards the datagram, IPv6 (nf_conntrack_reasm.c) the fragment.
 */
static void test_last_fragment_rules(void **state)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		u8 ip[512], pl[256], ip2[512], pl2[256];
		size_t n = whole(fam, 100, ip, pl);
		size_t n2 = whole(fam, 120, ip2, pl2);
		struct defrag *d = defrag_new(NULL);
		struct defrag_dgram *g;
		struct fr *last = frag(DLT_RAW, ip, n, 0, 64, 120, false, 3);
		struct fr *early = frag(DLT_RAW, ip, n, 0, 64, 112, false, 3);
		struct fr *past = frag(DLT_RAW, ip2, n2, 0, 120, 128, true, 3);
		struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 64, true, 3);

		assert_int_equal(feed(d, last, &g), DEFRAG_HELD);
		assert_int_equal(feed(d, early, &g), DEFRAG_DROPPED);
		assert_int_equal(defrag_last_reason(d), DEFRAG_R_MALFORMED);
		assert_int_equal(defrag_pending(d), fam == 4 ? 0 : BRK(1));
		if (fam == 4)
			assert_int_equal(feed(d, last, &g), DEFRAG_HELD);
		assert_int_equal(feed(d, past, &g), DEFRAG_DROPPED);
		assert_int_equal(defrag_pending(d), fam == 4 ? 0 : 1);
		if (fam == 4)
			assert_int_equal(feed(d, last, &g), DEFRAG_HELD);
		assert_int_equal(feed(d, a, &g), DEFRAG_DONE);
		expect_whole(g, ip, n, pl, 100);
		defrag_dgram_free(g);
		assert_int_equal(defrag_counters(d)->malformed, 2);
		defrag_free(d);
		free(last);
		free(early);
		free(past);
		free(a);
	}
}

/* Non-last not a multiple of 8: IPv4 cuts it down, IPv6 gives up. */
static void test_eight_byte_rule(void **state)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		u8 ip[512], pl[256];
		size_t n = whole(fam, 100, ip, pl);
		struct defrag *d = defrag_new(NULL);
		struct defrag_dgram *g;
		struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 52, true, 3);
		struct fr *b = frag(DLT_RAW, ip, n, 0, 48, 120, false, 3);
		struct fr *tiny = frag(DLT_RAW, ip, n, 0, 0, 5, true, 4);

		assert_int_equal(feed(d, a, &g),
				 fam == 4 ? DEFRAG_HELD : DEFRAG_DROPPED);
		if (fam == 4) {
			assert_int_equal(feed(d, b, &g), DEFRAG_DONE);
			expect_whole(g, ip, n, pl, 100);
			assert_int_equal(g->frags[0].end, BRK(48));
			defrag_dgram_free(g);
			/* nothing left once cut: the datagram goes */
			assert_int_equal(feed(d, tiny, &g), DEFRAG_DROPPED);
		} else {
			assert_int_equal(defrag_pending(d), 0);
			assert_int_equal(feed(d, tiny, &g), DEFRAG_DROPPED);
		}
		assert_int_equal(defrag_counters(d)->malformed, fam == 4 ?
				 1 : 2);
		defrag_free(d);
		free(a);
		free(b);
		free(tiny);
	}
}

static void test_timeout(void **state)
{
	struct defrag_limits lim = { .keep_dropped = true };
	u8 ip[512], pl[256];
	size_t n = whole(4, 100, ip, pl);
	struct defrag *d = defrag_new(&lim);
	struct defrag_dgram *g;
	struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 64, true, 1);
	struct fr *b = frag(DLT_RAW, ip, n, 0, 64, 120, false, 1);
	struct fr *x = frag(DLT_RAW, ip, n, 0, 0, 64, true, 2);
	struct timeval t = { .tv_sec = 1000 + 29, .tv_usec = 999999 };

	now_sec = 1000;
	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	now_sec = 1010;
	assert_int_equal(feed(d, x, &g), DEFRAG_HELD);
	defrag_expire(d, &t);
	assert_int_equal(defrag_pending(d), 2);
	t.tv_usec = 0;
	t.tv_sec = 1030;
	defrag_expire(d, &t);
	assert_int_equal(defrag_counters(d)->timeouts, BRK(1));
	assert_int_equal(defrag_pending(d), 1);
	g = defrag_take_dropped(d);
	assert_non_null(g);
	assert_int_equal(g->reason, DEFRAG_R_TIMEOUT);
	assert_memory_equal(g->frags[0].frame, a->frame, a->len);
	defrag_dgram_free(g);
	/* too late: a new datagram that never completes */
	now_sec = 1031;
	assert_int_equal(feed(d, b, &g), DEFRAG_HELD);
	/* feeding expires too: the id 2 one is 30 s old at 1040 */
	now_sec = 1040;
	assert_int_equal(feed(d, a, &g), DEFRAG_DONE);
	defrag_dgram_free(g);
	assert_int_equal(defrag_counters(d)->timeouts, 2);
	defrag_dgram_free(defrag_take_dropped(d));
	/* at the end of the capture */
	assert_int_equal(feed(d, x, &g), DEFRAG_HELD);
	defrag_flush(d);
	assert_int_equal(defrag_counters(d)->flushed, 1);
	assert_int_equal(defrag_pending(d), 0);
	g = defrag_take_dropped(d);
	assert_int_equal(g->reason, DEFRAG_R_FLUSHED);
	defrag_dgram_free(g);
	defrag_free(d);
	now_sec = 1000;
	free(a);
	free(b);
	free(x);
}

static void test_pending_limit(void **state)
{
	struct defrag_limits lim = { .max_pending = 2 };
	u8 ip[512], pl[256];
	size_t n = whole(6, 100, ip, pl);
	struct defrag *d = defrag_new(&lim);
	struct defrag_dgram *g;
	struct fr *f[3], *l[3];
	int i;

	for (i = 0; i < 3; i++) {
		f[i] = frag(DLT_RAW, ip, n, 0, 0, 64, true, i);
		l[i] = frag(DLT_RAW, ip, n, 0, 64, 120, false, i);
		assert_int_equal(feed(d, f[i], &g), DEFRAG_HELD);
	}
	assert_int_equal(defrag_pending(d), 2);
	assert_int_equal(defrag_counters(d)->evicted, BRK(1));
	/* the oldest went: its last fragment starts over */
	assert_int_equal(feed(d, l[0], &g), DEFRAG_HELD);
	assert_int_equal(defrag_counters(d)->evicted, 2);
	/* which evicted 1; 2 is still there */
	assert_int_equal(feed(d, l[2], &g), DEFRAG_DONE);
	expect_whole(g, ip, n, pl, 100);
	defrag_dgram_free(g);
	defrag_free(d);
	for (i = 0; i < 3; i++) {
		free(f[i]);
		free(l[i]);
	}
}

static void test_byte_limit(void **state)
{
	u8 ip[512], pl[256];
	size_t n = whole(4, 100, ip, pl);
	struct fr *f[3], *l[3], *big;
	struct defrag_limits lim;
	struct defrag *d;
	struct defrag_dgram *g;
	int i;

	for (i = 0; i < 3; i++) {
		f[i] = frag(DLT_RAW, ip, n, 0, 0, 64, true, i);
		l[i] = frag(DLT_RAW, ip, n, 0, 64, 120, false, i);
	}
	/* room for two first fragments and a bit */
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = 2 * f[0]->len + 10;
	d = defrag_new(&lim);
	for (i = 0; i < 3; i++)
		assert_int_equal(feed(d, f[i], &g), DEFRAG_HELD);
	assert_int_equal(defrag_counters(d)->evicted, BRK(1));
	assert_int_equal(defrag_bytes(d), 2 * f[0]->len);
	assert_true(defrag_bytes(d) <= lim.max_bytes);
	/* 1 goes for 2's last fragment; 2 completes */
	assert_int_equal(feed(d, l[2], &g), DEFRAG_DONE);
	assert_int_equal(defrag_counters(d)->evicted, 2);
	expect_whole(g, ip, n, pl, 100);
	defrag_dgram_free(g);
	assert_int_equal(defrag_bytes(d), 0);
	defrag_free(d);

	/* a fragment bigger than the limit by itself */
	lim.max_bytes = 50;
	d = defrag_new(&lim);
	big = f[0];
	assert_int_equal(feed(d, big, &g), DEFRAG_DROPPED);
	assert_int_equal(defrag_last_reason(d), DEFRAG_R_OVER_LIMIT);
	assert_int_equal(defrag_counters(d)->over_limit, 1);
	defrag_free(d);
	for (i = 0; i < 3; i++) {
		free(f[i]);
		free(l[i]);
	}
}

static void test_truncated(void **state)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		u8 ip[512], pl[256];
		size_t n = whole(fam, 100, ip, pl);
		struct defrag *d = defrag_new(NULL);
		struct defrag_dgram *g;
		struct fr *a = frag(DLT_EN10MB, ip, n, 0, 0, 64, true, 1);
		struct fr *b = frag(DLT_EN10MB, ip, n, 0, 64, 120, false, 1);

		assert_int_equal(feed_cut(d, a, 1, &g), DEFRAG_DROPPED);
		assert_int_equal(defrag_last_reason(d), DEFRAG_R_TRUNCATED);
		assert_int_equal(defrag_counters(d)->truncated, BRK(1));
		/* Ethernet padding past the IP packet is no data */
		a->len += 6;
		memset(a->frame + a->len - 6, 0, 6);
		assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
		assert_int_equal(feed(d, b, &g), DEFRAG_DONE);
		expect_whole(g, ip, n, pl, 100);
		defrag_dgram_free(g);
		defrag_free(d);
		free(a);
		free(b);
	}
}

static void test_too_big(void **state)
{
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		u8 ip[512], pl[256];
		size_t n = whole(fam, 100, ip, pl);
		struct defrag *d = defrag_new(NULL);
		struct defrag_dgram *g;
		struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 16, true, 1);
		struct fr *z = frag(DLT_RAW, ip, n, 0, 0, 16, true, 1);

		assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
		/* offset 65528 + 16 bytes */
		if (fam == 4) {
			put16(z->frame + 6, 0x2000 | 8191);
			gen_ip4_csum(z->frame);
		} else {
			put16(z->frame + 42, 65528 | 1);
		}
		assert_int_equal(feed(d, z, &g), DEFRAG_DROPPED);
		assert_int_equal(defrag_last_reason(d), DEFRAG_R_TOO_BIG);
		assert_int_equal(defrag_counters(d)->too_big, BRK(1));
		/* IPv4 discards the datagram, IPv6 the fragment */
		assert_int_equal(defrag_pending(d), fam == 4 ? 0 : 1);
		/* exactly 65535: IPv4 20 + 65512 + 3, IPv6 65528 + 7 */
		if (fam == 4) {
			put16(z->frame + 2, 20 + 3);
			put16(z->frame + 6, 65512 / 8);
			gen_ip4_csum(z->frame);
			z->len = 20 + 3;
		} else {
			put16(z->frame + 4, 8 + 7);
			put16(z->frame + 42, 65528);
			z->len = 48 + 7;
		}
		assert_int_equal(feed(d, z, &g), DEFRAG_HELD);
		defrag_free(d);
		free(a);
		free(z);
	}
}

/* Not-ECT with ECT: discarded; CE with ECT: CE in the result. */
static void test_ecn(void **state)
{
	u8 ip[512], pl[256];
	size_t n = whole(4, 100, ip, pl);
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g;
	struct fr *a = frag(DLT_RAW, ip, n, 0, 0, 64, true, 1);
	struct fr *b = frag(DLT_RAW, ip, n, 0, 64, 120, false, 1);

	b->frame[1] = 2;	/* ECT(0) */
	gen_ip4_csum(b->frame);
	assert_int_equal(feed(d, a, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, b, &g), DEFRAG_DROPPED);
	assert_int_equal(defrag_last_reason(d), DEFRAG_R_MALFORMED);
	assert_int_equal(defrag_pending(d), 0);
	a->frame[1] = 3;	/* CE */
	gen_ip4_csum(a->frame);
	assert_int_equal(feed(d, b, &g), DEFRAG_HELD);
	assert_int_equal(feed(d, a, &g), DEFRAG_DONE);
	assert_int_equal(g->buf[1] & 3, BRK(3));
	assert_int_equal(g->kind, PKT_TCP);
	defrag_dgram_free(g);
	defrag_free(d);
	free(a);
	free(b);
}

/*
 * An edit in the third fragment, one in the first (beside the checksum)
 * and a duplicate of the third: the copies change where they carry the
 * byte, the first fragment's checksum follows, and reassembling the
 * edited copies gives the edited packet with a right checksum.
 */
static void edits(int family, int dlt)
{
	u8 ip[512], pl[256];
	size_t n = whole(family, 100, ip, pl);
	struct defrag *d = defrag_new(NULL);
	struct defrag_dgram *g, *g2;
	struct fr *f[4], copy;
	u32 i;

	f[0] = frag(dlt, ip, n, 0, 0, 48, true, 8);
	f[1] = frag(dlt, ip, n, 0, 96, 120, false, 8);
	f[2] = frag(dlt, ip, n, 0, 96, 120, false, 8);
	f[3] = frag(dlt, ip, n, 0, 48, 96, true, 8);
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(d, f[i], &g),
				 i < 3 ? DEFRAG_HELD : DEFRAG_DONE);
	assert_true(g->frags[2].dup);
	/* payload byte 80 (TCP 100) is in [96,120); 3 (TCP 23) in [0,48) */
	assert_int_equal(defrag_apply_edit(g, 100, 0x11), 0);
	assert_int_equal(defrag_apply_edit(g, 23, 0xee), 0);
	assert_int_equal(defrag_apply_edit(g, 17, 0), -1);
	assert_int_equal(defrag_apply_edit(g, 120, 0), -1);
	assert_int_equal(g->buf[g->p.data_off + 80], 0x11);
	assert_int_equal(tcp_csum_check(&g->p, g->buf), 1);
	for (i = 0; i < 4; i++) {
		struct defrag_frag *fr = &g->frags[i];

		/* byte by byte: what changed is what should have */
		size_t j, changed = 0;

		for (j = 0; j < fr->hdr.caplen; j++)
			changed += fr->frame[j] != f[i]->frame[j];
		if (i == 0)		/* the byte and the checksum */
			assert_true(changed >= 2 && changed <= 3);
		else if (i == 3)
			assert_int_equal(changed, 0);
		else
			assert_int_equal(changed, BRK(1));
	}
	/* the edited fragments reassemble to a right checksum */
	for (i = 0; i < 4; i++) {
		copy.dlt = dlt;
		copy.len = g->frags[i].hdr.caplen;
		memcpy(copy.frame, g->frags[i].frame, copy.len);
		assert_int_equal(feed(d, &copy, &g2),
				 i < 3 ? DEFRAG_HELD : DEFRAG_DONE);
	}
	assert_int_equal(g2->kind, PKT_TCP);
	assert_int_equal(tcp_csum_check(&g2->p, g2->buf), 1);
	assert_memory_equal(g2->buf, g->buf, g->len);
	pl[80] = 0x11;
	pl[3] = 0xee;
	assert_memory_equal(g2->buf + g2->p.data_off, pl, 100);
	defrag_dgram_free(g2);
	defrag_dgram_free(g);
	defrag_free(d);
	for (i = 0; i < 4; i++)
		free(f[i]);
}

static void test_apply_edit(void **state)
{
	cur_test = __func__;
	edits(4, DLT_RAW);
	edits(4, DLT_EN10MB);
	edits(6, DLT_RAW);
	edits(6, DLT_LINUX_SLL);
}

/* Garbage fragments never read past what was captured (ASan watches). */
static void test_garbage(void **state)
{
	struct defrag_limits lim = { .max_pending = 8, .max_bytes = 4096,
				     .keep_dropped = true };
	struct defrag *d = defrag_new(&lim);
	struct defrag_dgram *g;
	unsigned int seed = 1, i, j;
	u8 ip[512], pl[256];

	for (i = 0; i < 20000; i++) {
		int fam = i & 1 ? 6 : 4, dlt = i & 2 ? DLT_EN10MB : DLT_RAW;
		size_t n = whole(fam, 100, ip, pl), l2 = i & 2 ? 14 : 0;
		/* mostly a fragmentation in three, sometimes anything */
		u32 k = rand_r(&seed) % 3, s = k * 48, e = s + 48;

		if (i % 5 == 4) {
			s = rand_r(&seed) % 15 * 8;
			e = s + 8 + rand_r(&seed) % 8 * 8;
		}
		struct pcap_pkthdr h = { .ts = { .tv_sec = i / 50 } };
		struct fr *f;
		struct pkt p;

		if (e > 120)
			e = 120;
		f = frag(dlt, ip, n, 0, s, e, e < 120 || i % 7 == 6,
			 rand_r(&seed) % 2);
		for (j = 0; j < (i % 4 == 3 ? 2U : 0U); j++)
			f->frame[l2 + rand_r(&seed) % 48] = rand_r(&seed);
		h.len = f->len;
		h.caplen = f->len - (i % 6 == 5 ? rand_r(&seed) % 4 : 0);
		if (pkt_decode(dlt, f->frame, h.caplen, &p) == PKT_FRAGMENT &&
		    defrag_feed(d, &h, f->frame, &p, &g) == DEFRAG_DONE) {
			defrag_apply_edit(g, rand_r(&seed) % 200,
					  rand_r(&seed));
			defrag_dgram_free(g);
		}
		while ((g = defrag_take_dropped(d)))
			defrag_dgram_free(g);
		free(f);
	}
	assert_true(defrag_counters(d)->reassembled > BRK(0) * 1000000);
	assert_true(defrag_bytes(d) <= lim.max_bytes);
	defrag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_decode_fields, set_test),
		cmocka_unit_test_setup(test_in_order, set_test),
		cmocka_unit_test_setup(test_reversed_and_mixed, set_test),
		cmocka_unit_test_setup(test_interleaved, set_test),
		cmocka_unit_test_setup(test_many_fragments, set_test),
		cmocka_unit_test_setup(test_duplicates, set_test),
		cmocka_unit_test_setup(test_overlap_discards, set_test),
		cmocka_unit_test_setup(test_last_fragment_rules, set_test),
		cmocka_unit_test_setup(test_eight_byte_rule, set_test),
		cmocka_unit_test_setup(test_timeout, set_test),
		cmocka_unit_test_setup(test_pending_limit, set_test),
		cmocka_unit_test_setup(test_byte_limit, set_test),
		cmocka_unit_test_setup(test_truncated, set_test),
		cmocka_unit_test_setup(test_too_big, set_test),
		cmocka_unit_test_setup(test_ecn, set_test),
		cmocka_unit_test_setup(test_apply_edit, set_test),
		cmocka_unit_test_setup(test_garbage, set_test),
	};

	return cmocka_run_group_tests_name("defrag", tests, NULL, NULL);
}
