// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TPKT (RFC 1006) / COTP (ISO 8073, X.224) stream engine.
 *
 * Each direction is parsed as a byte stream by a state machine that is fed
 * header bytes one at a time and jumps over TPDU bodies using the TPKT
 * length, so the result does not depend on how TCP cut the stream and the
 * cost grows with the number of headers, not with the number of bytes.
 *
 * Decisions about a byte are taken when that byte is parsed, so a fix is
 * always applied to the segment holding the byte; what was fixed is kept in
 * a small history until the peer acknowledges it, so retransmissions get
 * the same edits.
 */
#include <tpkt/engine.h>

/* struct tpkt_dir.flags */
#define DF_SYNCED	0x0001	/* isn known, parsing */
#define DF_DESYNC	0x0002	/* framing lost at ->stop */
#define DF_POISON	0x0004	/* dropping everything from ->stop on */
#define DF_LOST		0x0008	/* edits below ->lost may be forgotten */
#define DF_CLOSED	0x0010	/* RST seen */
#define DF_PICKED	0x0020	/* picked up mid-stream */
#define DF_PEND_RES	0x0040	/* reserved byte anomaly to report */
#define DF_PEND_OVER	0x0200	/* oversize anomaly to report */
#define DF_PEND_LI	0x0400	/* LI anomaly to report */
#define DF_PENDING	(DF_PEND_RES | DF_PEND_OVER | DF_PEND_LI)
#define DF_LI_BAD	0x0080	/* LI unusable: do not parse past the code */
#define DF_PREF		0x0100	/* preferred maximum TPDU size (0xf0) seen */
#define DF_FIN		0x0800	/* FIN seen: it takes a sequence number */

/* Parameter parser states (->pstate). */
enum { PS_CODE, PS_LEN, PS_VALUE, PS_SKIP };

/* Byte offsets within a TPKT. */
#define IDX_VERSION	0
#define IDX_RESERVED	1
#define IDX_LEN_LO	3
#define IDX_LI		4
#define IDX_CODE	5

#define CLASS_OPT_RESERVED	0x0c
/*
 * CR/CC variable part: after TPKT (4), LI, code, DST-REF (2), SRC-REF (2)
 * and class.  TSAP offsets are kept from here so they fit a byte.
 */
#define CR_VAR_OFF		11

/*
 * TPDU size (parameter 0xc0) codes.  ISO 8073 13.3.4 b) allows 7 (128
 * octets) to 11 (2048) in class 0 and to 13 (8192) in the others, for the
 * network services of its time.  Over TCP the TPKT is the only bound:
 * RFC 1006 section 6 lets class 0 carry TPDUs up to 65531 octets, RFC 2126
 * runs class 2 in the same TPKTs, and stacks in the field offer 8192
 * (IEC 61850 MMS) and codes up to 16 (65536, which the TPKT caps).  Without
 * a size in the CC, ISO 8073's default applies.
 */
#define TPDU_CODE_MIN		7
#define TPDU_CODE_MAX		16
#define TPDU_SIZE_DEFAULT	128

enum { GO_ON, STOP };

/*
 * What only a SYN, a retransmission, a gap, a pickup or a connection TPDU
 * needs is marked noinline: inlined, it made every segment pay for its
 * registers and stack.  hdr_byte() stays inline: a header that needs a fix
 * goes through it byte by byte.
 */

/*
 * A segment's parse.  It points to the caller's environment rather than
 * copying it: every store here is paid on every segment.
 */
struct run {
	struct tpkt_flow *f;
	struct tpkt_dir *d;
	const struct tpkt_env *env;
	struct tpkt_counts __percpu *cnt;	/* env->cnt, used per header */
	u32 p, end;	/* what segment_slow() leaves to parse */
	bool drop;
	bool moved;	/* an edit may have moved what seg->read() returned */
	u8 gap;		/* STOP or HOLD: what gap() decided, not a check */
};

/* The direction being parsed, 0 or 1: not stored, only slow paths ask. */
static unsigned int run_dir(const struct run *r)
{
	return r->d - r->f->dir;
}

static inline bool before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool after(u32 a, u32 b)
{
	return before(b, a);
}

#define BIT_T(t)	(1U << NF_TPKT_TPDU_##t)

/* ISO 8073 table 2: TPDU types permitted per class. */
static const u16 class_tpdus[5] = {
	[0] = BIT_T(CR) | BIT_T(CC) | BIT_T(DR) | BIT_T(DT) | BIT_T(ER),
	[1] = BIT_T(CR) | BIT_T(CC) | BIT_T(DR) | BIT_T(DC) | BIT_T(DT) |
	      BIT_T(ED) | BIT_T(AK) | BIT_T(EA) | BIT_T(RJ) | BIT_T(ER),
	[2] = BIT_T(CR) | BIT_T(CC) | BIT_T(DR) | BIT_T(DC) | BIT_T(DT) |
	      BIT_T(ED) | BIT_T(AK) | BIT_T(EA) | BIT_T(ER),
	[3] = 0x3ff,
	[4] = 0x3ff,
};

/* Smallest LI per TPDU type: the code octet plus the fixed part. */
static const u8 fixed_li[__NF_TPKT_TPDU_MAX] = {
	[NF_TPKT_TPDU_CR] = 6, [NF_TPKT_TPDU_CC] = 6, [NF_TPKT_TPDU_DR] = 6,
	[NF_TPKT_TPDU_DC] = 5, [NF_TPKT_TPDU_DT] = 2, [NF_TPKT_TPDU_ED] = 4,
	[NF_TPKT_TPDU_AK] = 4, [NF_TPKT_TPDU_EA] = 4, [NF_TPKT_TPDU_RJ] = 4,
	[NF_TPKT_TPDU_ER] = 4,
};

