/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers of the tpktctl tests: packets and capture files built from
 * scratch (with a checksum routine of their own, so that tpktctl's is not
 * checked against itself), and a way to run a verb in-process with its
 * stdout and stderr captured.
 */
#ifndef TPKTCTL_TEST_HELPERS_H
#define TPKTCTL_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json.h>
#include <pcap/pcap.h>

#include <tpkt/engine.h>
#include "inspect.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The CONNECT CONFIRM of Microsoft KB Q151626: TPKT reserved byte 0x11.
 */
static const u8 kb_cc[] __attribute__((unused)) = {
	0x03, 0x11, 0x00, 0x2c, 0x27, 0xd0, 0x01, 0xca, 0x00, 0x29, 0x00,
	0xc1, 0x0d, 0x53, 0x57, 0x49, 0x53, 0x53, 0x4c, 0x49, 0x46, 0x45,
	0x54, 0x53, 0x41, 0x50, 0xc2, 0x0d, 0x45, 0x58, 0x43, 0x48, 0x41,
	0x4e, 0x47, 0x45, 0x54, 0x53, 0x41, 0x50, 0x31, 0xc0, 0x01, 0x0b,
};

/* A conformant CONNECT REQUEST to go before it. */
static const u8 good_cr[] __attribute__((unused)) = {
	0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00,
	0xc0, 0x01, 0x0a, 0xc1, 0x02, 0x01, 0x00, 0xc2, 0x02, 0x01, 0x02,
};

/* ---- packets ----------------------------------------------------------- */

/* Link types beyond libpcap's DLT_*: Ethernet with one 802.1Q tag. */
#define GEN_ETH_VLAN	-1

struct gen_pkt {
	int family;		/* 4 or 6 */
	u8 src[16], dst[16];
	u16 sport, dport;
	u32 seq, ack;
	u8 flags;		/* TCP flags as on the wire */
	const u8 *data;
	u32 len;
	bool dstopts;		/* IPv6: a destination options header */
	bool frag;		/* IPv4: MF set (first fragment) */
	bool zero_csum;		/* as captured with checksum offload */
	bool bad_csum;		/* one off */
};

