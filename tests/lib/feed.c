// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(p, *cap * size);
	if (!p) {
		perror("realloc");
		abort();
	}
	return p;
}

static u8 *copy_of(const u8 *p, u32 len)
{
	u8 *c = malloc(len ? len : 1);

	if (!c) {
		perror("malloc");
		abort();
	}
	if (len)
		memcpy(c, p, len);
	return c;
}

/*
 * Every edit moves the segment's bytes, as skb_ensure_writable() does when
 * it reallocates a cloned head: a pointer the engine kept from an earlier
 * read now points into freed memory, which ASan reports.
 */
static void on_edit(void *ctx, u32 seg_off, u8 val)
{
	struct feed *f = ctx;
	u8 *old = f->head;

	if (seg_off >= f->cur_len) {
		fprintf(stderr, "edit at %u outside a %u byte segment\n",
			seg_off, f->cur_len);
		abort();
	}
	f->head = copy_of(old, f->cur_len);
	free(old);
	f->head[seg_off] = val;
	if (f->cur)
		f->cur[seg_off] = val;
	f->edits = grow(f->edits, &f->cap_edits, f->n_edits,
			sizeof(*f->edits));
	f->edits[f->n_edits++] = (struct feed_edit){
		.off = f->cur_off + seg_off, .val = val, .dir = f->cur_dir,
	};
}

static void on_anomaly(void *ctx, const struct tpkt_anomaly *a)
{
	struct feed *f = ctx;
	size_t cap = f->cap_anom;

	f->anom = grow(f->anom, &f->cap_anom, f->n_anom, sizeof(*f->anom));
	f->anom_dir = grow(f->anom_dir, &cap, f->n_anom, 1);
	f->anom[f->n_anom] = *a;
	f->anom_dir[f->n_anom++] = f->cur_dir;
}

static void on_conn(void *ctx, const struct tpkt_conn_info *ci)
{
	struct feed *f = ctx;

	if (f->n_conn < sizeof(f->conn) / sizeof(f->conn[0]))
		f->conn[f->n_conn++] = *ci;
}

static struct tpkt_hist *on_hist(void *ctx)
{
	struct feed *f = ctx;
	struct tpkt_hist *h;

	if (!f->hist_cap)
		return NULL;
	h = malloc(tpkt_hist_size(f->hist_cap));
	if (h)
		tpkt_hist_init(h, f->hist_cap);
	return h;
}

static const struct tpkt_sink feed_sink = {
	.edit = on_edit,
	.anomaly = on_anomaly,
	.conn = on_conn,
	.hist_alloc = on_hist,
};

/* The bytes where the segment's head is now (see on_edit). */
static const u8 *read_buf(const struct tpkt_seg *seg, u32 off, u32 n, u8 *buf)
{
	const struct feed *f = seg->priv;

	(void)buf;
	if (off + n > seg->len || off + n < off)
		return NULL;
	return f->head + off;
}

void feed_init(struct feed *f, unsigned int mode, const u8 *action,
	       unsigned int ooo, unsigned int pickup, unsigned int hist_cap)
{
	memset(f, 0, sizeof(*f));
	tpkt_flow_init(&f->flow);
	if (action)
		memcpy(f->conf, action, sizeof(f->conf));
	else
		tpkt_policy_default_actions(f->conf);
	f->conf_ooo = ooo;
	f->conf_pickup = pickup;
	tpkt_policy_compile(&f->pol, mode, f->conf, ooo, pickup);
	f->hist_cap = hist_cap;
}

void feed_set_action(struct feed *f, unsigned int mode, unsigned int check,
		     unsigned int action)
{
	f->conf[check] = action;
	tpkt_policy_compile(&f->pol, mode, f->conf, f->conf_ooo,
			    f->conf_pickup);
}

void feed_free(struct feed *f)
{
	free(f->flow.hist);
	free(f->anom);
	free(f->anom_dir);
	free(f->edits);
	memset(f, 0, sizeof(*f));
}

static int feed_seg(struct feed *f, unsigned int dir, struct tpkt_seg *seg,
		    u32 off, u8 *out)
{
	const struct tpkt_env env = {
		.pol = &f->pol, .sink = &feed_sink, .ctx = f, .cnt = &f->cnt,
	};

	int v;

	f->cur_dir = dir;
	f->cur_off = off;
	f->cur = out;
	f->cur_len = seg->len;
	if (out && seg->len)
		memcpy(out, seg->priv, seg->len);
	f->head = copy_of(seg->priv, seg->len);
	seg->priv = f;
	v = tpkt_flow_segment(&f->flow, dir, &env, seg);
	free(f->head);
	f->head = NULL;
	return v;
}

