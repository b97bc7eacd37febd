/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TPKT / COTP stream engine: the protocol logic of nf_tpkt, compiled
 * unchanged into the kernel module, tpktctl and the tests.
 *
 * The engine sees one TCP connection as two directions of (sequence number,
 * payload, flags) segments, in any segmentation and order, and answers for
 * each segment: the anomalies it holds, the bytes to rewrite, and whether
 * to pass or drop it.  It never allocates on the per-segment path; the only
 * allocation it asks for (through the sink) is the edit history of a
 * direction that needed a fix, so that retransmissions get the same edits.
 *
 * Offsets called "stream offsets" count payload bytes from the first byte
 * after the SYN (or from the first byte seen, for a stream picked up
 * mid-stream), modulo 2^32.
 */
#ifndef _TPKT_ENGINE_H
#define _TPKT_ENGINE_H

#include "port.h"
#include "../uapi/linux/nf_tpkt.h"

#define TPKT_DEFAULT_PORT	102
#define TPKT_HDR_LEN		4
#define TPKT_MIN_LEN		7

/* TCP flags as the engine wants them (struct tpkt_seg.flags). */
#define TPKT_SEG_SYN	0x01
#define TPKT_SEG_FIN	0x02
#define TPKT_SEG_RST	0x04
#define TPKT_SEG_ACK	0x08

/*
 * TPKT_HOLD (policy NF_TPKT_OOO_HOLD only): the segment lies ahead of a gap
 * that may hide a header.  Nothing was parsed or changed; the caller keeps
 * it (or drops it if it cannot, counting NF_TPKT_CTR_OOO_DROPS) and feeds
 * it again once tpkt_dir_reached() says the gap is filled.
 */
enum tpkt_verdict {
	TPKT_ACCEPT,
	TPKT_DROP,
	TPKT_HOLD,
};

/* TPDU type of an anomaly found before the TPDU code was parsed. */
#define TPKT_TPDU_NONE	0xff

/*
 * struct tpkt_seg - one TCP segment of one direction.
 * @seq: TCP sequence number.
 * @ack: TCP acknowledgment number (meaningful with TPKT_SEG_ACK).
 * @len: payload length.
 * @flags: TPKT_SEG_*.
 * @read: returns a pointer to @n payload bytes at payload offset @off,
 *	either inside the segment or copied to @buf (at least @n bytes);
 *	NULL if they cannot be read.  The engine reads only header bytes.
 * @priv: for @read.
 */
struct tpkt_seg {
	u32 seq;
	u32 ack;
	u32 len;
	u8 flags;
	const u8 *(*read)(const struct tpkt_seg *seg, u32 off, u32 n, u8 *buf);
	const void *priv;
	u32 priv_off;
};

/*
 * struct tpkt_anomaly - one failed check, as reported to the sink.
 * @check: enum nf_tpkt_check.
 * @action: enum nf_tpkt_action actually taken (after the mode's cap).
 * @tpdu: enum nf_tpkt_tpdu, or TPKT_TPDU_NONE if not parsed yet.
 * @orig_len: number of valid bytes in @orig.
 * @orig: the TPKT header, COTP LI and TPDU code as received, as far as
 *	parsed when the check failed (before any fix).
 * @tpkt_off: stream offset of the TPKT holding the anomaly.
 * @off: stream offset of the offending byte.
 * @value: the offending value (byte, length, code, parameter code...).
 */
struct tpkt_anomaly {
	u8 check;
	u8 action;
	u8 tpdu;
	u8 orig_len;
	u8 orig[6];
	u32 tpkt_off;
	u32 off;
	u32 value;
};

/*
 * struct tpkt_conn_info - a parsed CR, CC, DR, DC or ER header.
 * @tpdu: enum nf_tpkt_tpdu.
 * @cls: protocol class (CR/CC), as sent.
 * @options: option bits (CR/CC), as sent.
 * @cause: DR reason or ER reject cause.
 * @dst_ref, @src_ref: references.
 * @tpdu_size: TPDU size in bytes from the tpdu-size (0xc0) or preferred
 *	maximum TPDU size (0xf0) parameter; 0 if absent.
 * @tsap_off, @tsap_len: offset within the TPKT and length of the calling
 *	(0xc1) and called (0xc2) TSAP values; length 0 if absent.
 * @tpkt_off: stream offset of the TPKT.
 */