/* TPDUs whose header is parsed in full (fixed part and parameters). */
#define PARSED_TPDUS	(BIT_T(CR) | BIT_T(CC) | BIT_T(DR) | BIT_T(DC) | \
			 BIT_T(ER))

unsigned int tpkt_tpdu_type(u8 code)
{
	switch (code >> 4) {
	case 0xe: return NF_TPKT_TPDU_CR;
	case 0xd: return NF_TPKT_TPDU_CC;
	case 0x8: return NF_TPKT_TPDU_DR;
	case 0xc: return NF_TPKT_TPDU_DC;
	case 0xf: return NF_TPKT_TPDU_DT;
	case 0x1: return NF_TPKT_TPDU_ED;
	case 0x6: return NF_TPKT_TPDU_AK;
	case 0x2: return NF_TPKT_TPDU_EA;
	case 0x5: return NF_TPKT_TPDU_RJ;
	case 0x7: return NF_TPKT_TPDU_ER;
	default: return NF_TPKT_TPDU_UNKNOWN;
	}
}

/* Whether a parameter of @code may have length @len (ISO 8073 13.3.4). */
static bool param_len_ok(u8 code, u8 len)
{
	switch (code) {
	case 0xc0:	/* TPDU size */
	case 0xc4:	/* version number */
	case 0xc6:	/* additional option selection */
		return len == 1;
	case 0xc3:	/* checksum */
	case 0x85:	/* acknowledgment time */
	case 0x87:	/* priority */
	case 0x8b:	/* reassignment time */
		return len == 2;
	case 0x86:	/* residual error rate */
		return len == 3;
	case 0xf2:	/* inactivity timer */
		return len == 4;
	case 0x88:	/* transit delay */
		return len == 8;
	case 0x89:	/* throughput */
		return len == 12 || len == 24;
	case 0xf0:	/* preferred maximum TPDU size */
		return len >= 1 && len <= 4;
	default:	/* TSAPs, additional information, unknown: any */
		return true;
	}
}

static void start_tpkt(struct tpkt_dir *d)
{
	d->pos = 0;
	d->tlen = 0;
	d->hneed = TPKT_HDR_LEN;
	d->tpdu = TPKT_TPDU_NONE;
	d->flags &= ~(DF_PENDING | DF_LI_BAD | DF_PREF);
}

/*
 * Only a direction not synchronised yet is synchronised, so it has no
 * edits in the flow's history.
 */
static noinline void sync_dir(struct tpkt_dir *d, u32 isn, u16 flags)
{
	memset(d, 0, sizeof(*d));
	d->isn = isn;
	d->flags = DF_SYNCED | flags;
	start_tpkt(d);
}

static void poison(struct run *r, u32 at)
{
	struct tpkt_dir *d = r->d;

	if (!(d->flags & DF_POISON)) {
		d->flags |= DF_POISON;
		d->stop = at;
	}
	r->drop = true;
}

/*
 * Count and report a failed check; returns the action taken.  @fixable
 * tells whether this instance can be fixed: if not, fix acts as count.
 */
static unsigned int report(struct run *r, unsigned int check, u32 tpkt_off,
			   u32 off, u32 value, bool fixable)
{
	struct tpkt_dir *d = r->d;
	unsigned int act = r->env->pol->action[check];
	struct tpkt_anomaly a;

	if (act == NF_TPKT_ACT_IGNORE)
		return act;
	if (act == NF_TPKT_ACT_FIX && !fixable)
		act = NF_TPKT_ACT_COUNT;
	tpkt_count_inc(r->cnt->anomaly[check]);

	memset(&a, 0, sizeof(a));
	a.check = check;
	a.action = act;
	a.tpdu = d->tpdu;
	a.orig_len = d->pos < sizeof(d->hdr) ? d->pos + 1U : sizeof(d->hdr);
	if (check == NF_TPKT_CHECK_DESYNC)
		a.orig_len = 0;
	memcpy(a.orig, d->hdr, sizeof(a.orig));
	a.tpkt_off = tpkt_off;
	a.off = off;
	a.value = value;
	if (r->env->sink->anomaly)
		r->env->sink->anomaly(r->env->ctx, &a);

	if (act == NF_TPKT_ACT_DROP)
		poison(r, tpkt_off);
	return act;
}

/* Framing lost from stream offset @at on. */
static int desync(struct run *r, u32 at)
{
	struct tpkt_dir *d = r->d;

	d->flags |= DF_DESYNC;
	d->stop = at;
	tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_DESYNCS]);
	report(r, NF_TPKT_CHECK_DESYNC, at, at, 0, false);
	return STOP;
}

static void hist_forget(struct tpkt_dir *d, const struct tpkt_hist_ent *e)
{
	if (!(d->flags & DF_LOST) || after(e->off + 1, d->lost))
		d->lost = e->off + 1;
	d->flags |= DF_LOST;
}

