// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer harness for the stream engine.
 *
 * Input: 8 bytes of control (policy, segmentation seed), then the stream.
 * Each input is run three ways:
 *  1. whole, as one segment: the reference;
 *  2. cut at points chosen by the control seed, in order: must give the
 *     same anomalies and output bytes as the reference (segmentation
 *     invariance), otherwise the fuzzer aborts;
 *  3. with reordering, retransmission, random flags, loose pickup and drop
 *     actions: must not crash, hang or edit outside the segment (checked
 *     by the test sink), and in monitor mode never edit or drop.
 */
#include <stdio.h>
#include <stdlib.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void check_same(const struct feed *a, const u8 *oa,
		       const struct feed *b, const u8 *ob, size_t len)
{
	size_t i;

	if (a->n_anom != b->n_anom)
		goto bad;
	for (i = 0; i < a->n_anom; i++)
		if (memcmp(&a->anom[i], &b->anom[i], sizeof(a->anom[i])))
			goto bad;
	if (memcmp(oa, ob, len))
		goto bad;
	if (memcmp(&a->cnt, &b->cnt, sizeof(a->cnt)) &&
	    (memcmp(a->cnt.anomaly, b->cnt.anomaly, sizeof(a->cnt.anomaly)) ||
	     memcmp(a->cnt.tpdu, b->cnt.tpdu, sizeof(a->cnt.tpdu))))
		goto bad;
	return;
bad:
	fprintf(stderr, "segmentation changed the result\n");
	for (i = 0; i < a->n_anom || i < b->n_anom; i++) {
		const struct tpkt_anomaly *x = i < a->n_anom ? &a->anom[i] : NULL;
		const struct tpkt_anomaly *y = i < b->n_anom ? &b->anom[i] : NULL;

		fprintf(stderr, "  anomaly %zu: whole %d@%d/%d  cut %d@%d/%d\n", i,
			x ? x->check : -1, x ? (int)x->tpkt_off : -1,
			x ? (int)x->off : -1, y ? y->check : -1,
			y ? (int)y->tpkt_off : -1, y ? (int)y->off : -1);
	}
	for (i = 0; i < len; i++)
		if (oa[i] != ob[i]) {
			fprintf(stderr, "  first output difference at %zu\n", i);
			break;
		}
	abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 action[__NF_TPKT_CHECK_MAX];
	struct feed ref, cut, wild;
	u8 *o1, *o2, *o3;
	u64 seed;
	size_t len, off, i;
	unsigned int c, mode;

	if (size < 8)
		return 0;
	memcpy(&seed, data, 8);
	seed |= 1;
	data += 8;
	len = size - 8;
	o1 = malloc(len + 1);
	o2 = malloc(len + 1);
	o3 = malloc(len + 1);
	if (!o1 || !o2 || !o3)
		abort();

	/* 1 + 2: invariance under in-order segmentation, no drops */
	for (c = 0; c < __NF_TPKT_CHECK_MAX; c++) {
		action[c] = feed_rand(&seed) % 3;
		if (!tpkt_check_action_valid(c, action[c]))
			action[c] = NF_TPKT_ACT_COUNT;
	}
	feed_init(&ref, NF_TPKT_MODE_NORMALIZE, action, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 256);
	feed_init(&cut, NF_TPKT_MODE_NORMALIZE, action, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 256);
	feed_syn(&ref, 0, (u32)seed);
	feed_syn(&cut, 0, (u32)seed);
	feed_data(&ref, 0, 0, data, len, 0, o1);
	for (off = 0; off < len;) {
		size_t n = 1 + feed_rand(&seed) % (feed_rand(&seed) % 2 ? 8 : 600);

		if (n > len - off)
			n = len - off;
		if (feed_data(&cut, 0, off, data + off, n, 0, o2 + off) !=
		    TPKT_ACCEPT)
			abort();
		off += n;
	}
	check_same(&ref, o1, &cut, o2, len);

	/* 3: anything goes */
	mode = 1 + feed_rand(&seed) % 3;
	for (c = 0; c < __NF_TPKT_CHECK_MAX; c++)
		action[c] = feed_rand(&seed) % 4;
	feed_init(&wild, mode, action, feed_rand(&seed) % 2,
		  feed_rand(&seed) % 2, feed_rand(&seed) % 2 ? 4 : 0);
	if (feed_rand(&seed) % 4)
		feed_syn(&wild, 0, (u32)(seed >> 7));
	else
		wild.isn[0] = (u32)(seed >> 7);
	feed_syn(&wild, 1, 99);
	for (i = 0; i < 64 && len; i++) {
		size_t s = feed_rand(&seed) % len;
		size_t n = 1 + feed_rand(&seed) % (len - s);
		u8 flags = feed_rand(&seed) % 16 == 0 ? TPKT_SEG_RST : 0;
		int v;

		if (feed_rand(&seed) % 3 == 0)
			flags |= TPKT_SEG_ACK;
		v = feed_data(&wild, feed_rand(&seed) % 8 == 0, s, data + s, n,
			      flags, o3);
		/* monitor mode never changes traffic */
		if (mode == NF_TPKT_MODE_MONITOR &&
		    (v != TPKT_ACCEPT || wild.n_edits))
			abort();
	}

	feed_free(&ref);
	feed_free(&cut);
	feed_free(&wild);
	free(o1);
	free(o2);
	free(o3);
	return 0;
}
