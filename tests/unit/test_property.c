// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Segmentation invariance of the stream engine, as a property test.
 *
 * Random streams of valid and invalid TPKTs are fed once as a single segment
 * (the reference) and again cut in many ways: at random points, into
 * one-byte segments, at every byte of every header, in 64 KiB segments,
 * with retransmissions and with reordering.  The anomalies reported and
 * the bytes that reach the receiver must be identical every time.
 *
 * The seed is fixed (PROPERTY_SEED to override) and printed on failure
 * together with the iteration, so any failure can be replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "feed.h"

#define MAX_STREAM	(256 * 1024)

struct ref {
	u8 *out;		/* stream as the receiver must get it */
	size_t len;
	struct feed f;
};

static u64 base_seed = 0x5eed0f7b4c7d1006ULL;
static unsigned int iterations = 3000;
static u64 cur_seed;
static unsigned int cur_iter;
static const char *cur_what;

static u8 *stream;

static void failure(const char *why)
{
	fail_msg("%s (%s): iteration %u, seed 0x%llx (PROPERTY_SEED=0x%llx)",
		 why, cur_what, cur_iter, (unsigned long long)cur_seed,
		 (unsigned long long)base_seed);
}

static void random_policy(u64 *seed, u8 *action, bool allow_drop)
{
	unsigned int c;

	for (c = 0; c < __NF_TPKT_CHECK_MAX; c++) {
		unsigned int a = feed_rand(seed) % (allow_drop ? 4 : 3);

		if (!tpkt_check_action_valid(c, a))
			a = NF_TPKT_ACT_COUNT;
		action[c] = a;
	}
}

static void feed_start(struct feed *f, const u8 *action, unsigned int mode,
		       unsigned int ooo)
{
	feed_init(f, mode, action, ooo, NF_TPKT_PICKUP_STRICT, 4096);
	feed_syn(f, 0, 0xfffff000u);	/* wraps in longer streams */
	feed_syn(f, 1, 77);
}

static void compare_findings(const struct feed *a, const struct feed *b)
{
	size_t i;

	if (a->n_anom != b->n_anom) {
		print_error("anomalies: %zu vs %zu\n", a->n_anom, b->n_anom);
		failure("different number of anomalies");
	}
	for (i = 0; i < a->n_anom; i++) {
		const struct tpkt_anomaly *x = &a->anom[i], *y = &b->anom[i];

		if (x->check != y->check || x->action != y->action ||
		    x->tpdu != y->tpdu || x->tpkt_off != y->tpkt_off ||
		    x->off != y->off || x->value != y->value ||
		    x->orig_len != y->orig_len ||
		    memcmp(x->orig, y->orig, x->orig_len)) {
			print_error("anomaly %zu: check %u/%u off %u/%u\n", i,
				    x->check, y->check, x->off, y->off);
			failure("different anomaly");
		}
	}
	if (memcmp(a->cnt.tpdu, b->cnt.tpdu, sizeof(a->cnt.tpdu)) ||
	    memcmp(a->cnt.anomaly, b->cnt.anomaly, sizeof(a->cnt.anomaly)) ||
	    a->cnt.ctr[NF_TPKT_CTR_TPKTS] != b->cnt.ctr[NF_TPKT_CTR_TPKTS] ||
	    a->cnt.ctr[NF_TPKT_CTR_DESYNCS] != b->cnt.ctr[NF_TPKT_CTR_DESYNCS])
		failure("different counters");
	if (a->n_conn != b->n_conn ||
	    memcmp(a->conn, b->conn, a->n_conn * sizeof(a->conn[0])))
		failure("different CR/CC parse");
	if (a->flow.max_tpdu != b->flow.max_tpdu || a->flow.cls != b->flow.cls)
		failure("different negotiation");
}

/* Reference: the whole stream in one segment. */
static int make_ref(struct ref *r, const u8 *action, size_t len,
		    unsigned int mode)
{
	r->len = len;
	r->out = malloc(len ? len : 1);
	assert_non_null(r->out);
	feed_start(&r->f, action, mode, NF_TPKT_OOO_DROP);
	return feed_data(&r->f, 0, 0, stream, len, 0, r->out);
}

static void free_ref(struct ref *r)
{
	feed_free(&r->f);
	free(r->out);
}