static void hist_push(struct run *r, u32 off, u8 val)
{
	struct tpkt_flow *f = r->f;
	struct tpkt_hist *h = f->hist;
	struct tpkt_hist_ent e = { .off = off, .val = val, .dir = run_dir(r) };

	if (!h && r->env->sink->hist_alloc) {
		h = r->env->sink->hist_alloc(r->env->ctx);
		f->hist = h;
	}
	if (!h || !h->cap) {
		hist_forget(r->d, &e);
		return;
	}
	if (h->count == h->cap) {
		const struct tpkt_hist_ent *old = &h->ent[h->head];
		struct tpkt_dir *od = &f->dir[old->dir];

		/* forgetting what the peer already has loses nothing */
		if (!before(old->off, od->acked))
			hist_forget(od, old);
		h->head = (h->head + 1) % h->cap;
		h->count--;
	}
	h->ent[(h->head + h->count) % h->cap] = e;
	h->count++;
}

/*
 * The peer acknowledged everything below stream offset @ack.  Its edits
 * stay in the history, so that a spurious retransmission still gets them,
 * but may now be overwritten without counting as a loss.  An
 * acknowledgment beyond the parse frontier means the peer has bytes this
 * engine never saw (they went by while it was not looking, e.g. with the
 * hooks unregistered): see gap().
 */
static void dir_acked(struct tpkt_dir *d, u32 ack)
{
	if (after(ack, d->acked))
		d->acked = ack;
}

static void edit(struct run *r, u32 seg_off, u32 so, u8 val)
{
	r->env->sink->edit(r->env->ctx, seg_off, val);
	r->moved = true;
	tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_EDITS]);
	hist_push(r, so, val);
}

/* Re-apply remembered edits to the already parsed stream range [s, m). */
static noinline void replay(struct run *r, u32 s, u32 m)
{
	struct tpkt_dir *d = r->d;
	struct tpkt_hist *h = r->f->hist;
	unsigned int i;

	if ((d->flags & DF_LOST) && before(s, d->lost))
		tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_REXMIT_UNFIXED]);
	for (i = 0; h && i < h->count; i++) {
		const struct tpkt_hist_ent *e = &h->ent[(h->head + i) % h->cap];

		if (e->dir != run_dir(r))
			continue;
		/* a direction's entries are in stream order */
		if (!before(e->off, m))
			break;
		if (!before(e->off, s)) {
			r->env->sink->edit(r->env->ctx, e->off - s, e->val);
			tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_EDITS]);
		}
	}
}

/*
 * A CC fixes the class and the maximum TPDU size, one size for both
 * directions: its own, or ISO 8073's default without the parameter.  The
 * standard lets the responder only lower what the CR proposed, but stacks
 * answer with their own size whatever the CR said, and both peers then use
 * the CC's; so the CC's is what the flow is judged by, and a CC above the
 * proposal is not reported.
 */
static void cc_done(struct run *r)
{
	struct tpkt_dir *d = r->d;

	r->f->cls = d->opt >> 4;
	r->f->max_tpdu = d->psize ? d->psize : TPDU_SIZE_DEFAULT;
}

/* Apply what CR/CC negotiated to the flow. */
static noinline void conn_done(struct run *r)
{
	struct tpkt_dir *d = r->d;
	struct tpkt_conn_info ci;
	u32 tpkt_off = d->next - d->pos;
	unsigned int i;
	bool truncated = d->pstate == PS_LEN ||
			 (d->pstate == PS_VALUE && d->pidx < d->plen);

	if (truncated &&
	    report(r, NF_TPKT_CHECK_COTP_PARAM, tpkt_off, d->next, d->pcode,
		   false) == NF_TPKT_ACT_DROP)
		return;

	if (d->tpdu == NF_TPKT_TPDU_CC)
		cc_done(r);
	if (!r->env->sink->conn)
		return;
	memset(&ci, 0, sizeof(ci));
	ci.tpdu = d->tpdu;
	if (d->tpdu == NF_TPKT_TPDU_CR || d->tpdu == NF_TPKT_TPDU_CC) {
		ci.cls = d->opt >> 4;
		ci.options = d->opt & 0x0f;
	} else {
		ci.cause = d->opt;
	}
	ci.dst_ref = d->dst_ref;
	ci.src_ref = d->src_ref;
	ci.tpdu_size = d->psize;
	for (i = 0; i < 2; i++)
		ci.tsap_off[i] = d->tsap_off[i] ? d->tsap_off[i] + CR_VAR_OFF : 0;
	ci.tsap_len[0] = d->tsap_len[0];
	ci.tsap_len[1] = d->tsap_len[1];
	ci.tpkt_off = tpkt_off;
	r->env->sink->conn(r->env->ctx, &ci);
}

/* Whether the TPDU being parsed negotiates the TPDU size (CR, CC). */
static bool sizes_tpdu(const struct tpkt_dir *d)
{
	return d->tpdu == NF_TPKT_TPDU_CR || d->tpdu == NF_TPKT_TPDU_CC;
}

