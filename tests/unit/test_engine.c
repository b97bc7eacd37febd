// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the stream engine: the field report's CONNECT CONFIRM, every
 * TPDU type, every check with every action, retransmission, reordering,
 * sequence wrap, SYN/FIN/RST and mid-stream pickup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "feed.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The CONNECT CONFIRM traced in Microsoft KB Q151626 (TCP payload from
 * offset 0x36 of the frame): TPKT reserved byte 0x11.
 */
static const u8 kb_cc[] = {
	0x03, 0x11, 0x00, 0x2c, 0x27, 0xd0, 0x01, 0xca, 0x00, 0x29, 0x00,
	0xc1, 0x0d, 'S', 'W', 'I', 'S', 'S', 'L', 'I', 'F', 'E', 'T', 'S',
	'A', 'P',
	0xc2, 0x0d, 'E', 'X', 'C', 'H', 'A', 'N', 'G', 'E', 'T', 'S', 'A',
	'P', '1',
	0xc0, 0x01, 0x0b,
};

static struct feed F;

static int teardown(void **state)
{
	(void)state;
	feed_free(&F);
	return 0;
}

static void start(unsigned int mode)
{
	feed_init(&F, mode, NULL, NF_TPKT_OOO_DROP, NF_TPKT_PICKUP_STRICT, 64);
	assert_int_equal(feed_syn(&F, 0, 1000), TPKT_ACCEPT);
	assert_int_equal(feed_syn(&F, 1, 5000), TPKT_ACCEPT);
}

static void test_kb_connect_confirm_fixed(void **state)
{
	u8 out[sizeof(kb_cc)];
	const struct tpkt_conn_info *ci;
	const struct tpkt_anomaly *a;

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc),
				   TPKT_SEG_ACK, out), TPKT_ACCEPT);

	/* only the reserved byte changes */
	assert_int_equal(out[0], 0x03);
	assert_int_equal(out[1], 0x00);
	assert_memory_equal(out + 2, kb_cc + 2, sizeof(kb_cc) - 2);
	assert_int_equal(F.n_edits, 1);
	assert_int_equal(F.edits[0].off, 1);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_EDITS], 1);

	assert_int_equal(F.n_anom, 1);
	a = &F.anom[0];
	assert_int_equal(a->check, NF_TPKT_CHECK_RESERVED);
	assert_int_equal(a->action, NF_TPKT_ACT_FIX);
	assert_int_equal(a->tpkt_off, 0);
	assert_int_equal(a->off, 1);
	assert_int_equal(a->value, 0x11);
	assert_int_equal(a->tpdu, NF_TPKT_TPDU_CC);
	assert_int_equal(a->orig_len, 6);
	assert_memory_equal(a->orig, "\x03\x11\x00\x2c\x27\xd0", 6);
	assert_int_equal(F.cnt.anomaly[NF_TPKT_CHECK_RESERVED], 1);

	/* the CC itself was parsed */
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_TPKTS], 1);
	assert_int_equal(F.cnt.tpdu[NF_TPKT_TPDU_CC], 1);
	assert_int_equal(F.n_conn, 1);
	ci = &F.conn[0];
	assert_int_equal(ci->tpdu, NF_TPKT_TPDU_CC);
	assert_int_equal(ci->dst_ref, 0x01ca);
	assert_int_equal(ci->src_ref, 0x0029);
	assert_int_equal(ci->cls, 0);
	assert_int_equal(ci->options, 0);
	assert_int_equal(ci->tpdu_size, 2048);
	assert_int_equal(ci->tsap_len[0], 13);
	assert_memory_equal(kb_cc + ci->tsap_off[0], "SWISSLIFETSAP", 13);
	assert_int_equal(ci->tsap_len[1], 13);
	assert_memory_equal(kb_cc + ci->tsap_off[1], "EXCHANGETSAP1", 13);
	assert_int_equal(F.flow.cls, 0);
	assert_int_equal(F.flow.max_tpdu, 2048);
}

static void test_kb_connect_confirm_counted(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_RESERVED,
			NF_TPKT_ACT_COUNT);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_int_equal(F.n_edits, 0);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].action, NF_TPKT_ACT_COUNT);
	assert_int_equal(F.cnt.anomaly[NF_TPKT_CHECK_RESERVED], 1);
	assert_int_equal(F.flow.max_tpdu, 2048);
}

static void test_kb_monitor_never_edits(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	start(NF_TPKT_MODE_MONITOR);	/* configured: fix */
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].action, NF_TPKT_ACT_COUNT);
}

static void test_kb_ignored(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_RESERVED,
			NF_TPKT_ACT_IGNORE);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_int_equal(F.n_anom, 0);
	assert_int_equal(F.cnt.anomaly[NF_TPKT_CHECK_RESERVED], 0);
	assert_int_equal(F.cnt.tpdu[NF_TPKT_TPDU_CC], 1);
}

static void test_kb_dropped_in_enforce(void **state)
{
	(void)state;
	start(NF_TPKT_MODE_ENFORCE);
	feed_set_action(&F, NF_TPKT_MODE_ENFORCE, NF_TPKT_CHECK_RESERVED,
			NF_TPKT_ACT_DROP);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, NULL),
			 TPKT_DROP);
	/* the retransmission is dropped too, and not reported again */
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, NULL),
			 TPKT_DROP);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].action, NF_TPKT_ACT_DROP);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DROPS], 2);
	assert_int_equal(F.n_edits, 0);
	/* normalize caps drop to count */
	feed_free(&F);
	start(NF_TPKT_MODE_NORMALIZE);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_RESERVED,
			NF_TPKT_ACT_DROP);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(F.anom[0].action, NF_TPKT_ACT_COUNT);
}

/* Every split of the KB frame into two segments gives the same result. */
static void test_kb_every_split(void **state)
{
	size_t cut;

	(void)state;
	for (cut = 1; cut < sizeof(kb_cc); cut++) {
		u8 out[sizeof(kb_cc)];

		start(NF_TPKT_MODE_NORMALIZE);
		assert_int_equal(feed_data(&F, 1, 0, kb_cc, cut, 0, out),
				 TPKT_ACCEPT);
		assert_int_equal(feed_data(&F, 1, cut, kb_cc + cut,
					   sizeof(kb_cc) - cut, 0, out + cut),
				 TPKT_ACCEPT);
		assert_int_equal(out[1], 0);
		assert_memory_equal(out + 2, kb_cc + 2, sizeof(kb_cc) - 2);
		assert_int_equal(F.n_anom, 1);
		assert_memory_equal(F.anom[0].orig, "\x03\x11\x00\x2c", 4);
		assert_int_equal(F.n_conn, 1);
		assert_int_equal(F.conn[0].tpdu_size, 2048);
		assert_int_equal(F.flow.max_tpdu, 2048);
		feed_free(&F);
	}
}

static void test_kb_one_byte_segments(void **state)
{
	u8 out[sizeof(kb_cc)];
	size_t i;

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	for (i = 0; i < sizeof(kb_cc); i++)
		assert_int_equal(feed_data(&F, 1, i, kb_cc + i, 1, 0, out + i),
				 TPKT_ACCEPT);
	assert_int_equal(out[1], 0);
	assert_memory_equal(out + 2, kb_cc + 2, sizeof(kb_cc) - 2);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.n_conn, 1);
	assert_int_equal(F.conn[0].tsap_off[0], 13);
}

/* ---- every TPDU type -------------------------------------------------- */

struct tpdu_case {
	const char *name;
	unsigned int type;
	u8 cotp[12];
	u8 clen;
	u8 body;
	bool ok_class0;
	bool ok_class2;
};

