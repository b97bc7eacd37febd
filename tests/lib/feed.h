/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Test driver for the stream engine: feeds byte streams to a flow in a
 * chosen segmentation and records what the engine says, in stream offsets,
 * so that runs with different segmentations can be compared.
 */
#ifndef TPKT_TEST_FEED_H
#define TPKT_TEST_FEED_H

#include <tpkt/engine.h>

struct feed_edit {
	u32 off;	/* stream offset */
	u8 val;
	u8 dir;
};

struct feed {
	struct tpkt_flow flow;
	struct tpkt_policy pol;
	u8 conf[__NF_TPKT_CHECK_MAX];	/* configured actions */
	unsigned int conf_ooo, conf_pickup;
	struct tpkt_counts cnt;
	u32 isn[2];		/* seq of stream offset 0, per direction */
	unsigned int hist_cap;	/* 0: no history */

	struct tpkt_anomaly *anom;
	u8 *anom_dir;
	size_t n_anom, cap_anom;
	struct feed_edit *edits;
	size_t n_edits, cap_edits;
	struct tpkt_conn_info conn[8];
	size_t n_conn;

	/* per call */
	unsigned int cur_dir;
	u32 cur_off;
	u8 *cur;
	u32 cur_len;
	u8 *head;	/* the segment's bytes, moved by every edit */
};

/* Policy: everything configured as in @action (NULL: defaults), @mode. */
void feed_init(struct feed *f, unsigned int mode, const u8 *action,
	       unsigned int ooo, unsigned int pickup, unsigned int hist_cap);
void feed_free(struct feed *f);

/* Set one check's action (configured) and recompile for @mode. */
void feed_set_action(struct feed *f, unsigned int mode, unsigned int check,
		     unsigned int action);

/* SYN of direction @dir with initial sequence number @isn. */
int feed_syn(struct feed *f, unsigned int dir, u32 isn);

/*
 * Feed payload @data (@len bytes) at stream offset @off of direction @dir
 * with @flags (TPKT_SEG_*; ACK is not implied).  @out, if not NULL,
 * receives the bytes as the engine wants them sent (edits applied).
 * Returns the verdict.
 */
int feed_data(struct feed *f, unsigned int dir, u32 off, const u8 *data,
	      u32 len, u8 flags, u8 *out);

/* Feed a bare ACK from @dir acknowledging stream offset @ack of !@dir. */
int feed_ack(struct feed *f, unsigned int dir, u32 ack);

/* Count anomalies of @check recorded so far. */
size_t feed_count(const struct feed *f, unsigned int check);

/*
 * Write one TPKT (version 3, reserved @res) holding COTP header @cotp
 * (@clen bytes, LI first) and @body bytes of data.  Returns its length, or
 * 0 if it does not fit in @cap.
 */
size_t feed_put_tpkt(u8 *p, size_t cap, u8 res, const u8 *cotp, size_t clen,
		     size_t body);

/* Deterministic PRNG for the property tests (xorshift64*). */
static inline u64 feed_rand(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * Build a stream of TPKTs into @buf (capacity @cap), returns its length.
 * @bad_per_1000: how often a TPKT is made non-conforming (reserved byte,
 * class option, parameters, unknown code, LI...).  Framing-breaking errors
 * are only generated when @allow_desync is set.
 */
size_t feed_gen_stream(u64 *seed, u8 *buf, size_t cap, unsigned int n_tpkts,
		       unsigned int max_body, unsigned int bad_per_1000,
		       bool allow_desync);

#endif