struct tpkt_conn_info {
	u8 tpdu;
	u8 cls;
	u8 options;
	u8 cause;
	u16 dst_ref;
	u16 src_ref;
	u32 tpdu_size;
	u16 tsap_off[2];
	u8 tsap_len[2];
	u32 tpkt_off;
};

/*
 * Edit history of a flow: direction, stream offset and value of the bytes
 * rewritten, so that a retransmission gets exactly the same edits.  One
 * ring of caller-chosen capacity for both directions, allocated on the
 * first edit: most flows never need one, and those that do mostly fix one
 * direction only.  When it is full the oldest entry is forgotten (and
 * counted if the peer had not acknowledged that byte yet).
 */
struct tpkt_hist_ent {
	u32 off;
	u8 val;
	u8 dir;
};

struct tpkt_hist {
	u16 cap;
	u16 head;
	u16 count;
	struct tpkt_hist_ent ent[];
};

static inline size_t tpkt_hist_size(unsigned int cap)
{
	return sizeof(struct tpkt_hist) + cap * sizeof(struct tpkt_hist_ent);
}

static inline void tpkt_hist_init(struct tpkt_hist *h, unsigned int cap)
{
	h->cap = cap;
	h->head = 0;
	h->count = 0;
}

/*
 * struct tpkt_sink - where the engine's findings go; @ctx is passed back.
 * @edit: rewrite payload byte @seg_off of the current segment to @val.
 * @anomaly: a check failed with an action other than ignore.
 * @conn: a CR/CC/DR/DC/ER header was parsed (optional).
 * @hist_alloc: return an initialised edit history for the flow, or NULL
 *	(optional; without history, retransmitted fixed bytes pass unedited
 *	and are counted in NF_TPKT_CTR_REXMIT_UNFIXED).
 */
struct tpkt_sink {
	void (*edit)(void *ctx, u32 seg_off, u8 val);
	void (*anomaly)(void *ctx, const struct tpkt_anomaly *a);
	void (*conn)(void *ctx, const struct tpkt_conn_info *ci);
	struct tpkt_hist *(*hist_alloc)(void *ctx);
};

/* Counters the engine increments; the kernel keeps one per CPU. */
struct tpkt_counts {
	u64 ctr[__NF_TPKT_CTR_MAX];
	u64 tpdu[__NF_TPKT_TPDU_MAX];
	u64 anomaly[__NF_TPKT_CHECK_MAX];
};

/*
 * struct tpkt_policy - what the engine applies, already capped by the mode
 * (see tpkt_policy_compile()).
 */
struct tpkt_policy {
	u8 action[__NF_TPKT_CHECK_MAX];
	u8 ooo;
	u8 pickup;
};

/* State of one direction.  Opaque to callers; its size is documented. */
struct tpkt_dir {
	u32 isn;	/* sequence number of stream offset 0 */
	u32 next;	/* parse frontier (stream offset) */
	u32 acked;	/* peer acknowledged everything below this */
	u32 stop;	/* desync point (DESYNC) or drop point (POISON) */
	u32 lost;	/* edits below this may be forgotten (LOST) */
	u32 psize;	/* TPDU size from CR/CC parameters */
	u16 tlen;	/* length of the current TPKT */
	u16 pos;	/* bytes of the current TPKT consumed */
	u16 hneed;	/* header bytes to parse in the current TPKT */
	u16 flags;
	u16 dst_ref;
	u16 src_ref;
	u8 tsap_off[2];	/* from the CR/CC variable part, 0 = absent */
	u8 tsap_len[2];
	u8 hdr[6];	/* TPKT header, LI, code as received */
	u8 tpdu;	/* enum nf_tpkt_tpdu of the current TPDU */
	u8 opt;		/* CR/CC class and options, DR/ER cause */
	u8 pstate;	/* parameter parser state */
	u8 pcode;
	u8 plen;
	u8 pidx;
};