static const struct tpdu_case tpdus[] = {
	{ "CR", NF_TPKT_TPDU_CR, { 6, 0xe0, 0, 0, 0, 2, 0x00 }, 7, 0, 1, 1 },
	{ "CC", NF_TPKT_TPDU_CC, { 6, 0xd0, 0, 2, 0, 3, 0x00 }, 7, 0, 1, 1 },
	{ "DR", NF_TPKT_TPDU_DR, { 6, 0x80, 0, 2, 0, 3, 0x80 }, 7, 0, 1, 1 },
	{ "DC", NF_TPKT_TPDU_DC, { 5, 0xc0, 0, 2, 0, 3 }, 6, 0, 0, 1 },
	{ "DT", NF_TPKT_TPDU_DT, { 2, 0xf0, 0x80 }, 3, 100, 1, 1 },
	{ "ED", NF_TPKT_TPDU_ED, { 4, 0x10, 0, 2, 0x80 }, 5, 8, 0, 1 },
	{ "AK", NF_TPKT_TPDU_AK, { 4, 0x61, 0, 2, 0x05 }, 5, 0, 0, 1 },
	{ "EA", NF_TPKT_TPDU_EA, { 4, 0x20, 0, 2, 0x05 }, 5, 0, 0, 1 },
	{ "RJ", NF_TPKT_TPDU_RJ, { 4, 0x51, 0, 2, 0x05 }, 5, 0, 0, 0 },
	{ "ER", NF_TPKT_TPDU_ER, { 7, 0x70, 0, 2, 0x02, 0xc1, 1, 0x70 }, 8,
	  0, 1, 1 },
};

/* CR and CC negotiating @cls. */
static void negotiate(unsigned int cls)
{
	u8 cr[] = { 0x03, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, (u8)(cls << 4),
		    0xc0, 1, 0x0a };
	u8 cc[] = { 0x03, 0, 0, 14, 9, 0xd0, 0, 1, 0, 2, (u8)(cls << 4),
		    0xc0, 1, 0x0a };

	assert_int_equal(feed_data(&F, 0, 0, cr, sizeof(cr), 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 1, 0, cc, sizeof(cc), 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(F.flow.cls, cls);
	assert_int_equal(F.flow.max_tpdu, 1024);
	assert_int_equal(F.n_anom, 0);
}

static void test_every_tpdu_type(void **state)
{
	unsigned int cls, i;

	(void)state;
	for (cls = 0; cls <= 2; cls += 2) {
		for (i = 0; i < ARRAY_SIZE(tpdus); i++) {
			const struct tpdu_case *t = &tpdus[i];
			bool ok = cls ? t->ok_class2 : t->ok_class0;
			u8 buf[128];
			size_t n = feed_put_tpkt(buf, sizeof(buf), 0, t->cotp,
						 t->clen, t->body);

			start(NF_TPKT_MODE_NORMALIZE);
			negotiate(cls);
			assert_int_equal(feed_data(&F, 0, 14, buf, n, 0, NULL),
					 TPKT_ACCEPT);
			assert_int_equal(F.cnt.tpdu[t->type],
					 1 + (t->type == NF_TPKT_TPDU_CR ||
					      t->type == NF_TPKT_TPDU_CC));
			if (ok != (F.n_anom == 0))
				fail_msg("%s in class %u: %zu anomalies", t->name,
					 cls, F.n_anom);
			if (!ok) {
				assert_int_equal(F.n_anom, 1);
				assert_int_equal(F.anom[0].check,
						 NF_TPKT_CHECK_COTP_CLASS_TPDU);
				assert_int_equal(F.anom[0].tpdu, t->type);
				assert_int_equal(F.anom[0].tpkt_off, 14);
			}
			feed_free(&F);
		}
	}
}

/* Before CR/CC (mid-stream, loose pickup) the class is unknown: no check. */
static void test_tpdu_types_without_negotiation(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tpdus); i++) {
		u8 buf[128];
		size_t n = feed_put_tpkt(buf, sizeof(buf), 0, tpdus[i].cotp,
					 tpdus[i].clen, tpdus[i].body);

		start(NF_TPKT_MODE_NORMALIZE);
		assert_int_equal(feed_data(&F, 0, 0, buf, n, 0, NULL),
				 TPKT_ACCEPT);
		assert_int_equal(F.cnt.tpdu[tpdus[i].type], 1);
		assert_int_equal(F.n_anom, 0);
		feed_free(&F);
	}
}

static void test_dr_and_er_parsed(void **state)
{
	static const u8 dr[] = { 0x03, 0, 0, 15, 10, 0x80, 0x12, 0x34, 0x56,
				 0x78, 0x80, 0xe0, 2, 'h', 'i' };

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	assert_int_equal(feed_data(&F, 0, 0, dr, sizeof(dr), 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(F.n_conn, 1);
	assert_int_equal(F.conn[0].tpdu, NF_TPKT_TPDU_DR);
	assert_int_equal(F.conn[0].dst_ref, 0x1234);
	assert_int_equal(F.conn[0].src_ref, 0x5678);
	assert_int_equal(F.conn[0].cause, 0x80);
	assert_int_equal(F.n_anom, 0);
}

/* ---- every check, every action ---------------------------------------- */

struct check_case {
	const char *name;
	unsigned int check;
	u8 frame[24];	/* one TPKT triggering the check (after negotiation) */
	u8 len;
	u8 fix_off;	/* offset of the fixed byte, for fixable checks */
	u8 fix_val;
	bool desyncs;	/* breaks framing */
};

static const struct check_case checks[] = {
	{ "reserved", NF_TPKT_CHECK_RESERVED,
	  { 3, 0x11, 0, 8, 2, 0xf0, 0x80, 'x' }, 8, 1, 0 },
	{ "version", NF_TPKT_CHECK_VERSION,
	  { 4, 0, 0, 8, 2, 0xf0, 0x80, 'x' }, 8, 0, 0, true },
	{ "length<7", NF_TPKT_CHECK_LENGTH, { 3, 0, 0, 6, 1, 0xf0 }, 6 },
	{ "length<4", NF_TPKT_CHECK_LENGTH, { 3, 0, 0, 2 }, 4, 0, 0, true },
	{ "li255", NF_TPKT_CHECK_COTP_LI,
	  { 3, 0, 0, 8, 255, 0xf0, 0x80, 'x' }, 8 },
	{ "li0", NF_TPKT_CHECK_COTP_LI, { 3, 0, 0, 8, 0, 0xf0, 0x80, 'x' }, 8 },
	{ "li>len", NF_TPKT_CHECK_COTP_LI,
	  { 3, 0, 0, 8, 9, 0xf0, 0x80, 'x' }, 8 },
	{ "li<fixed", NF_TPKT_CHECK_COTP_LI,
	  { 3, 0, 0, 8, 1, 0xf0, 0x80, 'x' }, 8 },
	{ "code", NF_TPKT_CHECK_COTP_CODE,
	  { 3, 0, 0, 8, 2, 0x30, 0x80, 'x' }, 8 },
	{ "class-tpdu", NF_TPKT_CHECK_COTP_CLASS_TPDU,
	  { 3, 0, 0, 9, 4, 0x20, 0, 1, 0 }, 9 },
	{ "class-option", NF_TPKT_CHECK_COTP_CLASS_OPTION,
	  { 3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 1, 0x0c }, 11, 10, 0x00 },
	{ "class-option-class", NF_TPKT_CHECK_COTP_CLASS_OPTION,
	  { 3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 1, 0x50 }, 11 },
	{ "param-truncated", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, 0, 0xc1, 5, 1 }, 14 },
	{ "param-code-only", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 12, 7, 0xe0, 0, 0, 0, 1, 0, 0xc1 }, 12 },
	{ "param-length", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 15, 10, 0xe0, 0, 0, 0, 1, 0, 0xc0, 2, 0, 10 }, 15 },
	{ "param-size-class0", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, 0, 0xc0, 1, 17 }, 14 },
	{ "param-size-low", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, 0x20, 0xc0, 1, 6 }, 14 },
	{ "param-size-high", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, 0x20, 0xc0, 1, 17 }, 14 },
	{ "param-pref-zero", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, 0, 0xf0, 1, 0 }, 14 },
	{ "param-pref-length", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 18, 13, 0xe0, 0, 0, 0, 1, 0, 0xf0, 5, 0, 0, 0, 0, 8 },
	  18 },
	{ "param-dr", NF_TPKT_CHECK_COTP_PARAM,
	  { 3, 0, 0, 14, 9, 0x80, 0, 1, 0, 2, 0, 0xc3, 1, 0 }, 14 },
};