static inline void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(u8 *p, u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071, the plain way. */
static inline u32 gen_sum(u32 sum, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum += i & 1 ? b[i] : (u32)b[i] << 8;
	return sum;
}

static inline u16 gen_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Correct checksum of TCP segment @tcp (@tlen bytes, checksum field 0). */
static inline u16 gen_tcp_csum(int family, const u8 *src, const u8 *dst,
			       const u8 *tcp, size_t tlen)
{
	size_t alen = family == 4 ? 4 : 16;
	u32 sum = 0;

	sum = gen_sum(sum, src, alen);
	sum = gen_sum(sum, dst, alen);
	sum += 6 + (u32)tlen;
	sum = gen_sum(sum, tcp, tlen);
	return ~gen_fold(sum) & 0xffff;
}

/* Write link header for @dlt carrying ethertype @etype; returns length. */
static inline size_t gen_link(int dlt, int family, u8 *p)
{
	u16 etype = family == 4 ? 0x0800 : 0x86dd;

	switch (dlt) {
	case DLT_EN10MB:
		memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01",
		       12);
		put16(p + 12, etype);
		return 14;
	case GEN_ETH_VLAN:
		memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01",
		       12);
		put16(p + 12, 0x8100);
		put16(p + 14, 42);
		put16(p + 16, etype);
		return 18;
	case DLT_LINUX_SLL:
		memset(p, 0, 16);
		put16(p, 4);		/* sent by us */
		put16(p + 2, 1);	/* ARPHRD_ETHER */
		put16(p + 4, 6);
		memcpy(p + 6, "\x02\x00\x00\x00\x00\x01", 6);
		put16(p + 14, etype);
		return 16;
	case DLT_LINUX_SLL2:
		memset(p, 0, 20);
		put16(p, etype);
		put32(p + 4, 2);	/* interface index */
		put16(p + 8, 1);	/* ARPHRD_ETHER */
		p[10] = 4;		/* outgoing */
		p[11] = 6;
		memcpy(p + 12, "\x02\x00\x00\x00\x00\x01", 6);
		return 20;
	case DLT_NULL:
		/* host byte order of the capturing machine: little endian */
		p[0] = family == 4 ? 2 : 30;
		p[1] = p[2] = p[3] = 0;
		return 4;
	case DLT_LOOP:
		put32(p, family == 4 ? 2 : 24);
		return 4;
	default:	/* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		return 0;
	}
}

/* Build a frame of link type @dlt into @out; returns its length. */
static inline size_t gen_frame(int dlt, const struct gen_pkt *g, u8 *out)
{
	size_t l2 = gen_link(dlt, g->family, out), ip = l2, tcp, ext = 0;
	u8 *t;
	u16 c;

	if (g->family == 4) {
		u8 *h = out + ip;

		memset(h, 0, 20);
		h[0] = 0x45;
		put16(h + 2, 20 + 20 + g->len);
		put16(h + 4, 0x1234);
		put16(h + 6, g->frag ? 0x2000 : 0x4000);
		h[8] = 64;
		h[9] = 6;
		memcpy(h + 12, g->src, 4);
		memcpy(h + 16, g->dst, 4);
		c = ~gen_fold(gen_sum(0, h, 20));
		put16(h + 10, c);
		tcp = ip + 20;
	} else {
		u8 *h = out + ip;

		ext = g->dstopts ? 8 : 0;
		memset(h, 0, 40);
		h[0] = 0x60;
		put16(h + 4, ext + 20 + g->len);
		h[6] = g->dstopts ? 60 : 6;
		h[7] = 64;
		memcpy(h + 8, g->src, 16);
		memcpy(h + 24, g->dst, 16);
		if (g->dstopts) {
			/* next header TCP, 8 bytes, PadN of 4 */
			memcpy(h + 40, "\x06\x00\x01\x04\x00\x00\x00\x00", 8);
		}
		tcp = ip + 40 + ext;
	}
	t = out + tcp;
	memset(t, 0, 20);
	put16(t, g->sport);
	put16(t + 2, g->dport);
	put32(t + 4, g->seq);
	put32(t + 8, g->ack);
	t[12] = 5 << 4;
	t[13] = g->flags;
	put16(t + 14, 65535);
	if (g->len)
		memcpy(t + 20, g->data, g->len);
	c = gen_tcp_csum(g->family, g->src, g->dst, t, 20 + g->len);
	if (g->zero_csum)
		c = 0;
	else if (g->bad_csum)
		c ^= 0x0100;
	put16(t + 16, c);
	return tcp + 20 + g->len;
}

/*
 * One fragment of the whole IP packet @ip (@iplen bytes, as gen_frame()
 * builds it for DLT_RAW), as a frame of link type @dlt in @out: the bytes
 * [@start, @end) of its fragmentable part, identification @id, MF/M as
 * @more.  The fragmentable part begins after the IPv4 header, or after
 * the first @unfrag bytes of an IPv6 packet (its header and the extension
 * headers that stay in front of the fragment header; 0 means 40).  The
 * fragment's own fields may be edited afterwards (IPv4: fix the header
 * checksum with gen_ip4_csum()).  Returns the frame length.
 */
static inline void gen_ip4_csum(u8 *h)
{
	put16(h + 10, 0);
	put16(h + 10, ~gen_fold(gen_sum(0, h, (h[0] & 0x0f) * 4)) & 0xffff);
}

static inline size_t gen_fragment(int dlt, const u8 *ip, size_t iplen,
				  size_t unfrag, u32 start, u32 end,
				  bool more, u32 id, u8 *out)
{
	size_t l2 = gen_link(dlt, ip[0] >> 4 == 4 ? 4 : 6, out);
	u8 *h = out + l2;

	if (ip[0] >> 4 == 4) {
		size_t ihl = (ip[0] & 0x0f) * 4;

		assert_true(start <= end && ihl + end <= iplen);
		memcpy(h, ip, ihl);
		memcpy(h + ihl, ip + ihl + start, end - start);
		put16(h + 2, ihl + end - start);
		put16(h + 4, id);
		put16(h + 6, (ip[6] & 0x40) << 8 | (more ? 0x2000 : 0) |
			     start / 8);
		gen_ip4_csum(h);
		return l2 + ihl + end - start;
	}
	if (!unfrag)
		unfrag = 40;
	assert_true(start <= end && unfrag + end <= iplen);
	memcpy(h, ip, unfrag);
	/* the header in front of the fragment header points at it */
	if (unfrag == 40) {
		h[unfrag + 0] = h[6];
		h[6] = 44;
	} else {
		/* one extension header in front (tests use one) */
		h[unfrag + 0] = h[40];
		h[40] = 44;
	}
	h[unfrag + 1] = 0;
	put16(h + unfrag + 2, (start & 0xfff8) | (more ? 1 : 0));
	put32(h + unfrag + 4, id);
	memcpy(h + unfrag + 8, ip + unfrag + start, end - start);
	put16(h + 4, unfrag - 40 + 8 + end - start);
	return l2 + unfrag + 8 + end - start;
}

/* ---- capture files ----------------------------------------------------- */

struct gen_file {
	pcap_t *dead;
	pcap_dumper_t *d;
	int dlt;		/* as given: may be GEN_ETH_VLAN */
	unsigned int n;
	u32 snaplen;
};

static inline void gen_open(struct gen_file *f, const char *path, int dlt,
			    u32 snaplen)
{
	memset(f, 0, sizeof(*f));
	f->dlt = dlt;
	f->snaplen = snaplen;
	f->dead = pcap_open_dead(dlt == GEN_ETH_VLAN ? DLT_EN10MB : dlt,
				 snaplen);
	assert_non_null(f->dead);
	f->d = pcap_dump_open(f->dead, path);
	assert_non_null(f->d);
}

static inline void gen_write_raw(struct gen_file *f, const u8 *frame,
				 size_t len)
{
	struct pcap_pkthdr h = { 0 };

	h.ts.tv_sec = 1000000 + f->n;
	h.ts.tv_usec = f->n * 1000;
	h.len = len;
	h.caplen = len < f->snaplen ? len : f->snaplen;
	pcap_dump((u_char *)f->d, &h, frame);
	f->n++;
}

static inline void gen_write(struct gen_file *f, const struct gen_pkt *g)
{
	u8 frame[70000];

	gen_write_raw(f, frame, gen_frame(f->dlt, g, frame));
}

static inline void gen_close(struct gen_file *f)
{
	pcap_dump_close(f->d);
	pcap_close(f->dead);
}

/*
 * A TCP conversation between a client (direction 0) and a server on port
 * 102, written to a capture file.
 */
struct conv {
	struct gen_file *f;
	int family;
	u8 addr[2][16];
	u16 port[2];
	u32 isn[2];
	u32 next[2];		/* stream offset of the next byte sent */
	bool dstopts;
	bool zero_csum;
};

static inline void conv_init(struct conv *c, struct gen_file *f, int family)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->family = family;
	if (family == 4) {
		memcpy(c->addr[0], "\x0a\x00\x00\x01", 4);
		memcpy(c->addr[1], "\x0a\x00\x00\x02", 4);
	} else {
		memcpy(c->addr[0], "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
		       16);
		memcpy(c->addr[1], "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02",
		       16);
	}
	c->port[0] = 49152;
	c->port[1] = 102;
	c->isn[0] = 0x10000000;
	c->isn[1] = 0xfffffff0;	/* wraps soon */
}