/* A parameter value is complete; @b is its last byte. */
static int param_done(struct run *r, u32 tpkt_off, u8 b)
{
	struct tpkt_dir *d = r->d;

	if (!sizes_tpdu(d))
		return GO_ON;
	switch (d->pcode) {
	case 0xc0:
		if (b < TPDU_CODE_MIN || b > TPDU_CODE_MAX) {
			if (report(r, NF_TPKT_CHECK_COTP_PARAM, tpkt_off,
				   d->next, b, false) == NF_TPKT_ACT_DROP)
				return STOP;
			break;
		}
		/* the preferred maximum (0xf0) wins when both are present */
		if (!(d->flags & DF_PREF))
			d->psize = 1U << b;
		break;
	case 0xf0:
		/*
		 * Its value was gathered in ->psize (see param_byte()), in
		 * units of 128 octets; anything past 2^31 is "no limit".  A
		 * size of 0 is no size at all.
		 */
		if (!d->psize) {
			if (report(r, NF_TPKT_CHECK_COTP_PARAM, tpkt_off,
				   d->next, 0, false) == NF_TPKT_ACT_DROP)
				return STOP;
			break;
		}
		d->psize = d->psize < (1U << 24) ? d->psize * 128 : 1U << 31;
		d->flags |= DF_PREF;
		break;
	}
	return GO_ON;
}

/* One byte of a CR/CC/DR/DC/ER variable part (parameters). */
static int param_byte(struct run *r, u32 tpkt_off, u8 b)
{
	struct tpkt_dir *d = r->d;
	unsigned int left = d->hneed - d->pos - 1;	/* after this byte */

	switch (d->pstate) {
	case PS_CODE:
		d->pcode = b;
		d->pstate = PS_LEN;
		break;
	case PS_LEN:
		d->plen = b;
		d->pidx = 0;
		d->pstate = PS_VALUE;
		if (b > left || !param_len_ok(d->pcode, b)) {
			d->pstate = PS_SKIP;
			if (report(r, NF_TPKT_CHECK_COTP_PARAM, tpkt_off,
				   d->next, d->pcode, false) == NF_TPKT_ACT_DROP)
				return STOP;
		} else if (d->pcode == 0xc1 || d->pcode == 0xc2) {
			d->tsap_off[d->pcode - 0xc1] = d->pos + 1 - CR_VAR_OFF;
			d->tsap_len[d->pcode - 0xc1] = b;
		} else if (d->pcode == 0xf0 && sizes_tpdu(d)) {
			/*
			 * The only value longer than a byte that is kept (1 to
			 * 4 bytes, as param_len_ok() checks): gathered in
			 * place, as it replaces any 0xc0 size anyway.  A
			 * value never outruns the header (b <= left above),
			 * so a complete CR/CC never leaves it half-gathered.
			 */
			d->psize = 0;
		}
		if (d->pstate == PS_VALUE && !b)
			d->pstate = PS_CODE;
		break;
	case PS_VALUE:
		if (d->pcode == 0xf0 && sizes_tpdu(d))
			d->psize = d->psize << 8 | b;
		if (++d->pidx == d->plen) {
			d->pstate = PS_CODE;
			return param_done(r, tpkt_off, b);
		}
		break;
	default:
		break;
	}
	return GO_ON;
}

/* One byte of the fixed part of a CR/CC/DR/DC/ER header. */
static int fixed_byte(struct run *r, u32 tpkt_off, u32 seg_off, u8 b)
{
	struct tpkt_dir *d = r->d;
	unsigned int idx = d->pos;
	unsigned int act, cls = b >> 4;
	bool bad, fixable;

	switch (idx) {
	case 6: case 7:
		d->dst_ref = d->dst_ref << 8 | b;
		return GO_ON;
	case 8: case 9:
		if (d->tpdu == NF_TPKT_TPDU_ER) {
			if (idx == 8)
				d->opt = b;
			return GO_ON;
		}
		d->src_ref = d->src_ref << 8 | b;
		return GO_ON;
	}
	/* idx 10: class/option (CR/CC) or reason (DR) */
	d->opt = b;
	if (d->tpdu != NF_TPKT_TPDU_CR && d->tpdu != NF_TPKT_TPDU_CC)
		return GO_ON;
	bad = cls > 4 || (b & CLASS_OPT_RESERVED);
	if (!bad)
		return GO_ON;
	fixable = cls <= 4;
	act = report(r, NF_TPKT_CHECK_COTP_CLASS_OPTION, tpkt_off, d->next, b,
		     fixable);
	if (act == NF_TPKT_ACT_DROP)
		return STOP;
	if (act == NF_TPKT_ACT_FIX) {
		d->opt = b & ~CLASS_OPT_RESERVED;
		edit(r, seg_off, d->next, d->opt);
	}
	return GO_ON;
}

/*
 * Report the anomalies of the TPKT header that were found before the TPDU
 * type was known, now that it is (or will not be): events then name the
 * TPDU and carry the whole header.  Drop actions never wait.
 */
static void flush_pending(struct run *r, u32 tpkt_off)
{
	struct tpkt_dir *d = r->d;

	if (d->flags & DF_PEND_RES)
		report(r, NF_TPKT_CHECK_RESERVED, tpkt_off, tpkt_off + 1,
		       d->hdr[IDX_RESERVED], true);
	if (d->flags & DF_PEND_OVER)
		report(r, NF_TPKT_CHECK_COTP_OVERSIZE, tpkt_off, tpkt_off + 2,
		       d->tlen - TPKT_HDR_LEN, false);
	if (d->flags & DF_PEND_LI)
		report(r, NF_TPKT_CHECK_COTP_LI, tpkt_off, tpkt_off + IDX_LI,
		       d->hdr[IDX_LI], false);
	d->flags &= ~DF_PENDING;
}