/* Negotiate class 0 / 1024 first, then send the case's frame. */
static int run_check_case(const struct check_case *c, unsigned int mode,
			  unsigned int action, u8 *out)
{
	start(mode);
	negotiate(0);
	feed_set_action(&F, mode, c->check, action);
	return feed_data(&F, 0, 14, c->frame, c->len, 0, out);
}

static void test_every_check_every_action(void **state)
{
	unsigned int i, act;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		const struct check_case *c = &checks[i];
		bool fixable = c->fix_off != 0;

		for (act = 0; act <= NF_TPKT_ACT_MAX; act++) {
			u8 out[32];
			int v;

			if (!tpkt_check_action_valid(c->check, act))
				continue;
			v = run_check_case(c, NF_TPKT_MODE_ENFORCE, act, out);
			print_message("%s %u: verdict %d, %zu anomalies\n",
				      c->name, act, v, F.n_anom);
			assert_int_equal(feed_count(&F, c->check),
					 act != NF_TPKT_ACT_IGNORE);
			assert_int_equal(F.cnt.anomaly[c->check],
					 act != NF_TPKT_ACT_IGNORE);
			assert_int_equal(v, act == NF_TPKT_ACT_DROP ?
					 TPKT_DROP : TPKT_ACCEPT);
			if (act == NF_TPKT_ACT_FIX && fixable) {
				assert_int_equal(F.n_edits, 1);
				assert_int_equal(F.edits[0].off, 14 + c->fix_off);
				assert_int_equal(out[c->fix_off], c->fix_val);
			} else {
				assert_int_equal(F.n_edits, 0);
				assert_memory_equal(out, c->frame, c->len);
			}
			if (act != NF_TPKT_ACT_IGNORE) {
				const struct tpkt_anomaly *a =
					&F.anom[F.n_anom - 1 -
						(c->desyncs && act != NF_TPKT_ACT_DROP)];

				assert_int_equal(a->check, c->check);
				assert_int_equal(a->tpkt_off, 14);
				assert_int_equal(a->action,
					act == NF_TPKT_ACT_FIX && !fixable ?
					NF_TPKT_ACT_COUNT : act);
			}
			assert_int_equal(tpkt_dir_desynced(&F.flow, 0),
					 c->desyncs && act != NF_TPKT_ACT_DROP);
			feed_free(&F);
		}
	}
}

/* After a non-framing anomaly the next TPKT is parsed normally. */
static void test_checks_keep_framing(void **state)
{
	static const u8 dt[] = { 3, 0, 0, 8, 2, 0xf0, 0x80, 'y' };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		const struct check_case *c = &checks[i];
		size_t n_anom;
		u64 n_dt;

		if (c->desyncs)
			continue;
		run_check_case(c, NF_TPKT_MODE_NORMALIZE, NF_TPKT_ACT_COUNT,
			       NULL);
		n_anom = F.n_anom;
		n_dt = F.cnt.tpdu[NF_TPKT_TPDU_DT];
		assert_int_equal(feed_data(&F, 0, 14 + c->len, dt, sizeof(dt),
					   0, NULL), TPKT_ACCEPT);
		if (F.n_anom != n_anom || F.cnt.tpdu[NF_TPKT_TPDU_DT] != n_dt + 1)
			fail_msg("%s: framing lost after it", c->name);
		feed_free(&F);
	}
}

static void test_fix_not_allowed_where_meaningless(void **state)
{
	unsigned int c;

	(void)state;
	for (c = 0; c <= NF_TPKT_CHECK_MAX; c++)
		assert_int_equal(tpkt_check_action_valid(c, NF_TPKT_ACT_FIX),
				 c == NF_TPKT_CHECK_RESERVED ||
				 c == NF_TPKT_CHECK_COTP_CLASS_OPTION);
	assert_false(tpkt_check_action_valid(NF_TPKT_CHECK_MAX + 1, 0));
	assert_false(tpkt_check_action_valid(0, NF_TPKT_ACT_MAX + 1));
}

static void test_oversize(void **state)
{
	u8 buf[1100];
	static const u8 dt[] = { 2, 0xf0, 0x80 };
	size_t n;

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	negotiate(0);	/* 1024 */
	n = feed_put_tpkt(buf, sizeof(buf), 0, dt, 3, 1024 - 3);
	assert_int_equal(feed_data(&F, 0, 14, buf, n, 0, NULL), TPKT_ACCEPT);
	assert_int_equal(F.n_anom, 0);
	n = feed_put_tpkt(buf, sizeof(buf), 0, dt, 3, 1024 - 2);
	assert_int_equal(feed_data(&F, 0, 14 + 1028, buf, n, 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].check, NF_TPKT_CHECK_COTP_OVERSIZE);
	assert_int_equal(F.anom[0].value, 1025);
}

/* Without a size parameter in CC the standard's default, 128, applies. */
static void test_default_tpdu_size(void **state)
{
	static const u8 cc[] = { 3, 0, 0, 11, 6, 0xd0, 0, 1, 0, 2, 0 };
	static const u8 pref[] = { 3, 0, 0, 14, 9, 0xd0, 0, 1, 0, 2, 0x20,
				   0xf0, 1, 40 };

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, cc, sizeof(cc), 0, NULL);
	assert_int_equal(F.flow.max_tpdu, 128);
	feed_free(&F);
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, pref, sizeof(pref), 0, NULL);
	assert_int_equal(F.flow.max_tpdu, 40 * 128);
	assert_int_equal(F.flow.cls, 2);
	assert_int_equal(F.n_anom, 0);
}

/*
 * The preferred maximum (0xf0, 1 to 4 bytes, in 128-octet units) wins over
 * the TPDU size (0xc0) in either order, the last of two wins, every split
 * of the header into one-byte segments gives the same size, and a DR does
 * not negotiate a size whatever parameters it carries.
 */