/* Feed [0, len) in segments ending at the sorted cut points. */
static void feed_cuts(struct ref *r, const u8 *action, unsigned int mode,
		      const size_t *cuts, size_t n_cuts)
{
	struct feed f;
	u8 *out = malloc(r->len ? r->len : 1);
	size_t prev = 0, i;

	assert_non_null(out);
	feed_start(&f, action, mode, NF_TPKT_OOO_DROP);
	for (i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : r->len;

		if (end <= prev)
			continue;
		if (feed_data(&f, 0, prev, stream + prev, end - prev, 0,
			      out + prev) != TPKT_ACCEPT)
			failure("in-order segment dropped");
		prev = end;
	}
	compare_findings(&r->f, &f);
	if (memcmp(out, r->out, r->len))
		failure("different output bytes");
	feed_free(&f);
	free(out);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void random_cuts(u64 *seed, struct ref *r, const u8 *action,
			unsigned int mode)
{
	size_t n = r->len ? feed_rand(seed) % (r->len / 8 + 2) : 0, i;
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));

	assert_non_null(cuts);
	for (i = 0; i < n; i++)
		cuts[i] = r->len ? feed_rand(seed) % r->len : 0;
	qsort(cuts, n, sizeof(*cuts), cmp_size);
	cur_what = "random cuts";
	feed_cuts(r, action, mode, cuts, n);
	free(cuts);
}

static void fixed_cuts(struct ref *r, const u8 *action, unsigned int mode,
		       size_t step, const char *what)
{
	size_t n = r->len / step, i;
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));

	assert_non_null(cuts);
	for (i = 0; i < n; i++)
		cuts[i] = (i + 1) * step;
	cur_what = what;
	feed_cuts(r, action, mode, cuts, n);
	free(cuts);
}

/*
 * TCP-like delivery: segments are sent, some overtaken by later ones, some
 * sent twice or in overlapping pieces; what the engine drops is sent again
 * later.  The receiver keeps the first accepted copy of each byte; every
 * accepted copy must equal the reference.
 */
static void tcp_like(u64 *seed, struct ref *r, const u8 *action,
		     unsigned int mode)
{
	struct feed f;
	u8 *out = malloc(r->len + 1), *seg = malloc(r->len + 1);
	u8 *have = calloc(r->len + 1, 1);
	size_t acked = 0, sent = 0, rounds = 0;

	assert_true(out && seg && have);
	cur_what = "tcp-like delivery";
	feed_start(&f, action, mode, NF_TPKT_OOO_DROP);
	while (acked < r->len) {
		size_t s, n, i;
		u64 pick = feed_rand(seed) % 10;

		if (++rounds > 100000)
			failure("no progress");
		if (pick < 6 && sent < r->len) {
			/* new data, sometimes skipping ahead (reordering) */
			s = sent;
			if (pick == 0 && r->len - sent > 2)
				s += 1 + feed_rand(seed) % ((r->len - sent) / 2);
			n = 1 + feed_rand(seed) % 1500;
		} else {
			/* retransmission from the first unacknowledged byte */
			s = acked + (acked < r->len && pick == 9 ?
				     feed_rand(seed) % (r->len - acked) : 0);
			n = 1 + feed_rand(seed) % 3000;
		}
		if (s >= r->len)
			continue;
		if (n > r->len - s)
			n = r->len - s;
		if (feed_data(&f, 0, s, stream + s, n, 0, seg) != TPKT_ACCEPT)
			continue;
		if (memcmp(seg, r->out + s, n))
			failure("accepted copy differs from reference");
		for (i = s; i < s + n; i++) {
			if (!have[i])
				out[i] = seg[i - s];
			have[i] = 1;
		}
		if (s + n > sent && s <= sent)
			sent = s + n;
		while (acked < r->len && have[acked])
			acked++;
		if (sent < acked)
			sent = acked;
	}
	if (memcmp(out, r->out, r->len))
		failure("delivered stream differs");
	/* a drop-free reference makes every anomaly appear exactly once */
	compare_findings(&r->f, &f);
	feed_free(&f);
	free(out);
	free(seg);
	free(have);
}

static void test_segmentation_invariance(void **state)
{
	u64 total_anom = 0, total_edits = 0, total_tpkts = 0;
	unsigned int i;

	(void)state;
	for (i = 0; i < iterations; i++) {
		u64 seed = base_seed + i * 0x9e3779b97f4a7c15ULL;
		u8 action[__NF_TPKT_CHECK_MAX];
		static const unsigned int bodies[] = { 0, 8, 64, 300, 3000 };
		unsigned int n_tpkts, max_body, bad;
		unsigned int mode = NF_TPKT_MODE_NORMALIZE;
		struct ref r;
		size_t len;

		cur_seed = seed;
		cur_iter = i;
		n_tpkts = 1 + feed_rand(&seed) % 300;
		max_body = bodies[feed_rand(&seed) % 5];
		bad = feed_rand(&seed) % 4 == 0 ? 0 : feed_rand(&seed) % 400;
		len = feed_gen_stream(&seed, stream, MAX_STREAM, n_tpkts,
				      max_body, bad, feed_rand(&seed) % 4 == 0);
		random_policy(&seed, action, false);

		if (make_ref(&r, action, len, mode) != TPKT_ACCEPT)
			failure("reference dropped without drop actions");
		total_anom += r.f.n_anom;
		total_edits += r.f.n_edits;
		total_tpkts += r.f.cnt.ctr[NF_TPKT_CTR_TPKTS];
		random_cuts(&seed, &r, action, mode);
		if (len <= 4096)
			fixed_cuts(&r, action, mode, 1, "one-byte segments");
		fixed_cuts(&r, action, mode, 1 + feed_rand(&seed) % 7,
			   "small segments");
		fixed_cuts(&r, action, mode, 1448, "1448-byte segments");
		fixed_cuts(&r, action, mode, 65536, "64 KiB segments");
		if (!tpkt_dir_desynced(&r.f.flow, 0))
			tcp_like(&seed, &r, action, mode);
		free_ref(&r);
	}
	print_message("%u random streams (%llu TPKTs, %llu anomalies, %llu "
		      "edits), each in 5-7 segmentations\n", iterations,
		      (unsigned long long)total_tpkts,
		      (unsigned long long)total_anom,
		      (unsigned long long)total_edits);
	/* the generator must exercise what the test claims to test */
	assert_true(total_anom > iterations);
	assert_true(total_edits > iterations / 2);
}