/* One segment of direction @dir at stream offset @off (no SYN). */
static inline void conv_seg_at(struct conv *c, unsigned int dir, u32 off,
			       const u8 *data, u32 len, u8 flags)
{
	struct gen_pkt g = {
		.family = c->family, .sport = c->port[dir],
		.dport = c->port[!dir], .seq = c->isn[dir] + 1 + off,
		.ack = c->isn[!dir] + 1 + c->next[!dir], .flags = flags,
		.data = data, .len = len, .dstopts = c->dstopts,
		.zero_csum = c->zero_csum,
	};

	memcpy(g.src, c->addr[dir], 16);
	memcpy(g.dst, c->addr[!dir], 16);
	gen_write(c->f, &g);
}

static inline void conv_send(struct conv *c, unsigned int dir,
			     const u8 *data, u32 len)
{
	conv_seg_at(c, dir, c->next[dir], data, len, 0x18);	/* PSH ACK */
	c->next[dir] += len;
}

static inline void conv_syn(struct conv *c, unsigned int dir)
{
	struct gen_pkt g = {
		.family = c->family, .sport = c->port[dir],
		.dport = c->port[!dir], .seq = c->isn[dir],
		.ack = dir ? c->isn[0] + 1 : 0, .flags = dir ? 0x12 : 0x02,
		.dstopts = c->dstopts, .zero_csum = c->zero_csum,
	};

	memcpy(g.src, c->addr[dir], 16);
	memcpy(g.dst, c->addr[!dir], 16);
	gen_write(c->f, &g);
}

static inline void conv_handshake(struct conv *c)
{
	conv_syn(c, 0);
	conv_syn(c, 1);
	conv_seg_at(c, 0, 0, NULL, 0, 0x10);
}

/* ---- running tpktctl in-process ---------------------------------------- */

struct run_out {
	int rc;
	char *out;		/* stdout, NUL-terminated */
	char *err;		/* stderr */
	json_object *json;	/* stdout parsed, if it was JSON */
};