static void test_size_parameters(void **state)
{
	static const struct {
		const char *name;
		u8 cc[24];
		unsigned int len, max_tpdu;
	} cases[] = {
		{ "0xc0 only", { 3, 0, 0, 14, 9, 0xd0, 0, 1, 0, 2, 0x20,
				 0xc0, 1, 9 }, 14, 512 },
		{ "0xc0 then 0xf0", { 3, 0, 0, 18, 13, 0xd0, 0, 1, 0, 2, 0x20,
				      0xc0, 1, 10, 0xf0, 2, 0x01, 0x02 },
		  18, 0x102 * 128 },
		{ "0xf0 then 0xc0", { 3, 0, 0, 17, 12, 0xd0, 0, 1, 0, 2, 0x20,
				      0xf0, 1, 8, 0xc0, 1, 11 }, 17, 8 * 128 },
		{ "two 0xf0", { 3, 0, 0, 20, 15, 0xd0, 0, 1, 0, 2, 0x20,
				0xf0, 3, 0, 0, 40, 0xf0, 2, 0, 20 },
		  20, 20 * 128 },
	};
	/* DR: refs, reason 0x80, then a 0xf0 "parameter" */
	static const u8 dr[] = { 3, 0, 0, 15, 10, 0x80, 0, 1, 0, 2, 0x80,
				 0xf0, 2, 0x01, 0x02 };
	unsigned int i, j, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (k = 0; k < 2; k++) {
			start(NF_TPKT_MODE_NORMALIZE);
			if (k == 0)
				feed_data(&F, 1, 0, cases[i].cc, cases[i].len,
					  0, NULL);
			else
				for (j = 0; j < cases[i].len; j++)
					feed_data(&F, 1, j, cases[i].cc + j, 1,
						  0, NULL);
			print_message("%s (%s)\n", cases[i].name,
				      k ? "byte by byte" : "one segment");
			assert_int_equal(F.n_anom, 0);
			assert_int_equal(F.n_conn, 1);
			assert_int_equal(F.conn[0].tpdu_size,
					 cases[i].max_tpdu);
			assert_int_equal(F.flow.max_tpdu, cases[i].max_tpdu);
			feed_free(&F);
		}
	}
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, dr, sizeof(dr), 0, NULL);
	assert_int_equal(F.n_conn, 1);
	assert_int_equal(F.conn[0].tpdu, NF_TPKT_TPDU_DR);
	assert_int_equal(F.conn[0].cause, 0x80);
	assert_int_equal(F.conn[0].tpdu_size, 0);
	assert_int_equal(F.flow.max_tpdu, 0);
}

/*
 * A CR proposing size code @cr_code and a CC answering @cc_code (0: none);
 * returns the CC's verdict.
 */
static int negotiate_sizes(unsigned int cls, u8 cr_code, u8 cc_code)
{
	u8 cr[] = { 0x03, 0, 0, 14, 9, 0xe0, 0, 0, 0, 1, (u8)(cls << 4),
		    0xc0, 1, cr_code };
	u8 cc[] = { 0x03, 0, 0, 14, 9, 0xd0, 0, 1, 0, 2, (u8)(cls << 4),
		    0xc0, 1, cc_code };

	if (!cr_code) {
		cr[3] = 11;
		cr[4] = 6;
	}
	if (!cc_code) {
		cc[3] = 11;
		cc[4] = 6;
	}
	assert_int_equal(feed_data(&F, 0, 0, cr, cr[3], 0, NULL), TPKT_ACCEPT);
	return feed_data(&F, 1, 0, cc, cc[3], 0, NULL);
}

/*
 * Every size code RFC 1006 and the stacks in the field use, in class 0 and
 * class 2, CR and CC agreeing: no anomaly, that size on the flow, and a DT
 * of exactly that size in either direction passes clean, one octet more
 * is oversize.
 */
static void test_every_tpdu_size_code(void **state)
{
	static const u8 dt[] = { 2, 0xf0, 0x80 };
	static u8 buf[70000];
	unsigned int cls, code, dir;

	(void)state;
	for (cls = 0; cls <= 2; cls += 2) {
		for (code = 7; code <= 16; code++) {
			u32 size = 1U << code, tlen;
			u32 seq[2] = { 14, 14 };

			start(NF_TPKT_MODE_NORMALIZE);
			assert_int_equal(negotiate_sizes(cls, code, code),
					 TPKT_ACCEPT);
			print_message("class %u code %u\n", cls, code);
			assert_int_equal(F.n_anom, 0);
			assert_int_equal(F.flow.cls, cls);
			assert_int_equal(F.flow.max_tpdu, size);
			/* the TPKT's 16-bit length bounds code 16 */
			tlen = size + 4 > 65535 ? 65535 : size + 4;
			for (dir = 0; dir < 2; dir++) {
				size_t n = feed_put_tpkt(buf, sizeof(buf), 0,
							 dt, 3, tlen - 4 - 3);

				assert_int_equal(n, tlen);
				assert_int_equal(feed_data(&F, dir, seq[dir],
							   buf, n, 0, NULL),
						 TPKT_ACCEPT);
				seq[dir] += n;
			}
			assert_int_equal(F.n_anom, 0);
			if (code < 16) {
				size_t n = feed_put_tpkt(buf, sizeof(buf), 0,
							 dt, 3, size - 3 + 1);

				feed_data(&F, 0, seq[0], buf, n, 0, NULL);
				assert_int_equal(F.n_anom, 1);
				assert_int_equal(F.anom[0].check,
						 NF_TPKT_CHECK_COTP_OVERSIZE);
			}
			feed_free(&F);
		}
	}
}

/*
 * The CC decides, one size for both directions: the CC's whether it lowers
 * or raises what the CR proposed (stacks answer with their own), 128 when
 * the CC has no size whatever the CR proposed.
 */
static void test_size_negotiation(void **state)
{
	static const struct {
		const char *name;
		u8 cls, cr, cc;
		u32 max_tpdu;
	} cases[] = {
		{ "CC lowers 8192 to 1024", 0, 0x0d, 0x0a, 1024 },
		{ "CC lowers 65536 to 128", 2, 0x10, 0x07, 128 },
		{ "CC raises 1024 to 8192", 0, 0x0a, 0x0d, 8192 },
		{ "CR without size, CC 2048", 0, 0, 0x0b, 2048 },
		{ "CC without size", 0, 0x0d, 0, 128 },
	};
	static const u8 dt_1028[1028 + 4] = { 3, 0, 0x04, 0x08, 2, 0xf0, 0x80 };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("%s\n", cases[i].name);
		start(NF_TPKT_MODE_NORMALIZE);
		assert_int_equal(negotiate_sizes(cases[i].cls, cases[i].cr,
						 cases[i].cc), TPKT_ACCEPT);
		assert_int_equal(F.flow.max_tpdu, cases[i].max_tpdu);
		assert_int_equal(F.n_anom, 0);
		/* the same limit holds for the CR's side and the CC's */
		feed_data(&F, 0, cases[i].cr ? 14 : 11, dt_1028, 1032, 0,
			  NULL);
		feed_data(&F, 1, cases[i].cc ? 14 : 11, dt_1028, 1032, 0,
			  NULL);
		assert_int_equal(F.n_anom, cases[i].max_tpdu < 1028 ? 2 : 0);
		assert_int_equal(feed_count(&F, NF_TPKT_CHECK_COTP_OVERSIZE),
				 F.n_anom);
		feed_free(&F);
	}
}

/* In enforce, a malformed size parameter in a CC is dropped if so set. */
static void test_size_code_dropped(void **state)
{
	(void)state;
	start(NF_TPKT_MODE_ENFORCE);
	feed_set_action(&F, NF_TPKT_MODE_ENFORCE, NF_TPKT_CHECK_COTP_PARAM,
			NF_TPKT_ACT_DROP);
	assert_int_equal(negotiate_sizes(0, 0x0a, 0x11), TPKT_DROP);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].action, NF_TPKT_ACT_DROP);
	assert_int_equal(F.anom[0].value, 0x11);
	assert_true(tpkt_dir_blocked(&F.flow, 1));
}