/* The TPDU code octet. */
static int code_byte(struct run *r, u32 tpkt_off, u8 b)
{
	struct tpkt_dir *d = r->d;
	struct tpkt_flow *f = r->f;
	unsigned int t = tpkt_tpdu_type(b);
	u8 li = d->hdr[IDX_LI];

	d->tpdu = t;
	tpkt_count_inc(r->cnt->tpdu[t]);
	flush_pending(r, tpkt_off);
	if (t == NF_TPKT_TPDU_UNKNOWN)
		return report(r, NF_TPKT_CHECK_COTP_CODE, tpkt_off, d->next, b,
			      false) == NF_TPKT_ACT_DROP ? STOP : GO_ON;
	if (f->cls < ARRAY_SIZE(class_tpdus) &&
	    !(class_tpdus[f->cls] & (1U << t)) &&
	    report(r, NF_TPKT_CHECK_COTP_CLASS_TPDU, tpkt_off, d->next, b,
		   false) == NF_TPKT_ACT_DROP)
		return STOP;
	if (d->flags & DF_LI_BAD)
		return GO_ON;
	if (li < fixed_li[t])
		return report(r, NF_TPKT_CHECK_COTP_LI, tpkt_off, d->next - 1,
			      li, false) == NF_TPKT_ACT_DROP ? STOP : GO_ON;
	if ((1U << t) & PARSED_TPDUS) {
		d->hneed = IDX_LI + 1 + li;
		d->pstate = PS_CODE;
		d->psize = 0;
		d->dst_ref = 0;
		d->src_ref = 0;
		d->opt = 0;
		d->tsap_len[0] = 0;
		d->tsap_len[1] = 0;
		d->tsap_off[0] = 0;
		d->tsap_off[1] = 0;
	}
	return GO_ON;
}

/*
 * Parse one header byte @b at stream offset d->next, segment offset
 * @seg_off.  Returns STOP when the stream must not be parsed further.
 */
static int hdr_byte(struct run *r, u32 seg_off, u8 b)
{
	struct tpkt_dir *d = r->d;
	struct tpkt_flow *f = r->f;
	unsigned int idx = d->pos, act;
	u32 so = d->next, tpkt_off = so - idx;

	if (idx < sizeof(d->hdr))
		d->hdr[idx] = b;

	switch (idx) {
	case IDX_VERSION:
		if (b == 3)
			return GO_ON;
		if (report(r, NF_TPKT_CHECK_VERSION, tpkt_off, so, b, false) ==
		    NF_TPKT_ACT_DROP)
			return STOP;
		return desync(r, so);
	case IDX_RESERVED:
		if (!b)
			return GO_ON;
		act = r->env->pol->action[NF_TPKT_CHECK_RESERVED];
		if (act == NF_TPKT_ACT_DROP) {
			report(r, NF_TPKT_CHECK_RESERVED, tpkt_off, so, b, true);
			return STOP;
		}
		if (act == NF_TPKT_ACT_FIX)
			edit(r, seg_off, so, 0);
		/* reported once the TPDU type is known */
		if (act != NF_TPKT_ACT_IGNORE)
			d->flags |= DF_PEND_RES;
		return GO_ON;
	case 2:
		return GO_ON;
	case IDX_LEN_LO:
		d->tlen = d->hdr[2] << 8 | b;
		tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_TPKTS]);
		if (d->tlen < TPKT_MIN_LEN) {
			flush_pending(r, tpkt_off);
			if (report(r, NF_TPKT_CHECK_LENGTH, tpkt_off, so - 1,
				   d->tlen, false) == NF_TPKT_ACT_DROP)
				return STOP;
			if (d->tlen < TPKT_HDR_LEN)
				return desync(r, so + 1);
			return GO_ON;	/* too short for COTP: skip it */
		}
		if (f->max_tpdu && (u32)d->tlen - TPKT_HDR_LEN > f->max_tpdu) {
			act = r->env->pol->action[NF_TPKT_CHECK_COTP_OVERSIZE];
			if (act == NF_TPKT_ACT_DROP) {
				flush_pending(r, tpkt_off);
				report(r, NF_TPKT_CHECK_COTP_OVERSIZE, tpkt_off,
				       so - 1, d->tlen - TPKT_HDR_LEN, false);
				return STOP;
			}
			if (act != NF_TPKT_ACT_IGNORE)
				d->flags |= DF_PEND_OVER;
		}
		d->hneed = IDX_LI + 1;
		return GO_ON;
	case IDX_LI:
		if (b && b != 255 && b + IDX_LI + 1 <= d->tlen) {
			d->hneed = IDX_CODE + 1;
			return GO_ON;
		}
		act = r->env->pol->action[NF_TPKT_CHECK_COTP_LI];
		if (act == NF_TPKT_ACT_DROP) {
			flush_pending(r, tpkt_off);
			report(r, NF_TPKT_CHECK_COTP_LI, tpkt_off, so, b, false);
			return STOP;
		}
		if (b && b != 255) {
			/* the code is still there: report with the TPDU type */
			if (act != NF_TPKT_ACT_IGNORE)
				d->flags |= DF_PEND_LI;
			d->flags |= DF_LI_BAD;
			d->hneed = IDX_CODE + 1;
			return GO_ON;
		}
		/* no TPDU code in this TPKT: report now, parse nothing more */
		flush_pending(r, tpkt_off);
		report(r, NF_TPKT_CHECK_COTP_LI, tpkt_off, so, b, false);
		return GO_ON;
	case IDX_CODE:
		return code_byte(r, tpkt_off, b);
	}
	if (idx < IDX_LI + 1U + fixed_li[d->tpdu])
		return fixed_byte(r, tpkt_off, seg_off, b);
	return param_byte(r, tpkt_off, b);
}