int feed_syn(struct feed *f, unsigned int dir, u32 isn)
{
	struct tpkt_seg seg = { .seq = isn, .flags = TPKT_SEG_SYN,
				.read = read_buf, .priv = "" };

	f->isn[dir] = isn + 1;
	return feed_seg(f, dir, &seg, 0, NULL);
}

int feed_data(struct feed *f, unsigned int dir, u32 off, const u8 *data,
	      u32 len, u8 flags, u8 *out)
{
	struct tpkt_seg seg = {
		.seq = f->isn[dir] + off, .len = len, .flags = flags,
		.read = read_buf, .priv = data,
	};

	if (flags & TPKT_SEG_SYN)
		seg.seq--;
	if (flags & TPKT_SEG_ACK)
		seg.ack = f->isn[!dir];
	return feed_seg(f, dir, &seg, off, out);
}

int feed_ack(struct feed *f, unsigned int dir, u32 ack)
{
	struct tpkt_seg seg = {
		.seq = f->isn[dir], .ack = f->isn[!dir] + ack,
		.flags = TPKT_SEG_ACK, .read = read_buf, .priv = "",
	};

	return feed_seg(f, dir, &seg, 0, NULL);
}

size_t feed_count(const struct feed *f, unsigned int check)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_anom; i++)
		n += f->anom[i].check == check;
	return n;
}

size_t feed_put_tpkt(u8 *p, size_t cap, u8 res, const u8 *cotp, size_t clen,
		       size_t body)
{
	size_t len = 4 + clen + body, i;

	if (len > cap || len > 65535)
		return 0;
	p[0] = 3;
	p[1] = res;
	p[2] = len >> 8;
	p[3] = len & 0xff;
	memcpy(p + 4, cotp, clen);
	for (i = 0; i < body; i++)
		p[4 + clen + i] = (u8)(i * 7 + 3);
	return len;
}

size_t feed_gen_stream(u64 *seed, u8 *buf, size_t cap, unsigned int n_tpkts,
		       unsigned int max_body, unsigned int bad_per_1000,
		       bool allow_desync)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < n_tpkts; i++) {
		u8 cotp[32] = { 2, 0xf0, 0x80 };
		size_t clen = 3, body = max_body ? feed_rand(seed) % (max_body + 1) : 0;
		u8 res = 0;
		size_t n;
		bool bad = feed_rand(seed) % 1000 < bad_per_1000;

		switch (feed_rand(seed) % 8) {
		case 0: { /* CR with parameters */
			static const u8 cr[] = { 17, 0xe0, 0, 0, 0, 1, 0,
				0xc0, 1, 0x0a, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2 };
			memcpy(cotp, cr, sizeof(cr));
			clen = sizeof(cr);
			body = 0;
			break;
		}
		case 1: { /* DR */
			static const u8 dr[] = { 6, 0x80, 0, 1, 0, 2, 0 };
			memcpy(cotp, dr, sizeof(dr));
			clen = sizeof(dr);
			body = 0;
			break;
		}
		case 2: { /* ER with invalid-TPDU parameter */
			static const u8 er[] = { 7, 0x70, 0, 1, 2, 0xc1, 1, 0x42 };
			memcpy(cotp, er, sizeof(er));
			clen = sizeof(er);
			body = 0;
			break;
		}
		default:
			break;
		}
		if (bad) {
			switch (feed_rand(seed) % (allow_desync ? 7 : 5)) {
			case 0:
				res = 1 + feed_rand(seed) % 255;
				break;
			case 1:
				cotp[1] = 0x30;	/* unknown code */
				break;
			case 2:
				cotp[0] = 255;	/* LI */
				break;
			case 3:
				if (cotp[1] == 0xe0)
					cotp[6] |= 0x0c;	/* class option */
				else
					res = 0x11;
				break;
			case 4:
				if (cotp[1] == 0xe0)
					cotp[9] = 0x11;	/* TPDU size code */
				else
					cotp[0] = 1;	/* LI too small */
				break;
			case 5: /* version: breaks framing */
				n = feed_put_tpkt(buf + len, cap - len, res, cotp,
					     clen, body);
				if (!n)
					return len;
				buf[len] = 4;
				len += n;
				continue;
			case 6: /* length < 4: breaks framing */
				if (cap - len < 4)
					return len;
				memcpy(buf + len, "\x03\x00\x00\x02", 4);
				len += 4;
				continue;
			}
		}
		n = feed_put_tpkt(buf + len, cap - len, res, cotp, clen, body);
		if (!n)
			break;
		len += n;
	}
	return len;
}