/* A preferred maximum of 2^24 * 128 or more means no limit at all. */
static void test_preferred_size_without_limit(void **state)
{
	static const u8 cc[] = { 3, 0, 0, 17, 12, 0xd0, 0, 1, 0, 2, 0x20,
				 0xf0, 4, 0x01, 0, 0, 0 };
	static const u8 dt[] = { 3, 0, 0, 12, 4, 0xf0, 0, 1, 0x80, 1, 2, 3 };

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, cc, sizeof(cc), 0, NULL);
	assert_true(F.flow.max_tpdu >= 1U << 31);
	feed_data(&F, 0, 0, dt, sizeof(dt), 0, NULL);
	assert_int_equal(F.n_anom, 0);
}

/* Header anomalies found before the TPDU code still name the TPDU. */
static void test_early_anomalies_name_the_tpdu(void **state)
{
	static const u8 li_long[] = { 3, 0x11, 0, 8, 9, 0xf0, 0x80, 'x' };
	u8 big[200] = { 3, 0x22, 0, 200, 2, 0xf0, 0x80 };

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	negotiate(0);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_COTP_LI,
			NF_TPKT_ACT_COUNT);
	feed_data(&F, 0, 14, li_long, sizeof(li_long), 0, NULL);
	assert_int_equal(F.n_anom, 2);
	assert_int_equal(F.anom[0].check, NF_TPKT_CHECK_RESERVED);
	assert_int_equal(F.anom[1].check, NF_TPKT_CHECK_COTP_LI);
	assert_int_equal(F.anom[0].tpdu, NF_TPKT_TPDU_DT);
	assert_int_equal(F.anom[1].tpdu, NF_TPKT_TPDU_DT);
	assert_int_equal(F.anom[1].off, 14 + 4);
	/* a 128-byte limit: reserved, then oversize, both on the DT */
	feed_free(&F);
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, (const u8 *)"\x03\x00\x00\x0b\x06\xd0\x00\x01"
		  "\x00\x02\x00", 11, 0, NULL);
	assert_int_equal(F.flow.max_tpdu, 128);
	feed_data(&F, 0, 0, big, sizeof(big), 0, NULL);
	assert_int_equal(F.n_anom, 2);
	assert_int_equal(F.anom[0].check, NF_TPKT_CHECK_RESERVED);
	assert_int_equal(F.anom[1].check, NF_TPKT_CHECK_COTP_OVERSIZE);
	assert_int_equal(F.anom[1].tpdu, NF_TPKT_TPDU_DT);
	assert_int_equal(F.anom[1].value, 196);
}

/* ---- segmentation ------------------------------------------------------ */

/* 64 KiB in one segment: hundreds of TPKTs, each with a reserved byte. */
static void test_big_segment_many_tpkts(void **state)
{
	static u8 buf[65536], out[65536];
	static const u8 dt[] = { 2, 0xf0, 0x80 };
	size_t len = 0, n, count = 0, i;

	(void)state;
	while ((n = feed_put_tpkt(buf + len, sizeof(buf) - len, 0x11, dt, 3,
				  (count * 37) % 200)))
		len += n, count++;
	assert_true(count > 500);
	start(NF_TPKT_MODE_NORMALIZE);
	feed_syn(&F, 0, 1000);
	assert_int_equal(feed_data(&F, 0, 0, buf, len, 0, out), TPKT_ACCEPT);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_TPKTS], count);
	assert_int_equal(F.cnt.tpdu[NF_TPKT_TPDU_DT], count);
	assert_int_equal(F.n_edits, count);
	assert_int_equal(F.n_anom, count);
	for (i = 0, n = 0; n < count; n++) {
		size_t tl = out[i + 2] << 8 | out[i + 3];

		assert_int_equal(out[i], 3);
		assert_int_equal(out[i + 1], 0);
		buf[i + 1] = 0;
		i += tl;
	}
	assert_int_equal(i, len);
	assert_memory_equal(out, buf, len);
}

/* ---- retransmission ---------------------------------------------------- */

static size_t fixing_stream(u8 *buf, size_t cap, unsigned int count)
{
	static const u8 dt[] = { 2, 0xf0, 0x80 };
	size_t len = 0, n;
	unsigned int i;

	for (i = 0; i < count; i++) {
		n = feed_put_tpkt(buf + len, cap - len, 0x11, dt, 3, 50 + i % 7);
		if (!n)
			break;
		len += n;
	}
	return len;
}

static void test_retransmission_same_edits(void **state)
{
	u8 buf[2048], out[2048], again[2048];
	size_t len = fixing_stream(buf, sizeof(buf), 20), edits;

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	/* original in 100-byte segments */
	for (size_t o = 0; o < len; o += 100)
		feed_data(&F, 0, o, buf + o, len - o < 100 ? len - o : 100, 0,
			  out + o);
	edits = F.n_edits;
	assert_int_equal(edits, 20);

	/* full retransmission in one piece */
	assert_int_equal(feed_data(&F, 0, 0, buf, len, 0, again), TPKT_ACCEPT);
	assert_memory_equal(again, out, len);
	/* partial overlaps at odd offsets, ending past the frontier */
	for (size_t o = 1; o + 77 < len; o += 61) {
		assert_int_equal(feed_data(&F, 0, o, buf + o, 77, 0, again),
				 TPKT_ACCEPT);
		assert_memory_equal(again, out + o, 77);
	}
	/* no new anomaly for old data */
	assert_int_equal(F.n_anom, 20);
	assert_true(F.cnt.ctr[NF_TPKT_CTR_REXMITS] > 0);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 0);
}

static void test_retransmission_overlapping_frontier(void **state)
{
	u8 buf[2048], ref[2048], out[2048];
	size_t len = fixing_stream(buf, sizeof(buf), 10);

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, len, 0, ref);
	feed_free(&F);

	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, 150, 0, out);
	/* re-sent from 90 with new data up to 400 */
	feed_data(&F, 0, 90, buf + 90, 310, 0, out + 90);
	feed_data(&F, 0, 400, buf + 400, len - 400, 0, out + 400);
	assert_memory_equal(out, ref, len);
	assert_int_equal(F.n_anom, 10);
}

static void test_history_overflow_and_ack(void **state)
{
	u8 buf[8192], out[8192];
	size_t len = fixing_stream(buf, sizeof(buf), 100);

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 8);
	feed_syn(&F, 0, 1);
	feed_syn(&F, 1, 2);
	feed_data(&F, 0, 0, buf, len, 0, out);
	assert_int_equal(F.n_edits, 100);
	/* unacknowledged edits were forgotten: only the last 8 come back */
	memcpy(out, buf, len);
	feed_data(&F, 0, 0, buf, len, 0, out);
	assert_int_equal(F.n_edits, 108);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 1);

	/* acknowledged edits stay for spurious retransmissions ... */
	feed_ack(&F, 1, len);
	feed_data(&F, 0, len - 60, buf + len - 60, 60, 0, out);
	assert_int_equal(F.n_edits, 109);
	/* ... and may be overwritten without counting as lost */
	feed_free(&F);
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 8);
	feed_syn(&F, 0, 1);
	feed_syn(&F, 1, 2);
	for (size_t o = 0; o < len; o += 300) {
		size_t n = len - o < 300 ? len - o : 300;

		feed_data(&F, 0, o, buf + o, n, 0, out);
		feed_ack(&F, 1, o + n);
	}
	assert_int_equal(F.n_edits, 100);
	feed_data(&F, 0, 0, buf, len, 0, out);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 0);
}

/*
 * Both directions share one history: each gets back its own edits and
 * nothing of the other's, and an entry pushed out unacknowledged counts
 * as lost for the direction it belonged to.
 */