/*
 * The common case in one go: a TPKT header with nothing to report and a
 * TPDU whose header is not parsed further (DT above all).  Returns false,
 * having changed nothing, for anything else; hdr_byte() then takes it
 * byte by byte.  Its effect is exactly that of hdr_byte() over the first
 * IDX_CODE + 1 bytes of such a header, which the tests check by feeding
 * the same streams in every segmentation, one byte at a time included.
 */
static bool clean_header(struct run *r, const u8 *h)
{
	struct tpkt_dir *d = r->d;
	const struct tpkt_flow *f = r->f;
	unsigned int tlen = h[2] << 8 | h[IDX_LEN_LO], li = h[IDX_LI], t;

	if (h[IDX_VERSION] != 3 || h[IDX_RESERVED] || tlen < TPKT_MIN_LEN ||
	    !li || li == 255 || li + IDX_LI + 1 > tlen ||
	    (f->max_tpdu && tlen - TPKT_HDR_LEN > f->max_tpdu))
		return false;
	t = tpkt_tpdu_type(h[IDX_CODE]);
	if (t == NF_TPKT_TPDU_UNKNOWN || ((1U << t) & PARSED_TPDUS) ||
	    li < fixed_li[t] ||
	    (f->cls < ARRAY_SIZE(class_tpdus) &&
	     !(class_tpdus[f->cls] & (1U << t))))
		return false;
	memcpy(d->hdr, h, sizeof(d->hdr));
	d->tlen = tlen;
	d->tpdu = t;
	tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_TPKTS]);
	tpkt_count_inc(r->cnt->tpdu[t]);
	return true;
}

/* Parse new stream bytes: segment offsets [p, end), d->next is at p. */
static void parse(struct run *r, const struct tpkt_seg *seg, u32 p, u32 end)
{
	struct tpkt_dir *d = r->d;
	u8 buf[16];

	while (p < end) {
		const u8 *data;
		u32 n, i;

		if (d->pos >= d->hneed) {
			/* body: jump, to its end or to the segment's */
			n = d->tlen - d->pos;
			if (n > end - p) {
				d->pos += end - p;
				d->next += end - p;
				return;
			}
			d->next += n;
			p += n;
			start_tpkt(d);
			continue;
		}
		n = end - p < sizeof(buf) ? end - p : sizeof(buf);
		data = seg->read(seg, p, n, buf);
		if (!data)
			return;
		/*
		 * An edit can reallocate the skb's head (a clone's, say):
		 * read again after one rather than go on through @data.
		 */
		r->moved = false;
		for (i = 0; i < n && d->pos < d->hneed && !r->moved;
		     i++, p++) {
			if (!d->pos && n - i > IDX_CODE &&
			    clean_header(r, data + i)) {
				d->pos = IDX_CODE + 1;
				d->next += IDX_CODE + 1;
				p += IDX_CODE + 1;
				break;
			}
			if (hdr_byte(r, p, data[i]) == STOP)
				return;
			d->pos++;
			d->next++;
			if (d->pos < d->hneed)
				continue;
			if (d->pos > IDX_CODE && ((1U << d->tpdu) & PARSED_TPDUS) &&
			    !(d->flags & DF_LI_BAD)) {
				conn_done(r);
				if (r->drop)
					return;
			}
			if (d->pos == d->tlen)
				start_tpkt(d);
		}
	}
}

/* Whether the segment starts with something that looks like TPKT + COTP. */
static noinline bool plausible(const struct tpkt_seg *seg)
{
	u8 buf[6];
	const u8 *h;
	unsigned int tlen;

	if (seg->len < sizeof(buf))
		return false;
	h = seg->read(seg, 0, sizeof(buf), buf);
	if (!h || h[0] != 3)
		return false;
	tlen = h[2] << 8 | h[3];
	return tlen >= TPKT_MIN_LEN && h[4] && h[4] != 255 &&
	       h[4] + IDX_LI + 1U <= tlen &&
	       tpkt_tpdu_type(h[5]) != NF_TPKT_TPDU_UNKNOWN;
}

void tpkt_flow_init(struct tpkt_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->cls = TPKT_CLASS_UNKNOWN;
}

bool tpkt_dir_tracked(const struct tpkt_flow *f, unsigned int dir)
{
	return (f->dir[dir].flags & (DF_SYNCED | DF_CLOSED)) == DF_SYNCED;
}

bool tpkt_dir_reset(const struct tpkt_flow *f, unsigned int dir)
{
	return f->dir[dir].flags & DF_CLOSED;
}

bool tpkt_dir_desynced(const struct tpkt_flow *f, unsigned int dir)
{
	return f->dir[dir].flags & DF_DESYNC;
}

bool tpkt_dir_blocked(const struct tpkt_flow *f, unsigned int dir)
{
	return f->dir[dir].flags & DF_POISON;
}

u32 tpkt_dir_stream_bytes(const struct tpkt_flow *f, unsigned int dir)
{
	return f->dir[dir].next;
}

bool tpkt_dir_reached(const struct tpkt_flow *f, unsigned int dir, u32 seq)
{
	const struct tpkt_dir *d = &f->dir[dir];

	return !(d->flags & DF_SYNCED) || !after(seq - d->isn, d->next);
}

bool tpkt_dir_picked_up(const struct tpkt_flow *f, unsigned int dir)
{
	return f->dir[dir].flags & DF_PICKED;
}