/*
 * struct tpkt_flow - both directions of one connection and what CR/CC
 * negotiated.  Direction 0 is the one that sent the first segment seen
 * (normally the client), but the engine does not care.
 */
struct tpkt_flow {
	struct tpkt_dir dir[2];
	struct tpkt_hist *hist;	/* edit history, NULL until the first edit */
	u32 max_tpdu;	/* negotiated maximum TPDU size, 0 = unknown */
	u8 cls;		/* negotiated class, TPKT_CLASS_UNKNOWN until CC */
	u8 pad[3];
};

#define TPKT_CLASS_UNKNOWN	0xff

void tpkt_flow_init(struct tpkt_flow *f);

/*
 * struct tpkt_env - what a segment is parsed with, besides its flow.
 * @pol: the policy.
 * @sink: where findings go.
 * @ctx: passed to @sink's callbacks.
 * @cnt: the counters to increment (in the kernel, the module's per-CPU
 *	counters, each incremented on the CPU the engine runs on).
 *
 * The engine only reads it, through a pointer, during the call: it may live
 * on the caller's stack, and a caller that feeds many segments with the
 * same policy, sink and counters fills it once.
 */
struct tpkt_env {
	const struct tpkt_policy *pol;
	const struct tpkt_sink *sink;
	void *ctx;
	struct tpkt_counts __percpu *cnt;
};

/*
 * tpkt_flow_segment - feed one segment of direction @dir (0 or 1).
 * Returns TPKT_ACCEPT, TPKT_DROP or TPKT_HOLD.  The edits reported through
 * @env->sink must be applied to the segment if it is accepted.
 */
int tpkt_flow_segment(struct tpkt_flow *f, unsigned int dir,
		      const struct tpkt_env *env, const struct tpkt_seg *seg);

/* Whether direction @dir is tracked (synchronised and not closed). */
bool tpkt_dir_tracked(const struct tpkt_flow *f, unsigned int dir);
/* Whether direction @dir lost its framing (and has not found it again). */
bool tpkt_dir_desynced(const struct tpkt_flow *f, unsigned int dir);
/* Whether an RST the receiver takes for one ended the direction. */
bool tpkt_dir_reset(const struct tpkt_flow *f, unsigned int dir);
/* Whether direction @dir is dropping everything (a drop action fired). */
bool tpkt_dir_blocked(const struct tpkt_flow *f, unsigned int dir);
/* Stream bytes of direction @dir parsed so far, modulo 2^32. */
u32 tpkt_dir_stream_bytes(const struct tpkt_flow *f, unsigned int dir);
/*
 * Whether the parse frontier of direction @dir has reached sequence number
 * @seq (or the direction is not tracked): a segment held from there may
 * be fed again.
 */
bool tpkt_dir_reached(const struct tpkt_flow *f, unsigned int dir, u32 seq);
/* Whether direction @dir was picked up mid-stream. */
bool tpkt_dir_picked_up(const struct tpkt_flow *f, unsigned int dir);

/* Defaults for the configured per-check actions. */
void tpkt_policy_default_actions(u8 action[__NF_TPKT_CHECK_MAX]);
/* Whether @check has a meaningful fix. */
bool tpkt_check_fixable(unsigned int check);
/* Whether @action is allowed for @check. */
bool tpkt_check_action_valid(unsigned int check, unsigned int action);
/*
 * Build the policy the engine applies from the configured one: the mode
 * caps each action (monitor: count, normalize: fix) and monitor passes
 * out-of-order segments, unless they are held: a caller in monitor mode
 * then holds a copy and passes the segment itself.
 */
void tpkt_policy_compile(struct tpkt_policy *out, unsigned int mode,
			 const u8 action[__NF_TPKT_CHECK_MAX],
			 unsigned int ooo, unsigned int pickup);

/* enum nf_tpkt_tpdu of a TPDU code octet. */
unsigned int tpkt_tpdu_type(u8 code);

#endif /* _TPKT_ENGINE_H */