static void test_history_both_directions(void **state)
{
	u8 a[2048], b[2048], outa[2048], outb[2048], again[2048];
	size_t la = fixing_stream(a, sizeof(a), 10);
	size_t lb = fixing_stream(b, sizeof(b), 14);
	unsigned int i;
	size_t o;

	(void)state;
	/* interleaved, so that each direction's entries lie between the other's */
	start(NF_TPKT_MODE_NORMALIZE);
	for (o = 0; o < lb; o += 120) {
		if (o < la)
			feed_data(&F, 0, o, a + o, la - o < 120 ? la - o : 120,
				  0, outa + o);
		feed_data(&F, 1, o, b + o, lb - o < 120 ? lb - o : 120, 0,
			  outb + o);
	}
	assert_int_equal(F.n_edits, 24);
	feed_data(&F, 0, 0, a, la, 0, again);
	assert_memory_equal(again, outa, la);
	assert_int_equal(F.n_edits, 34);
	feed_data(&F, 1, 0, b, lb, 0, again);
	assert_memory_equal(again, outb, lb);
	assert_int_equal(F.n_edits, 48);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 0);
	feed_free(&F);

	/* a full ring: direction 0's 10 entries, then direction 1's 14 */
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 24);
	feed_syn(&F, 0, 1);
	feed_syn(&F, 1, 7);
	feed_data(&F, 0, 0, a, la, 0, outa);
	feed_data(&F, 1, 0, b, lb, 0, outb);
	assert_int_equal(F.n_edits, 24);
	/* direction 0 acknowledged: pushing its entries out loses nothing */
	feed_ack(&F, 1, la);
	feed_data(&F, 1, lb, a, la, 0, again);
	assert_int_equal(F.n_edits, 34);
	feed_data(&F, 0, 0, a, la, 0, again);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 0);
	/* 10 of direction 1's own, unacknowledged, pushed out: lost */
	feed_data(&F, 1, lb + la, a, la, 0, again);
	assert_int_equal(F.n_edits, 44);
	feed_data(&F, 1, 0, b, lb, 0, again);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 1);
	/* the last 4 it still has come back, the first 10 do not */
	assert_int_equal(F.n_edits, 48);
	for (o = 0, i = 0; o < lb; o += b[o + 3], i++)
		assert_int_equal(again[o + 1], i < 10 ? 0x11 : 0);
	feed_data(&F, 0, 0, a, la, 0, again);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 1);
}

/* Without history (allocation failed) retransmissions are counted. */
static void test_no_history(void **state)
{
	u8 buf[512], out[512];
	size_t len = fixing_stream(buf, sizeof(buf), 3);

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 0);
	feed_syn(&F, 0, 1);
	feed_data(&F, 0, 0, buf, len, 0, out);
	assert_int_equal(F.n_edits, 3);
	assert_int_equal(feed_data(&F, 0, 0, buf, len, 0, out), TPKT_ACCEPT);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_REXMIT_UNFIXED], 1);
	assert_int_equal(F.n_edits, 3);
}

/* ---- reordering -------------------------------------------------------- */

static void test_gap_inside_body_is_harmless(void **state)
{
	u8 buf[4096], ref[4096], out[4096];
	static const u8 dt[] = { 2, 0xf0, 0x80 };
	size_t n1, len;

	(void)state;
	n1 = feed_put_tpkt(buf, sizeof(buf), 0x11, dt, 3, 2000);
	len = n1 + feed_put_tpkt(buf + n1, sizeof(buf) - n1, 0x11, dt, 3, 10);
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, len, 0, ref);
	feed_free(&F);

	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, 100, 0, out);
	/* [1000, len) arrives before [100, 1000): the gap is body */
	assert_int_equal(feed_data(&F, 0, 1000, buf + 1000, len - 1000, 0,
				   out + 1000), TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 0, 100, buf + 100, 900, 0, out + 100),
			 TPKT_ACCEPT);
	assert_memory_equal(out, ref, len);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_OOO], 1);
	assert_int_equal(F.n_anom, 2);
}

static void test_gap_hiding_header_dropped(void **state)
{
	u8 buf[1024], ref[1024], out[1024];
	size_t len = fixing_stream(buf, sizeof(buf), 8);

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, len, 0, ref);
	feed_free(&F);

	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, 100, 0, out);
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, len - 200, 0, NULL),
			 TPKT_DROP);
	/* not judged yet is not malformed: counted apart */
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_OOO_DROPS], 1);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DROPS], 0);
	/* the sender fills the gap, then retransmits what was dropped */
	assert_int_equal(feed_data(&F, 0, 100, buf + 100, 100, 0, out + 100),
			 TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, len - 200, 0,
				   out + 200), TPKT_ACCEPT);
	assert_memory_equal(out, ref, len);
	assert_int_equal(F.n_anom, 8);
	assert_false(tpkt_dir_desynced(&F.flow, 0));
}

/*
 * Bytes the receiver acknowledged but the engine never saw (they went by
 * while the hooks were off) are never sent again: dropping the segments
 * after them would stall the connection, so framing is given up instead.
 */
static void test_gap_already_acked_desyncs(void **state)
{
	u8 buf[1024], out[1024];
	size_t len = fixing_stream(buf, sizeof(buf), 8);

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, 10, 0, out);
	/* an unacknowledged gap is waited for: the segment after it drops */
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, 100, 0, NULL),
			 TPKT_DROP);
	assert_false(tpkt_dir_desynced(&F.flow, 0));
	/* the receiver acknowledges up to 200: it got the gap elsewhere */
	feed_ack(&F, 1, 200);
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, len - 200, 0,
				   out + 200), TPKT_ACCEPT);
	assert_true(tpkt_dir_desynced(&F.flow, 0));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DESYNCS], 1);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_OOO_DROPS], 1);
	assert_memory_equal(out + 200, buf + 200, len - 200);
}

/*
 * ooo hold: a segment ahead of a gap that may hide a header is neither
 * parsed nor changed, and not counted as a drop; fed again once the gap is
 * filled it gets exactly the edits and anomalies of an in-order stream,
 * in every order of its held pieces.
 */
static void test_gap_hiding_header_held(void **state)
{
	u8 buf[1024], ref[1024], out[1024];
	size_t len = fixing_stream(buf, sizeof(buf), 8);
	struct tpkt_counts before;

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, len, 0, ref);
	feed_free(&F);

	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_HOLD,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_syn(&F, 0, 1000);
	feed_syn(&F, 1, 5000);
	feed_data(&F, 0, 0, buf, 100, 0, out);
	before = F.cnt;
	/* two pieces ahead of the gap, the later one first */
	assert_int_equal(feed_data(&F, 0, 300, buf + 300, len - 300, 0, NULL),
			 TPKT_HOLD);
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, 100, 0, NULL),
			 TPKT_HOLD);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_OOO], 2);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_TPKTS],
			 before.ctr[NF_TPKT_CTR_TPKTS]);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DROPS] +
			 F.cnt.ctr[NF_TPKT_CTR_OOO_DROPS], 0);
	assert_false(tpkt_dir_reached(&F.flow, 0, 1001 + 200));
	/* the gap is filled: both are reached, fed in order they parse */
	assert_int_equal(feed_data(&F, 0, 100, buf + 100, 100, 0, out + 100),
			 TPKT_ACCEPT);
	assert_true(tpkt_dir_reached(&F.flow, 0, 1001 + 200));
	assert_false(tpkt_dir_reached(&F.flow, 0, 1001 + 300));
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, 100, 0, out + 200),
			 TPKT_ACCEPT);
	assert_true(tpkt_dir_reached(&F.flow, 0, 1001 + 300));
	assert_int_equal(feed_data(&F, 0, 300, buf + 300, len - 300, 0,
				   out + 300), TPKT_ACCEPT);
	assert_memory_equal(out, ref, len);
	assert_int_equal(F.n_anom, 8);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DESYNCS], 0);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_OOO], 2);
	/* the other direction never reached anything: nothing is held there */
	assert_true(tpkt_dir_reached(&F.flow, 1, 5001));
}