static inline char *slurp_fd(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s = malloc(len + 1);

	assert_non_null(s);
	assert_int_equal(pread(fd, s, len, 0), len);
	s[len] = '\0';
	return s;
}

/* Redirect stdout and stderr to temporary files until capture_end(). */
struct capture {
	FILE *fo, *fe;
	int so, se;
};

static inline void capture_begin(struct capture *c)
{
	c->fo = tmpfile();
	c->fe = tmpfile();
	assert_non_null(c->fo);
	assert_non_null(c->fe);
	fflush(stdout);
	fflush(stderr);
	c->so = dup(1);
	c->se = dup(2);
	dup2(fileno(c->fo), 1);
	dup2(fileno(c->fe), 2);
}

static inline void capture_end(struct capture *c, char **out, char **err)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->so, 1);
	dup2(c->se, 2);
	close(c->so);
	close(c->se);
	*out = slurp_fd(fileno(c->fo));
	*err = slurp_fd(fileno(c->fe));
	fclose(c->fo);
	fclose(c->fe);
}

/*
 * One object from a verb's JSON output.  inspect -j writes JSON Lines:
 * events and flows as found, the summary last; the result is the summary,
 * with the lines before it added in order as "event_list" and "flow_list", so that
 * a test reads one object.  Output of one object comes back as it is.
 */
static inline json_object *jsonl_parse(const char *s)
{
	json_object *ev = json_object_new_array(), *fl = json_object_new_array();
	json_object *last = NULL, *o, *type;
	const char *nl;
	int n = 0;

	assert_non_null(ev);
	assert_non_null(fl);
	for (; *s; s = nl + 1) {
		char *line;

		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		line = strndup(s, nl - s + 1);
		assert_non_null(line);
		o = json_tokener_parse(line);
		free(line);
		if (!o)
			fail_msg("not a JSON line: %.*s", (int)(nl - s), s);
		n++;
		if (!json_object_object_get_ex(o, "type", &type)) {
			json_object_put(last);
			last = o;
			continue;
		}
		if (!strcmp(json_object_get_string(type), "event"))
			json_object_array_add(ev, o);
		else if (!strcmp(json_object_get_string(type), "flow"))
			json_object_array_add(fl, o);
		else {
			json_object_put(last);
			last = o;
		}
	}
	if (last && n > 1) {
		json_object_object_add(last, "event_list", ev);
		json_object_object_add(last, "flow_list", fl);
	} else {
		json_object_put(ev);
		json_object_put(fl);
	}
	return last;
}

typedef int (*verb_fn_t)(const struct tpktctl_opts *o, int argc,
			 char **argv);

/* Run @fn with the NULL-terminated words @...; stdout/stderr captured. */
static inline void run_verb(struct run_out *r, verb_fn_t fn, bool json, ...)
{
	struct tpktctl_opts o = { .json = json };
	struct capture c;
	char *argv[64];
	int argc = 0;
	va_list ap;

	va_start(ap, json);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	capture_begin(&c);
	r->rc = fn(&o, argc, argv);
	capture_end(&c, &r->out, &r->err);
	/* -j may be global (@json) or the verb's own */
	r->json = r->out[0] == '{' ? jsonl_parse(r->out) : NULL;
}

static inline void run_free(struct run_out *r)
{
	free(r->out);
	free(r->err);
	json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

/* Integer member at a path like "anomalies.tpkt-reserved". */
static inline long long jget(json_object *o, const char *path)
{
	char buf[128], *save, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			fail_msg("no %s in %s", path,
				 json_object_to_json_string(o));
	return json_object_get_int64(o);
}

static inline const char *jstrget(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no %s", key);
	return json_object_get_string(v);
}

/* Temporary directory for the files of one test program. */
static char tmp_dir_name[64] __attribute__((unused));

static inline const char *tmp_dir(void)
{
	if (!tmp_dir_name[0]) {
		snprintf(tmp_dir_name, sizeof(tmp_dir_name),
			 "/tmp/tpktctl-test.XXXXXX");
		assert_non_null(mkdtemp(tmp_dir_name));
	}
	return tmp_dir_name;
}

/* Remove it (end of main()). */
static inline void tmp_dir_remove(void)
{
	char cmd[128];

	if (!tmp_dir_name[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir_name);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmp_dir_name);
}

static inline const char *tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmp_dir(), name);
	return buf;
}

/* Read a whole file. */
static inline u8 *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	u8 *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc(n ? n : 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, n, f), n);
	fclose(f);
	*len = n;
	return b;
}

#endif /* TPKTCTL_TEST_HELPERS_H */