/*
 * A segment ahead of the frontier: may it be parsed as if in order?
 * Returns GO_ON, STOP to drop it, or HOLD to have the caller keep it and
 * feed it again once the frontier reaches it.
 */
#define HOLD	2
static noinline int gap(struct run *r, u32 s)
{
	struct tpkt_dir *d = r->d;
	u32 g = s - d->next;

	tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_OOO]);
	if (d->pos >= d->hneed && (u32)(d->tlen - d->pos) >= g) {
		/* the gap lies inside a known body: nothing is hidden there */
		d->pos += g;
		d->next = s;
		if (d->pos == d->tlen)
			start_tpkt(d);
		return GO_ON;
	}
	/*
	 * Holding or dropping waits for the sender to fill the gap, unless
	 * the receiver already has (part of) it: then it never comes again,
	 * and waiting would stall the connection for good.
	 */
	if (!after(d->acked, d->next)) {
		if (r->env->pol->ooo == NF_TPKT_OOO_HOLD)
			return HOLD;
		if (r->env->pol->ooo == NF_TPKT_OOO_DROP) {
			tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_OOO_DROPS]);
			return STOP;
		}
	}
	/* passed unparsed: whatever follows it cannot be framed */
	d->flags |= DF_DESYNC;
	d->stop = s;
	tpkt_count_inc(r->cnt->ctr[NF_TPKT_CTR_DESYNCS]);
	report(r, NF_TPKT_CHECK_DESYNC, s, s, 0, false);
	return GO_ON;
}

/*
 * Whether the receiver takes RST @seg of direction @d (reverse @rev) for
 * one (RFC 5961 3.2): only at exactly the sequence number it expects
 * next, which is the sender's next, this direction's frontier (plus one
 * for its FIN).  Anywhere else in its window an RST earns a challenge ACK,
 * outside it nothing; either way the connection goes on, and so must its
 * normalization.  A direction that never sent anything answers the other's
 * SYN or data: then its RST must acknowledge exactly all of that (RFC 793,
 * SYN-SENT).  A blind attacker has to guess one number in 2^32.
 */
static bool rst_acceptable(const struct tpkt_dir *d, const struct tpkt_dir *rev,
			   const struct tpkt_seg *seg)
{
	u32 s = seg->seq - d->isn;

	if (d->flags & DF_SYNCED)
		return s == d->next || ((d->flags & DF_FIN) && s == d->next + 1);
	return (seg->flags & TPKT_SEG_ACK) && (rev->flags & DF_SYNCED) &&
	       seg->ack - rev->isn == rev->next;
}

/*
 * Everything but the next in-order segment of a direction parsed
 * normally: handshake, reset, pickup, resynchronisation, retransmission,
 * reordering.  Returns true with the segment offsets left to parse in
 * [*p, *end); false if there are none, r->drop telling whether the
 * segment is dropped.
 */
static noinline bool segment_slow(struct run *r, const struct tpkt_seg *seg)
{
	struct tpkt_dir *d = r->d;
	const struct tpkt_policy *pol = r->env->pol;
	struct tpkt_counts __percpu *cnt = r->cnt;
	u32 seq = seg->seq, s, e;

	if (seg->flags & TPKT_SEG_RST) {
		if (rst_acceptable(d, &r->f->dir[!run_dir(r)], seg))
			d->flags |= DF_CLOSED;
		else
			tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_RSTS_IGNORED]);
		return false;
	}
	if (seg->flags & TPKT_SEG_SYN) {
		if (!(d->flags & DF_SYNCED))
			sync_dir(d, seq + 1, 0);
		seq++;
	}
	if (!seg->len)
		return false;
	if (!(d->flags & DF_SYNCED)) {
		if (pol->pickup != NF_TPKT_PICKUP_LOOSE || !plausible(seg)) {
			tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_UNTRACKED]);
			return false;
		}
		sync_dir(d, seq, DF_PICKED);
		tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_PICKUPS]);
	}
	if (d->flags & DF_CLOSED) {
		tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_UNTRACKED]);
		return false;
	}

	s = seq - d->isn;
	e = s + seg->len;
	if ((d->flags & DF_POISON) && after(e, d->stop)) {
		r->drop = true;
		return false;
	}
	if ((d->flags & DF_DESYNC) && !before(s, d->stop)) {
		if (pol->pickup != NF_TPKT_PICKUP_LOOSE || !plausible(seg))
			return false;
		/* found a plausible header again: restart framing there */
		d->flags &= ~DF_DESYNC;
		d->next = s;
		start_tpkt(d);
		tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_RESYNCS]);
	}

	if (before(s, d->next)) {
		tpkt_count_inc(cnt->ctr[NF_TPKT_CTR_REXMITS]);
		replay(r, s, before(e, d->next) ? e : d->next);
		if (!after(e, d->next))
			return false;
	} else if (after(s, d->next) && !(d->flags & DF_DESYNC)) {
		r->gap = gap(r, s);
		if (r->gap == STOP)
			r->drop = true;
		if (r->gap != GO_ON)
			return false;
	}

	if (d->flags & DF_DESYNC) {
		/* parse only what lies before the desync point */
		if (!before(d->next, d->stop) || after(d->next, s + seg->len))
			return false;
		if (after(e, d->stop))
			e = d->stop;
	}
	if (r->drop || before(d->next, s) || !after(e, d->next))
		return false;
	r->p = d->next - s;
	r->end = e - s;
	return true;
}