/* ooo hold in enforce: a held segment with a malformed TPDU drops later. */
static void test_held_then_dropped(void **state)
{
	static const u8 dt[] = { 3, 0, 0, 8, 2, 0xf0, 0x80, 'x' };
	static const u8 bad[] = { 3, 0, 0, 7, 2, 0x30, 0x80 };

	(void)state;
	feed_init(&F, NF_TPKT_MODE_ENFORCE, NULL, NF_TPKT_OOO_HOLD,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_syn(&F, 0, 1);
	feed_syn(&F, 1, 2);
	assert_int_equal(feed_data(&F, 0, 8, bad, sizeof(bad), 0, NULL),
			 TPKT_HOLD);
	assert_int_equal(F.n_anom, 0);
	assert_int_equal(feed_data(&F, 0, 0, dt, sizeof(dt), 0, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 0, 8, bad, sizeof(bad), 0, NULL),
			 TPKT_DROP);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.anom[0].check, NF_TPKT_CHECK_COTP_CODE);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DROPS], 1);
}

static void test_gap_hiding_header_passed(void **state)
{
	u8 buf[1024], out[1024];
	size_t len = fixing_stream(buf, sizeof(buf), 8);
	size_t tl = buf[2] << 8 | buf[3];

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_PASS,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_syn(&F, 0, 7);
	feed_data(&F, 0, 0, buf, 10, 0, out);
	assert_int_equal(feed_data(&F, 0, 200, buf + 200, len - 200, 0,
				   out + 200), TPKT_ACCEPT);
	assert_true(tpkt_dir_desynced(&F.flow, 0));
	assert_int_equal(feed_count(&F, NF_TPKT_CHECK_DESYNC), 1);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DESYNCS], 1);
	/* what lies before the desync point is still parsed and fixed */
	feed_data(&F, 0, 10, buf + 10, 190, 0, out + 10);
	assert_int_equal(out[tl + 1], 0);
	/* never an edit at or after it */
	for (size_t i = 0; i < F.n_edits; i++)
		assert_true(F.edits[i].off < 200);
	assert_memory_equal(out + 200, buf + 200, len - 200);
}

/* ---- sequence numbers, SYN, FIN, RST ------------------------------------ */

static void test_sequence_wrap(void **state)
{
	u8 buf[2048], ref[2048], out[2048];
	size_t len = fixing_stream(buf, sizeof(buf), 20);

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 0, 0, buf, len, 0, ref);
	feed_free(&F);

	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_syn(&F, 0, 0xffffffffu - 300);	/* wraps inside the stream */
	for (size_t o = 0; o < len; o += 128)
		feed_data(&F, 0, o, buf + o, len - o < 128 ? len - o : 128, 0,
			  out + o);
	assert_memory_equal(out, ref, len);
	/* retransmission across the wrap */
	feed_data(&F, 0, 250, buf + 250, 200, 0, out + 250);
	assert_memory_equal(out, ref, len);
	assert_int_equal(F.n_anom, 20);
}

static void test_syn_with_data(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 64);
	F.isn[1] = 778;	/* SYN at 777: data starts at 778 */
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc),
				   TPKT_SEG_SYN, out), TPKT_ACCEPT);
	assert_int_equal(out[1], 0);
	assert_int_equal(F.n_conn, 1);
	/* the retransmitted SYN gets the same edit */
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc),
				   TPKT_SEG_SYN, out), TPKT_ACCEPT);
	assert_int_equal(out[1], 0);
	assert_int_equal(F.n_anom, 1);
}

static void test_fin_and_rst(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc),
				   TPKT_SEG_FIN, out), TPKT_ACCEPT);
	assert_int_equal(out[1], 0);
	assert_true(tpkt_dir_tracked(&F.flow, 1));
	assert_int_equal(feed_data(&F, 0, 0, NULL, 0, TPKT_SEG_RST, NULL),
			 TPKT_ACCEPT);
	assert_false(tpkt_dir_tracked(&F.flow, 0));
	assert_int_equal(feed_data(&F, 0, 0, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_UNTRACKED], 1);
}

/*
 * RFC 5961: only an RST at exactly the next sequence number ends a
 * direction; one elsewhere (blind, or in the window) passes, is counted,
 * and normalization goes on.
 */
static void test_rst_sequence(void **state)
{
	static const u8 dt[] = { 3, 0, 0, 7, 2, 0xf0, 0x80 };
	static const u8 dirty[] = { 3, 0x11, 0, 7, 2, 0xf0, 0x80 };
	u8 out[sizeof(dirty)];

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	assert_int_equal(feed_data(&F, 0, 0, dt, sizeof(dt), 0, NULL),
			 TPKT_ACCEPT);
	/* behind, ahead in the window, far away: all ignored */
	assert_int_equal(feed_data(&F, 0, 3, NULL, 0, TPKT_SEG_RST, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 0, 1000, NULL, 0, TPKT_SEG_RST, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(feed_data(&F, 0, 0x80000000u, NULL, 0,
				   TPKT_SEG_RST | TPKT_SEG_ACK, NULL),
			 TPKT_ACCEPT);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_RSTS_IGNORED], 3);
	assert_true(tpkt_dir_tracked(&F.flow, 0));
	assert_false(tpkt_dir_reset(&F.flow, 0));
	feed_data(&F, 0, sizeof(dt), dirty, sizeof(dirty), 0, out);
	assert_int_equal(out[1], 0);
	/* at the next sequence number: ended */
	feed_data(&F, 0, 2 * sizeof(dt), NULL, 0, TPKT_SEG_RST, NULL);
	assert_true(tpkt_dir_reset(&F.flow, 0));
	assert_false(tpkt_dir_tracked(&F.flow, 0));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_RSTS_IGNORED], 3);
}

/* After its FIN a sender's next sequence number is one further. */
static void test_rst_after_fin(void **state)
{
	static const u8 dt[] = { 3, 0, 0, 7, 2, 0xf0, 0x80 };

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, dt, sizeof(dt), TPKT_SEG_FIN, NULL);
	feed_data(&F, 1, sizeof(dt) + 2, NULL, 0, TPKT_SEG_RST, NULL);
	assert_false(tpkt_dir_reset(&F.flow, 1));
	feed_data(&F, 1, sizeof(dt) + 1, NULL, 0, TPKT_SEG_RST, NULL);
	assert_true(tpkt_dir_reset(&F.flow, 1));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_RSTS_IGNORED], 1);
}

/*
 * A direction that sent nothing refuses the other's SYN: its RST must
 * acknowledge exactly the SYN.
 */
static void test_rst_refusing_syn(void **state)
{
	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_syn(&F, 0, 1000);
	/* feed_data acknowledges stream offset 0 of the other direction */
	F.isn[0] += 500;
	feed_data(&F, 1, 0, NULL, 0, TPKT_SEG_RST | TPKT_SEG_ACK, NULL);
	assert_false(tpkt_dir_reset(&F.flow, 1));
	feed_data(&F, 1, 0, NULL, 0, TPKT_SEG_RST, NULL);
	assert_false(tpkt_dir_reset(&F.flow, 1));
	F.isn[0] -= 500;
	feed_data(&F, 1, 0, NULL, 0, TPKT_SEG_RST | TPKT_SEG_ACK, NULL);
	assert_true(tpkt_dir_reset(&F.flow, 1));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_RSTS_IGNORED], 2);
}