/* Every two-segment split of a stream holding every kind of header. */
static void test_every_header_split(void **state)
{
	u64 seed = base_seed;
	u8 action[__NF_TPKT_CHECK_MAX];
	struct ref r;
	size_t len, cut;

	(void)state;
	cur_iter = 0;
	cur_seed = seed;
	cur_what = "two-way split";
	tpkt_policy_default_actions(action);
	len = feed_gen_stream(&seed, stream, MAX_STREAM, 60, 20, 500, false);
	assert_int_equal(make_ref(&r, action, len, NF_TPKT_MODE_NORMALIZE),
			 TPKT_ACCEPT);
	assert_true(r.f.n_anom > 5);
	assert_true(r.f.n_edits > 0);
	for (cut = 1; cut < len; cut++) {
		size_t cuts[2] = { cut, 0 };

		feed_cuts(&r, action, NF_TPKT_MODE_NORMALIZE, cuts, 1);
		/* and three-way, the second cut a few bytes later */
		cuts[1] = cut + 1 + cut % 5;
		if (cuts[1] < len)
			feed_cuts(&r, action, NF_TPKT_MODE_NORMALIZE, cuts, 2);
	}
	free_ref(&r);
}

/*
 * Drop actions: whatever the segmentation, nothing at or after the
 * offending TPKT is ever accepted, and everything before it is.
 */
static void test_drop_blocks_from_offending_tpkt(void **state)
{
	unsigned int i, n_blocked = 0;

	(void)state;
	for (i = 0; i < iterations / 10; i++) {
		u64 seed = base_seed ^ (i * 0x2545f4914f6cdd1dULL);
		u8 action[__NF_TPKT_CHECK_MAX];
		struct ref r;
		struct feed f;
		size_t len, off = 0;
		u32 block = 0, decide = 0;
		bool blocked = false, dropping = false;

		cur_seed = seed;
		cur_iter = i;
		cur_what = "drop";
		len = feed_gen_stream(&seed, stream, MAX_STREAM, 50, 100, 100,
				      false);
		tpkt_policy_default_actions(action);
		action[NF_TPKT_CHECK_RESERVED] = NF_TPKT_ACT_DROP;
		make_ref(&r, action, len, NF_TPKT_MODE_ENFORCE);
		for (size_t k = 0; k < r.f.n_anom && !blocked; k++) {
			block = r.f.anom[k].tpkt_off;
			decide = r.f.anom[k].off;
			blocked = r.f.anom[k].action == NF_TPKT_ACT_DROP;
		}
		n_blocked += blocked;
		feed_start(&f, action, NF_TPKT_MODE_ENFORCE, NF_TPKT_OOO_DROP);
		while (off < len) {
			size_t n = 1 + feed_rand(&seed) % 200;
			int v;

			if (n > len - off)
				n = len - off;
			v = feed_data(&f, 0, off, stream + off, n, 0, NULL);
			if (!blocked || off + n <= block) {
				if (v != TPKT_ACCEPT)
					failure("dropped before the drop point");
			} else if (dropping || off + n > decide + 1) {
				/* the decision falls on the offending byte or
				 * the one after it; from then on, all drops */
				if (v != TPKT_DROP)
					failure("accepted past a drop point");
			}
			dropping |= v == TPKT_DROP;
			off += n;
		}
		compare_findings(&r.f, &f);
		feed_free(&f);
		free_ref(&r);
	}
	assert_true(n_blocked > iterations / 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_header_split),
		cmocka_unit_test(test_segmentation_invariance),
		cmocka_unit_test(test_drop_blocks_from_offending_tpkt),
	};
	const char *s = getenv("PROPERTY_SEED");
	const char *n = getenv("PROPERTY_ITERATIONS");
	int rc;

	if (s)
		base_seed = strtoull(s, NULL, 0);
	if (n)
		iterations = strtoul(n, NULL, 0);
	stream = malloc(MAX_STREAM);
	if (!stream)
		return 1;
	rc = cmocka_run_group_tests_name("segmentation property", tests, NULL,
					 NULL);
	free(stream);
	return rc;
}