/*
 * The common case is predicted, as TCP's fast path does: the next data
 * segment of a direction that is being parsed, with nothing to resend,
 * drop or resynchronise.  Inside a TPDU body that costs a few compares;
 * anything else takes segment_slow() first.
 */
int tpkt_flow_segment(struct tpkt_flow *f, unsigned int dir,
		      const struct tpkt_env *env, const struct tpkt_seg *seg)
{
	struct tpkt_dir *d = &f->dir[dir], *rev = dir ? f->dir : f->dir + 1;
	u32 p = 0, end = seg->len;
	unsigned int flags = seg->flags;
	struct run r;
	bool next;

	if (flags & TPKT_SEG_FIN)
		d->flags |= DF_FIN;
	/* an RST's ACK is not judged: it must not move anything */
	if ((flags & (TPKT_SEG_ACK | TPKT_SEG_RST)) == TPKT_SEG_ACK &&
	    (rev->flags & DF_SYNCED))
		dir_acked(rev, seg->ack - rev->isn);
	next = !(flags & (TPKT_SEG_SYN | TPKT_SEG_RST)) && end &&
	       (d->flags & (DF_SYNCED | DF_CLOSED | DF_POISON | DF_DESYNC)) ==
	       DF_SYNCED && seg->seq - d->isn == d->next;
	if (next && d->pos >= d->hneed && end < (u32)(d->tlen - d->pos)) {
		d->pos += end;
		d->next += end;
		return TPKT_ACCEPT;
	}

	r.f = f;
	r.d = d;
	r.env = env;
	r.cnt = env->cnt;
	/* one store: both fit a 16-bit word */
	r.drop = false;
	r.gap = GO_ON;
	if (!next && segment_slow(&r, seg)) {
		p = r.p;
		end = r.end;
		next = true;
	}
	if (next)
		parse(&r, seg, p, end);
	if (r.gap == HOLD)
		return TPKT_HOLD;
	if (r.drop) {
		if (r.gap != STOP)
			tpkt_count_inc(r.cnt->ctr[NF_TPKT_CTR_DROPS]);
		return TPKT_DROP;
	}
	return TPKT_ACCEPT;
}

void tpkt_policy_default_actions(u8 action[__NF_TPKT_CHECK_MAX])
{
	static const u8 defaults[__NF_TPKT_CHECK_MAX] = {
		[NF_TPKT_CHECK_RESERVED] = NF_TPKT_ACT_FIX,
		[NF_TPKT_CHECK_VERSION] = NF_TPKT_ACT_DROP,
		[NF_TPKT_CHECK_LENGTH] = NF_TPKT_ACT_DROP,
		[NF_TPKT_CHECK_COTP_LI] = NF_TPKT_ACT_DROP,
		[NF_TPKT_CHECK_COTP_CODE] = NF_TPKT_ACT_DROP,
		[NF_TPKT_CHECK_COTP_CLASS_TPDU] = NF_TPKT_ACT_COUNT,
		[NF_TPKT_CHECK_COTP_CLASS_OPTION] = NF_TPKT_ACT_COUNT,
		[NF_TPKT_CHECK_COTP_PARAM] = NF_TPKT_ACT_COUNT,
		[NF_TPKT_CHECK_COTP_OVERSIZE] = NF_TPKT_ACT_COUNT,
		[NF_TPKT_CHECK_DESYNC] = NF_TPKT_ACT_COUNT,
	};

	memcpy(action, defaults, sizeof(defaults));
}

bool tpkt_check_fixable(unsigned int check)
{
	return check == NF_TPKT_CHECK_RESERVED ||
	       check == NF_TPKT_CHECK_COTP_CLASS_OPTION;
}

bool tpkt_check_action_valid(unsigned int check, unsigned int action)
{
	if (check > NF_TPKT_CHECK_MAX || action > NF_TPKT_ACT_MAX)
		return false;
	return action != NF_TPKT_ACT_FIX || tpkt_check_fixable(check);
}

void tpkt_policy_compile(struct tpkt_policy *out, unsigned int mode,
			 const u8 action[__NF_TPKT_CHECK_MAX],
			 unsigned int ooo, unsigned int pickup)
{
	unsigned int i, cap;

	switch (mode) {
	case NF_TPKT_MODE_ENFORCE:
		cap = NF_TPKT_ACT_DROP;
		break;
	case NF_TPKT_MODE_NORMALIZE:
		cap = NF_TPKT_ACT_FIX;
		break;
	case NF_TPKT_MODE_MONITOR:
		cap = NF_TPKT_ACT_COUNT;
		break;
	default:
		cap = NF_TPKT_ACT_IGNORE;
		break;
	}
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++) {
		unsigned int a = action[i];

		if (a == NF_TPKT_ACT_DROP && cap == NF_TPKT_ACT_FIX)
			a = NF_TPKT_ACT_COUNT;
		out->action[i] = a > cap ? cap : a;
	}
	/*
	 * Monitor never drops or delays: it passes, but with hold its
	 * caller keeps a copy to parse once the gap is filled.
	 */
	if (cap == NF_TPKT_ACT_DROP || cap == NF_TPKT_ACT_FIX ||
	    ooo == NF_TPKT_OOO_HOLD)
		out->ooo = ooo;
	else
		out->ooo = NF_TPKT_OOO_PASS;
	out->pickup = pickup;
}