/* A zero-window probe: one byte, old or new. */
static void test_zero_window_probe(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	start(NF_TPKT_MODE_NORMALIZE);
	feed_data(&F, 1, 0, kb_cc, 1, 0, out);
	feed_data(&F, 1, 0, kb_cc, 1, 0, out);		/* old byte */
	feed_data(&F, 1, 1, kb_cc + 1, 1, 0, out + 1);	/* new byte */
	feed_data(&F, 1, 1, kb_cc + 1, 1, 0, out + 1);	/* again */
	assert_int_equal(out[1], 0);
	feed_data(&F, 1, 2, kb_cc + 2, sizeof(kb_cc) - 2, 0, out + 2);
	assert_int_equal(F.n_anom, 1);
	assert_int_equal(F.n_conn, 1);
}

/* ---- pickup and resynchronisation --------------------------------------- */

static void test_pickup_strict_and_loose(void **state)
{
	u8 out[sizeof(kb_cc)];

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 64);
	F.isn[1] = 123456;
	assert_int_equal(feed_data(&F, 1, 0, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_UNTRACKED], 1);
	assert_false(tpkt_dir_tracked(&F.flow, 1));
	feed_free(&F);

	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_LOOSE, 64);
	F.isn[1] = 123456;
	/* a segment starting inside a TPKT is not picked up ... */
	assert_int_equal(feed_data(&F, 1, 0, kb_cc + 5, 20, 0, out),
			 TPKT_ACCEPT);
	assert_false(tpkt_dir_tracked(&F.flow, 1));
	/* ... one starting with a plausible header is */
	assert_int_equal(feed_data(&F, 1, 100, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_true(tpkt_dir_tracked(&F.flow, 1));
	assert_true(tpkt_dir_picked_up(&F.flow, 1));
	assert_int_equal(out[1], 0);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_PICKUPS], 1);
}

static void test_resync_loose(void **state)
{
	static const u8 garbage[] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	u8 out[sizeof(kb_cc)];

	(void)state;
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_LOOSE, 64);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_VERSION,
			NF_TPKT_ACT_COUNT);
	feed_syn(&F, 1, 50);
	feed_data(&F, 1, 0, garbage, sizeof(garbage), 0, NULL);
	assert_true(tpkt_dir_desynced(&F.flow, 1));
	/* garbage again: still desynchronised, nothing edited */
	feed_data(&F, 1, 10, garbage, sizeof(garbage), 0, NULL);
	assert_true(tpkt_dir_desynced(&F.flow, 1));
	assert_int_equal(feed_data(&F, 1, 20, kb_cc, sizeof(kb_cc), 0, out),
			 TPKT_ACCEPT);
	assert_false(tpkt_dir_desynced(&F.flow, 1));
	assert_int_equal(out[1], 0);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_RESYNCS], 1);
	assert_int_equal(F.cnt.ctr[NF_TPKT_CTR_DESYNCS], 1);

	/* strict: stays desynchronised */
	feed_free(&F);
	feed_init(&F, NF_TPKT_MODE_NORMALIZE, NULL, NF_TPKT_OOO_DROP,
		  NF_TPKT_PICKUP_STRICT, 64);
	feed_set_action(&F, NF_TPKT_MODE_NORMALIZE, NF_TPKT_CHECK_VERSION,
			NF_TPKT_ACT_COUNT);
	feed_syn(&F, 1, 50);
	feed_data(&F, 1, 0, garbage, sizeof(garbage), 0, NULL);
	feed_data(&F, 1, 10, kb_cc, sizeof(kb_cc), 0, out);
	assert_memory_equal(out, kb_cc, sizeof(kb_cc));
	assert_true(tpkt_dir_desynced(&F.flow, 1));
}

static void test_mode_caps(void **state)
{
	struct tpkt_policy p;
	u8 act[__NF_TPKT_CHECK_MAX];
	unsigned int i;

	(void)state;
	memset(act, NF_TPKT_ACT_DROP, sizeof(act));
	act[NF_TPKT_CHECK_RESERVED] = NF_TPKT_ACT_FIX;
	tpkt_policy_compile(&p, NF_TPKT_MODE_MONITOR, act, NF_TPKT_OOO_DROP, 0);
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		assert_int_equal(p.action[i], NF_TPKT_ACT_COUNT);
	assert_int_equal(p.ooo, NF_TPKT_OOO_PASS);
	/* monitor holds a copy, never the segment */
	tpkt_policy_compile(&p, NF_TPKT_MODE_MONITOR, act, NF_TPKT_OOO_HOLD, 0);
	assert_int_equal(p.ooo, NF_TPKT_OOO_HOLD);
	tpkt_policy_compile(&p, NF_TPKT_MODE_NORMALIZE, act, NF_TPKT_OOO_DROP, 0);
	assert_int_equal(p.action[NF_TPKT_CHECK_RESERVED], NF_TPKT_ACT_FIX);
	assert_int_equal(p.action[NF_TPKT_CHECK_VERSION], NF_TPKT_ACT_COUNT);
	assert_int_equal(p.ooo, NF_TPKT_OOO_DROP);
	tpkt_policy_compile(&p, NF_TPKT_MODE_ENFORCE, act, NF_TPKT_OOO_DROP, 0);
	assert_int_equal(p.action[NF_TPKT_CHECK_VERSION], NF_TPKT_ACT_DROP);
	tpkt_policy_compile(&p, NF_TPKT_MODE_OFF, act, NF_TPKT_OOO_DROP, 0);
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		assert_int_equal(p.action[i], NF_TPKT_ACT_IGNORE);
}

static void test_state_size(void **state)
{
	(void)state;
	print_message("engine state: %zu bytes per direction, %zu per flow, "
		      "%zu per history entry\n", sizeof(struct tpkt_dir),
		      sizeof(struct tpkt_flow), sizeof(struct tpkt_hist_ent));
	/* documented in Documentation/; keep the flow small */
	assert_true(sizeof(struct tpkt_flow) <= 120);
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kb_connect_confirm_fixed),
		T(test_kb_connect_confirm_counted),
		T(test_kb_monitor_never_edits),
		T(test_kb_ignored),
		T(test_kb_dropped_in_enforce),
		T(test_kb_every_split),
		T(test_kb_one_byte_segments),
		T(test_every_tpdu_type),
		T(test_tpdu_types_without_negotiation),
		T(test_dr_and_er_parsed),
		T(test_every_check_every_action),
		T(test_checks_keep_framing),
		T(test_fix_not_allowed_where_meaningless),
		T(test_oversize),
		T(test_default_tpdu_size),
		T(test_size_parameters),
		T(test_every_tpdu_size_code),
		T(test_size_negotiation),
		T(test_size_code_dropped),
		T(test_preferred_size_without_limit),
		T(test_early_anomalies_name_the_tpdu),
		T(test_big_segment_many_tpkts),
		T(test_retransmission_same_edits),
		T(test_retransmission_overlapping_frontier),
		T(test_history_overflow_and_ack),
		T(test_history_both_directions),
		T(test_no_history),
		T(test_gap_inside_body_is_harmless),
		T(test_gap_hiding_header_dropped),
		T(test_gap_hiding_header_passed),
		T(test_sequence_wrap),
		T(test_syn_with_data),
		T(test_fin_and_rst),
		T(test_rst_sequence),
		T(test_rst_after_fin),
		T(test_rst_refusing_syn),
		T(test_zero_window_probe),
		T(test_pickup_strict_and_loose),
		T(test_resync_loose),
		T(test_mode_caps),
		T(test_gap_already_acked_desyncs),
		T(test_gap_hiding_header_held),
		T(test_held_then_dropped),
		T(test_state_size),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
