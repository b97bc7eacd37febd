// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nl_hostile: the nf_tpkt generic netlink family against broken requests.
 *
 *	nl_hostile [-v] [--seed N] [--random N]
 *	nl_hostile probe [--unshare]
 *
 * The first form sends every command with every attribute missing, of the
 * wrong type or length, out of range, oversized, duplicated or unknown,
 * with NLA_F_NESTED missing or misplaced, garbage nests, broken headers and
 * seeded random bytes, over a raw NETLINK_GENERIC socket in the current
 * network namespace.  Every case must be refused with a negative error and,
 * unless a listed exception explains why the kernel cannot say more, an
 * extended ack message; the offset the kernel names must lie in the part of
 * the request the case broke; after every case GET_POLICY must answer with
 * exactly the reply it gave before.  Exit 0 only when all of that held.
 *
 * "probe" prints, for each privileged operation, the error the kernel
 * returns to the caller (one line, for the VM suite to compare).  With
 * --unshare it first opens a socket, then enters a new user and network
 * namespace, and probes both the old socket (still in the old namespace)
 * and a new one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <uapi/linux/nf_tpkt.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define GENL_HLEN	4			/* struct genlmsghdr */
#define HDRS		(NLMSG_HDRLEN + GENL_HLEN)
#define MAX_PAYLOAD	(192 * 1024)
#define RX_SIZE		(256 * 1024)
#define TYPE_MAX	((u16)NLA_TYPE_MASK)	/* the largest attribute type */

/* ---- a byte buffer of attributes ------------------------------------ */

struct buf {
	size_t len;
	u8 d[MAX_PAYLOAD];
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nl_hostile: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void raw(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->d))
		die("case larger than %zu bytes", sizeof(b->d));
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void pad(struct buf *b)
{
	static const u8 zero[4];

	raw(b, zero, NLA_ALIGN(b->len) - b->len);
}

/* An attribute header claiming @nla_len, without payload. */
static size_t hdr(struct buf *b, u16 type, u16 nla_len)
{
	struct nlattr a = { .nla_len = nla_len, .nla_type = type };
	size_t off = b->len;

	raw(b, &a, sizeof(a));
	return off;
}

/* A well-formed attribute; returns its offset. */
static size_t attr(struct buf *b, u16 type, const void *p, size_t n)
{
	size_t off = hdr(b, type, (u16)(NLA_HDRLEN + n));

	if (NLA_HDRLEN + n > 0xffff)
		die("attribute of %zu bytes", n);
	raw(b, p, n);
	pad(b);
	return off;
}

static size_t attr_u8(struct buf *b, u16 type, u8 v)
{
	return attr(b, type, &v, 1);
}

static size_t attr_u32(struct buf *b, u16 type, u32 v)
{
	return attr(b, type, &v, 4);
}

static size_t nest_start(struct buf *b, u16 type)
{
	return hdr(b, type | NLA_F_NESTED, 0);
}

static void nest_end(struct buf *b, size_t off)
{
	struct nlattr *a = (struct nlattr *)(b->d + off);

	a->nla_len = (u16)(b->len - off);
}

/* ---- the socket ------------------------------------------------------ */

struct reply {
	bool answered;		/* an ack, an error or the end of a dump */
	int err;
	char msg[512];		/* NLMSGERR_ATTR_MSG */
	bool has_off;
	u32 off;		/* NLMSGERR_ATTR_OFFS: from the request's nlmsghdr */
	unsigned int nreplies;
	size_t first_len;	/* payload of the first reply, genlmsghdr on */
	u8 first[4096];
};

struct nl {
	int fd;
	u16 family;
	u32 mcgrp;
	u32 seq;
	u8 tx[HDRS + MAX_PAYLOAD];
	u8 rx[RX_SIZE];
};

static void parse_tlvs(struct reply *r, const u8 *p, int len)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int alen = a->nla_len, dlen = alen - NLA_HDRLEN;
		const u8 *d = p + NLA_HDRLEN;

		if (alen < NLA_HDRLEN || alen > len)
			break;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			snprintf(r->msg, sizeof(r->msg), "%.*s",
				 (int)strnlen((const char *)d, dlen), d);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (dlen == 4) {
				memcpy(&r->off, d, 4);
				r->has_off = true;
			}
			break;
		}
		len -= NLA_ALIGN(alen);
		p += NLA_ALIGN(alen);
	}
}

static int nl_open(struct nl *n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	int one = 1, sz = 1 << 20;

	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (n->fd < 0)
		return -errno;
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* messages and offsets for errors; the request is not echoed */
	if (setsockopt(n->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(n->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		die("NETLINK_EXT_ACK: %s", strerror(errno));
	setsockopt(n->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* a kernel that stops answering fails the run instead of hanging it */
	setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

/*
 * Send one request: nlmsghdr, the first @genl_len bytes of a genlmsghdr,
 * then @pl.  Returns the sequence number, or -errno from sendmsg.
 */
static long nl_send(struct nl *n, u16 type, u16 flags, u8 cmd, u8 version,
		    u8 reserved, unsigned int genl_len, const struct buf *pl)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)n->tx;
	struct genlmsghdr g = { .cmd = cmd, .version = version,
				.reserved = reserved };
	size_t len = NLMSG_HDRLEN + genl_len;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memcpy(n->tx + NLMSG_HDRLEN, &g, genl_len);
	if (genl_len == GENL_HLEN && pl) {
		memcpy(n->tx + HDRS, pl->d, pl->len);
		len += pl->len;
	}
	nlh->nlmsg_len = (u32)len;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++n->seq;
	nlh->nlmsg_pid = 0;
	if (sendto(n->fd, n->tx, len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return n->seq;
}

/*
 * Read until the answer to @seq is complete: an error or ack, or the end
 * of a dump.  Replies are counted and the first one kept.
 */
static void nl_recv(struct nl *n, u32 seq, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	while (!r->answered) {
		ssize_t got = recv(n->fd, n->rx, sizeof(n->rx), 0);
		struct nlmsghdr *h;
		int len;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return;		/* timeout: not answered */
		}
		len = (int)got;
		for (h = (struct nlmsghdr *)n->rx; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const u8 *p = NLMSG_DATA(h);
			int plen = (int)h->nlmsg_len - NLMSG_HDRLEN;

			if (h->nlmsg_seq != seq)
				continue;	/* a late answer to an older request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = (const void *)p;
				int off = sizeof(*e);

				if (plen < (int)sizeof(*e))
					die("short NLMSG_ERROR");
				r->err = e->error;
				r->answered = true;
				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if (h->nlmsg_flags & NLM_F_ACK_TLVS)
					parse_tlvs(r, p + off, plen - off);
			} else if (h->nlmsg_type == NLMSG_DONE) {
				if (plen >= 4)
					memcpy(&r->err, p, 4);
				r->answered = true;
				if (plen > 4 && (h->nlmsg_flags & NLM_F_ACK_TLVS))
					parse_tlvs(r, p + 4, plen - 4);
			} else {
				if (!r->nreplies++ && plen > 0 &&
				    (size_t)plen <= sizeof(r->first)) {
					memcpy(r->first, p, plen);
					r->first_len = plen;
				}
			}
		}
	}
}

static void nl_request(struct nl *n, u8 cmd, u16 flags, const struct buf *pl,
		       struct reply *r)
{
	long seq = nl_send(n, n->family, flags, cmd, NF_TPKT_GENL_VERSION, 0,
			   GENL_HLEN, pl);

	if (seq < 0) {
		memset(r, 0, sizeof(*r));
		r->answered = true;
		r->err = (int)seq;
		snprintf(r->msg, sizeof(r->msg), "(sendmsg failed)");
		return;
	}
	nl_recv(n, (u32)seq, r);
}

/* Family id and the events group id from the controller. */
static int nl_resolve(struct nl *n)
{
	struct buf *b = calloc(1, sizeof(*b));
	struct reply r;
	const u8 *p;
	int len;
	long seq;

	if (!b)
		die("out of memory");
	attr(b, CTRL_ATTR_FAMILY_NAME, NF_TPKT_GENL_NAME,
	     sizeof(NF_TPKT_GENL_NAME));
	seq = nl_send(n, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, 0, GENL_HLEN, b);
	free(b);
	if (seq < 0)
		return (int)seq;
	nl_recv(n, (u32)seq, &r);
	if (!r.answered)
		return -ETIMEDOUT;
	if (r.err || !r.nreplies)
		return r.err ? r.err : -ENOENT;
	p = r.first + GENL_HLEN;
	len = (int)r.first_len - GENL_HLEN;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&n->family, p + NLA_HDRLEN, 2);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
			/* nest of nests: name and id of each group */
			const u8 *g = p + NLA_HDRLEN;
			int glen = a->nla_len - NLA_HDRLEN;

			while (glen >= NLA_HDRLEN) {
				const struct nlattr *ga = (const void *)g;
				const u8 *q = g + NLA_HDRLEN;
				int qlen = ga->nla_len - NLA_HDRLEN;
				u32 id = 0;
				bool events = false;

				if (ga->nla_len < NLA_HDRLEN || ga->nla_len > glen)
					break;
				while (qlen >= NLA_HDRLEN) {
					const struct nlattr *qa = (const void *)q;

					if (qa->nla_len < NLA_HDRLEN ||
					    qa->nla_len > qlen)
						break;
					if (qa->nla_type == CTRL_ATTR_MCAST_GRP_ID)
						memcpy(&id, q + NLA_HDRLEN, 4);
					if (qa->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
					    !strcmp((const char *)q + NLA_HDRLEN,
						    NF_TPKT_MCGRP_EVENTS))
						events = true;
					qlen -= NLA_ALIGN(qa->nla_len);
					q += NLA_ALIGN(qa->nla_len);
				}
				if (events)
					n->mcgrp = id;
				glen -= NLA_ALIGN(ga->nla_len);
				g += NLA_ALIGN(ga->nla_len);
			}
		}
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return n->family ? 0 : -ENOENT;
}

static void nl_connect(struct nl *n)
{
	int err = nl_open(n);

	if (err)
		die("netlink socket: %s", strerror(-err));
	err = nl_resolve(n);
	if (err == -ENOENT)
		die("family %s not found: is nf_tpkt loaded?", NF_TPKT_GENL_NAME);
	if (err)
		die("family lookup: %s", strerror(-err));
}

static const char *errname(int err)
{
	static char buf[32];

	switch (-err) {
	case 0: return "0";
	case EPERM: return "-EPERM";
	case EACCES: return "-EACCES";
	case EINVAL: return "-EINVAL";
	case ERANGE: return "-ERANGE";
	case E2BIG: return "-E2BIG";
	case ENOENT: return "-ENOENT";
	case EOPNOTSUPP: return "-EOPNOTSUPP";
	case EMSGSIZE: return "-EMSGSIZE";
	case ETIMEDOUT: return "-ETIMEDOUT";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

/* ---- the policy as GET_POLICY reports it ------------------------------ */

struct snapshot {
	size_t len;
	u8 d[4096];
	/* the fields the decoys are made from */
	u8 mode;
	u32 max_flows, timeout;
};

static int snap(struct nl *n, struct snapshot *s)
{
	struct reply r;
	const u8 *p;
	int len;

	nl_request(n, NF_TPKT_CMD_GET_POLICY, 0, NULL, &r);
	if (!r.answered)
		return -ETIMEDOUT;
	if (r.err)
		return r.err;
	if (r.nreplies != 1 || !r.first_len)
		return -EPROTO;
	memcpy(s->d, r.first, r.first_len);
	s->len = r.first_len;
	p = s->d + GENL_HLEN;
	len = (int)s->len - GENL_HLEN;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		const u8 *d = p + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EPROTO;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NF_TPKT_A_POLICY_MODE:
			s->mode = d[0];
			break;
		case NF_TPKT_A_POLICY_MAX_FLOWS:
			memcpy(&s->max_flows, d, 4);
			break;
		case NF_TPKT_A_POLICY_TIMEOUT:
			memcpy(&s->timeout, d, 4);
			break;
		}
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static bool snap_equal(const struct snapshot *a, const struct snapshot *b)
{
	return a->len == b->len && !memcmp(a->d, b->d, a->len);
}

/*
 * The reply of GET_POLICY carries every policy attribute in the form
 * SET_POLICY takes: sent back, it restores that policy.
 */
static int restore(struct nl *n, const struct snapshot *s)
{
	struct buf *b = malloc(sizeof(*b));
	struct reply r;

	if (!b)
		die("out of memory");
	b->len = s->len - GENL_HLEN;
	memcpy(b->d, s->d + GENL_HLEN, b->len);
	nl_request(n, NF_TPKT_CMD_SET_POLICY, 0, b, &r);
	free(b);
	return r.answered ? r.err : -ETIMEDOUT;
}

/* ---- cases ---------------------------------------------------------- */

/*
 * Errors that legitimately come without a message: the genetlink core
 * refuses these before any code of the family runs, and neither 6.1 nor
 * 6.12 sets an extack message there.  Each is allowed only with its errno.
 */
enum nomsg {
	NOMSG_NONE,
	NOMSG_UNKNOWN_CMD,
	NOMSG_WRONG_KIND,
	NOMSG_SHORT_GENLHDR,
	__NOMSG_MAX
};

static const struct {
	const char *tag;
	int err;
	const char *why;
} nomsg_reason[__NOMSG_MAX] = {
	[NOMSG_UNKNOWN_CMD] = { "unknown-command", -EOPNOTSUPP,
		"genetlink finds no such operation" },
	[NOMSG_WRONG_KIND] = { "do/dump-mismatch", -EOPNOTSUPP,
		"genetlink: a do request to a dump-only command or a dump of a do-only one" },
	[NOMSG_SHORT_GENLHDR] = { "short-genlmsghdr", -EINVAL,
		"genetlink: message shorter than struct genlmsghdr" },
};

struct tcase {
	char name[200];
	u8 cmd;
	u16 flags;		/* besides NLM_F_REQUEST | NLM_F_ACK */
	u8 reserved;
	unsigned int genl_len;
	struct buf *pl;
	/* the part the case broke, as payload offsets; lo < 0: anywhere */
	long bad_lo, bad_hi;
	enum nomsg nomsg;
};

struct run {
	struct nl nl;
	struct snapshot base;
	struct buf *pl;		/* payload of the case being built */
	unsigned int cases, with_msg, with_off, violations;
	unsigned int without[__NOMSG_MAX];
	unsigned int by_errno[256];	/* refusals by -errno */
	bool verbose;
};

static void dump_hex(const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 256; i++)
		fprintf(stderr, "%02x%s", p[i], (i + 1) % 32 ? "" : "\n");
	if (n > 256)
		fprintf(stderr, "... (%zu bytes)", n);
	fputc('\n', stderr);
}

static void violation(struct run *rn, const struct tcase *t,
		      const struct reply *r, const char *what)
{
	rn->violations++;
	fprintf(stderr, "nl_hostile: FAIL %s: %s (error %s, message \"%s\"",
		t->name, what, errname(r->err), r->msg);
	if (r->has_off)
		fprintf(stderr, ", offset %u", r->off);
	fprintf(stderr, ")\n  request cmd %u flags 0x%x reserved %u, "
		"attributes:\n", t->cmd, NLM_F_REQUEST | NLM_F_ACK | t->flags,
		t->reserved);
	dump_hex(t->pl->d, t->genl_len == GENL_HLEN ? t->pl->len : 0);
}

static void run_case(struct run *rn, struct tcase *t)
{
	struct snapshot after;
	struct reply r;
	long seq;
	int err;

	rn->cases++;
	seq = nl_send(&rn->nl, rn->nl.family, t->flags, t->cmd,
		      NF_TPKT_GENL_VERSION, t->reserved, t->genl_len, t->pl);
	if (seq < 0)
		die("%s: sendmsg: %s", t->name, strerror((int)-seq));
	nl_recv(&rn->nl, (u32)seq, &r);
	if (rn->verbose)
		printf("  %-60s %s%s%s\n", t->name, errname(r.err),
		       r.msg[0] ? " " : "", r.msg);
	if (r.answered && r.err < 0 && -r.err < 256)
		rn->by_errno[-r.err]++;
	if (!r.answered) {
		violation(rn, t, &r, "no answer within 5 s");
	} else if (r.err >= 0) {
		violation(rn, t, &r, r.err ? "positive error" : "accepted");
	} else if (r.msg[0]) {
		rn->with_msg++;
	} else if (t->nomsg != NOMSG_NONE &&
		   r.err == nomsg_reason[t->nomsg].err) {
		rn->without[t->nomsg]++;
	} else {
		violation(rn, t, &r, "refused without an extack message");
	}
	if (r.answered && r.has_off) {
		long lo = HDRS + t->bad_lo, hi = HDRS + t->bad_hi;

		rn->with_off++;
		if (t->bad_lo >= 0 && ((long)r.off < lo || (long)r.off >= hi)) {
			char why[128];

			snprintf(why, sizeof(why),
				 "offset %u outside the broken part %ld..%ld",
				 r.off, lo, hi - 1);
			violation(rn, t, &r, why);
		}
	}

	/* the kernel answers, and the policy is what it was */
	err = snap(&rn->nl, &after);
	if (err) {
		fprintf(stderr, "nl_hostile: FAIL %s: GET_POLICY after it: %s\n",
			t->name, errname(err));
		exit(1);
	}
	if (!snap_equal(&after, &rn->base)) {
		violation(rn, t, &r, "policy changed");
		if (restore(&rn->nl, &rn->base) || snap(&rn->nl, &after) ||
		    !snap_equal(&after, &rn->base))
			die("cannot restore the policy");
	}
}

/* ---- building cases ---------------------------------------------------- */

struct cmd_desc {
	u8 cmd;
	const char *name;
	bool dump;
};

static const struct cmd_desc cmds[] = {
	{ NF_TPKT_CMD_GET_POLICY, "get_policy", false },
	{ NF_TPKT_CMD_SET_POLICY, "set_policy", false },
	{ NF_TPKT_CMD_GET_STATS, "get_stats", false },
	{ NF_TPKT_CMD_GET_FLOWS, "get_flows", true },
	{ NF_TPKT_CMD_FLUSH_FLOWS, "flush_flows", false },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

enum kind { K_NONE, K_U8, K_U32, K_FLAG, K_ACTIONS, K_PORTS };

/* What each request attribute is, as include/uapi/linux/nf_tpkt.h says. */
struct attr_desc {
	enum kind kind;
	const char *name;
	u32 min, max;
	u32 mask;		/* K_U32 bit sets */
	u8 cmd;			/* the one command that takes it */
};

static const struct attr_desc attrs[NF_TPKT_A_MAX + 1] = {
	[NF_TPKT_A_POLICY_MODE] = { K_U8, "mode", 0, NF_TPKT_MODE_MAX, 0,
				    NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_ACTIONS] = { K_ACTIONS, "actions", 0, 0, 0,
				       NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_PORTS] = { K_PORTS, "ports", 0, 0, 0,
				     NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_HOOKS] = { K_U32, "hooks", 1, NF_TPKT_HOOK_ALL,
				     NF_TPKT_HOOK_ALL, NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_MAX_FLOWS] = { K_U32, "max_flows", 1,
					 NF_TPKT_MAX_FLOWS_LIMIT, 0,
					 NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_TIMEOUT] = { K_U32, "timeout", 1, NF_TPKT_MAX_TIMEOUT,
				       0, NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_FULL] = { K_U8, "full", 0, NF_TPKT_FULL_MAX, 0,
				    NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_PICKUP] = { K_U8, "pickup", 0, NF_TPKT_PICKUP_MAX, 0,
				      NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_OOO] = { K_U8, "ooo", 0, NF_TPKT_OOO_MAX, 0,
				   NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_POLICY_EVENT_RATE] = { K_U32, "event_rate", 0,
					  NF_TPKT_MAX_EVENT_RATE, 0,
					  NF_TPKT_CMD_SET_POLICY },
	[NF_TPKT_A_STATS_RESET] = { K_FLAG, "stats_reset", 0, 0, 0,
				    NF_TPKT_CMD_GET_STATS },
	/* the rest are reply and event attributes only */
	[NF_TPKT_A_STATS_COUNTERS] = { K_NONE, "stats_counters" },
	[NF_TPKT_A_STATS_TPDUS] = { K_NONE, "stats_tpdus" },
	[NF_TPKT_A_STATS_ANOMALIES] = { K_NONE, "stats_anomalies" },
	[NF_TPKT_A_STATS_FLOWS_ACTIVE] = { K_NONE, "stats_flows_active" },
	[NF_TPKT_A_FLOW] = { K_NONE, "flow" },
	[NF_TPKT_A_EVENT] = { K_NONE, "event" },
};

/* Checks that have a fix (the uapi header's enum nf_tpkt_check). */
static bool fixable(unsigned int check)
{
	return check == NF_TPKT_CHECK_RESERVED ||
	       check == NF_TPKT_CHECK_COTP_CLASS_OPTION;
}

static const char *attr_name(unsigned int type)
{
	static char buf[16];

	if (type <= NF_TPKT_A_MAX && attrs[type].name)
		return attrs[type].name;
	snprintf(buf, sizeof(buf), "type%u", type);
	return buf;
}

static bool takes(const struct cmd_desc *c, unsigned int type)
{
	return type <= NF_TPKT_A_MAX && attrs[type].kind != K_NONE &&
	       attrs[type].cmd == c->cmd;
}

/* A valid value of a scalar attribute: its minimum. */
static u32 valid_value(unsigned int type)
{
	return attrs[type].min;
}

/* Valid content of the two nests: one action, one port range. */
static void valid_nest(struct buf *b, unsigned int type)
{
	size_t n = nest_start(b, type);

	if (type == NF_TPKT_A_POLICY_ACTIONS)
		attr_u8(b, NF_TPKT_CHECK_RESERVED + 1, NF_TPKT_ACT_COUNT);
	else
		attr_u32(b, NF_TPKT_A_PORTS_RANGE, 102U << 16 | 102);
	nest_end(b, n);
}

/* One valid attribute of @type, to duplicate or to surround a broken one. */
static size_t valid_attr(struct buf *b, unsigned int type)
{
	size_t off = b->len;

	switch (attrs[type].kind) {
	case K_U8:
		attr_u8(b, type, (u8)valid_value(type));
		break;
	case K_U32:
		attr_u32(b, type, valid_value(type));
		break;
	case K_FLAG:
		attr(b, type, NULL, 0);
		break;
	case K_ACTIONS:
	case K_PORTS:
		valid_nest(b, type);
		break;
	case K_NONE:
		die("no valid form of attribute %u", type);
	}
	return off;
}

/*
 * SET_POLICY cases carry valid changes before and after the broken part
 * (a mode and a flow limit different from the policy in force), so that a
 * set applied halfway shows in the next GET_POLICY.
 */
static void decoy(struct run *rn, struct buf *b, bool after, unsigned int avoid)
{
	unsigned int t = after ? NF_TPKT_A_POLICY_MAX_FLOWS :
				 NF_TPKT_A_POLICY_MODE;

	if (t == avoid)
		t = NF_TPKT_A_POLICY_TIMEOUT;
	switch (t) {
	case NF_TPKT_A_POLICY_MODE:
		attr_u8(b, t, (u8)((rn->base.mode + 1) % (NF_TPKT_MODE_MAX + 1)));
		break;
	case NF_TPKT_A_POLICY_MAX_FLOWS:
		attr_u32(b, t, rn->base.max_flows == 1 ? 2 :
			 rn->base.max_flows - 1);
		break;
	default:
		attr_u32(b, t, rn->base.timeout == 1 ? 2 : rn->base.timeout - 1);
		break;
	}
}

/*
 * A case is built in three steps: begin() starts the payload (with the
 * leading decoy for SET_POLICY), the caller appends the broken part
 * between mark() and the run, and go() adds the trailing decoy and runs it.
 */
struct builder {
	struct run *rn;
	struct tcase t;
	bool decoys;
	unsigned int avoid;	/* top-level type of the broken part */
};

static struct buf *begin(struct builder *bd, struct run *rn, u8 cmd,
			 unsigned int avoid, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct buf *begin(struct builder *bd, struct run *rn, u8 cmd,
			 unsigned int avoid, const char *fmt, ...)
{
	va_list ap;

	memset(bd, 0, sizeof(*bd));
	bd->rn = rn;
	bd->t.cmd = cmd;
	bd->t.genl_len = GENL_HLEN;
	bd->t.pl = rn->pl;
	bd->t.bad_lo = -1;
	bd->avoid = avoid;
	bd->decoys = cmd == NF_TPKT_CMD_SET_POLICY;
	va_start(ap, fmt);
	vsnprintf(bd->t.name, sizeof(bd->t.name), fmt, ap);
	va_end(ap);
	rn->pl->len = 0;
	if (bd->decoys)
		decoy(rn, rn->pl, false, avoid);
	bd->t.bad_lo = (long)rn->pl->len;
	return rn->pl;
}

/* A case without attributes (and so without decoys). */
static void empty(struct builder *bd)
{
	bd->decoys = false;
	bd->t.pl->len = 0;
	bd->t.bad_lo = -1;
}

static void go(struct builder *bd)
{
	struct buf *b = bd->t.pl;

	bd->t.bad_hi = (long)b->len;
	if (bd->t.bad_hi <= bd->t.bad_lo)
		bd->t.bad_lo = -1;	/* nothing broken in place: anywhere */
	/* a trailing decoy only where the broken part ends cleanly */
	if (bd->decoys && b->len == NLA_ALIGN(b->len))
		decoy(bd->rn, b, true, bd->avoid);
	run_case(bd->rn, &bd->t);
}

static u16 dump_flag(const struct cmd_desc *c)
{
	return c->dump ? NLM_F_DUMP : 0;
}

/* Header level: unknown commands, do/dump mismatch, flags, genlmsghdr. */
static void header_cases(struct run *rn)
{
	static const u16 bad_flags[] = {
		NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, NLM_F_ROOT,
		NLM_F_MATCH,
		NLM_F_ATOMIC, NLM_F_APPEND, 0x1000, 0x8000,
	};
	static const u8 bad_reserved[] = { 1, 0x80, 0xff };
	struct builder bd;
	unsigned int i, j, cmd;

	for (cmd = 0; cmd < 256; cmd++) {
		bool known = false;

		for (i = 0; i < NCMDS; i++)
			known |= cmds[i].cmd == cmd;
		if (known)
			continue;
		for (j = 0; j < 2; j++) {
			begin(&bd, rn, (u8)cmd, 0, "cmd %u (unknown)%s", cmd,
			      j ? " dump" : "");
			bd.t.flags = j ? NLM_F_DUMP : 0;
			bd.t.nomsg = NOMSG_UNKNOWN_CMD;
			go(&bd);
		}
	}
	for (i = 0; i < NCMDS; i++) {
		const struct cmd_desc *c = &cmds[i];

		begin(&bd, rn, c->cmd, 0, "%s as %s", c->name,
		      c->dump ? "do" : "dump");
		bd.t.flags = c->dump ? 0 : NLM_F_DUMP;
		bd.t.nomsg = NOMSG_WRONG_KIND;
		empty(&bd);
		go(&bd);
		for (j = 0; j < GENL_HLEN; j++) {
			begin(&bd, rn, c->cmd, 0, "%s genlmsghdr of %u bytes",
			      c->name, j);
			bd.t.genl_len = j;
			bd.t.flags = dump_flag(c);
			bd.t.nomsg = NOMSG_SHORT_GENLHDR;
			empty(&bd);
			go(&bd);
		}
		for (j = 0; j < sizeof(bad_reserved); j++) {
			begin(&bd, rn, c->cmd, 0, "%s genlmsghdr.reserved 0x%02x",
			      c->name, bad_reserved[j]);
			bd.t.reserved = bad_reserved[j];
			bd.t.flags = dump_flag(c);
			go(&bd);
		}
		for (j = 0; j < sizeof(bad_flags) / sizeof(bad_flags[0]); j++) {
			/* a dump with half of NLM_F_DUMP: that half alone */
			bool half = c->dump && (bad_flags[j] & NLM_F_DUMP);

			begin(&bd, rn, c->cmd, 0, "%s nlmsg_flags %s0x%04x",
			      c->name, half ? "" : "+", bad_flags[j]);
			bd.t.flags = half ? bad_flags[j] :
					    dump_flag(c) | bad_flags[j];
			go(&bd);
		}
	}
}

/*
 * Every top-level attribute type, each payload length and both states of
 * NLA_F_NESTED, for every command; the forms that are valid for the
 * command are left out.
 */
static void shape_cases(struct run *rn)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 4, 5, 8, 65000 };
	static const unsigned int extra_types[] = {
		NF_TPKT_A_MAX + 1, NF_TPKT_A_MAX + 2, 0x100, TYPE_MAX,
	};
	unsigned int ntypes = NF_TPKT_A_MAX + 1 + 4;
	struct builder bd;
	unsigned int i, ti, li, nested;
	static u8 payload[65000];

	for (i = 0; i < NCMDS; i++) {
		const struct cmd_desc *c = &cmds[i];

		for (ti = 0; ti < ntypes; ti++) {
			unsigned int type = ti <= NF_TPKT_A_MAX ? ti :
					    extra_types[ti - NF_TPKT_A_MAX - 1];
			bool ok_type = takes(c, type);
			enum kind k = ok_type ? attrs[type].kind : K_NONE;

			for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
				unsigned int len = lens[li];

				for (nested = 0; nested < 2; nested++) {
					bool valid;
					u32 v = ok_type ? valid_value(type) : 0;
					struct buf *b;

					/*
					 * Valid: the scalar's own length, no
					 * NLA_F_NESTED.  A nest of zeros is
					 * never valid: it is empty or holds
					 * an attribute of length 0.
					 */
					valid = !nested &&
						((k == K_U8 && len == 1) ||
						 (k == K_U32 && len == 4) ||
						 (k == K_FLAG && len == 0));
					if (valid)
						continue;
					memset(payload, 0, len);
					memcpy(payload, &v, len < 4 ? len : 4);
					b = begin(&bd, rn, c->cmd, type,
						  "%s %s len %u%s", c->name,
						  attr_name(type), len,
						  nested ? " NLA_F_NESTED" : "");
					bd.t.flags = dump_flag(c);
					attr(b, (u16)(type | (nested ? NLA_F_NESTED : 0)),
					     payload, len);
					go(&bd);
				}
			}
		}
	}
}

/* Duplicates and garbage at the top level, for every command. */
static void top_garbage_cases(struct run *rn)
{
	struct builder bd;
	unsigned int i, type, j;

	for (i = 0; i < NCMDS; i++) {
		const struct cmd_desc *c = &cmds[i];
		struct buf *b;

		for (type = 1; type <= NF_TPKT_A_MAX; type++) {
			if (!takes(c, type))
				continue;
			b = begin(&bd, rn, c->cmd, type, "%s %s twice", c->name,
				  attr_name(type));
			valid_attr(b, type);
			bd.t.bad_lo = (long)valid_attr(b, type);
			go(&bd);
		}
		/* an attribute header shorter than itself, then nothing */
		for (j = 0; j < NLA_HDRLEN; j++) {
			b = begin(&bd, rn, c->cmd, 0, "%s nla_len %u", c->name, j);
			bd.t.flags = dump_flag(c);
			hdr(b, NF_TPKT_A_POLICY_MODE, (u16)j);
			bd.decoys = false;	/* nothing after it */
			go(&bd);
		}
		/* lengths past the end of the message */
		for (j = 1; j <= 8; j *= 2) {
			b = begin(&bd, rn, c->cmd, 0, "%s nla_len %u past the end",
				  c->name, j);
			bd.t.flags = dump_flag(c);
			hdr(b, NF_TPKT_A_POLICY_MAX_FLOWS, (u16)(NLA_HDRLEN + 4 + j));
			raw(b, "\x01\0\0\0", 4);
			bd.decoys = false;	/* it would fill the gap */
			go(&bd);
		}
		b = begin(&bd, rn, c->cmd, 0, "%s nla_len 0xffff", c->name);
		bd.t.flags = dump_flag(c);
		hdr(b, NF_TPKT_A_POLICY_MAX_FLOWS, 0xffff);
		raw(b, "\x01\0\0\0", 4);
		bd.decoys = false;
		go(&bd);
		/* bytes after the last attribute */
		for (j = 1; j < NLA_HDRLEN; j++) {
			b = begin(&bd, rn, c->cmd, 0, "%s %u trailing bytes",
				  c->name, j);
			bd.t.flags = dump_flag(c);
			raw(b, "\x05\x05\x05", j);
			go(&bd);
		}
		/* 64 levels of nests under an unknown type */
		b = begin(&bd, rn, c->cmd, 0, "%s 64 nested nests", c->name);
		bd.t.flags = dump_flag(c);
		{
			size_t at[64];

			for (j = 0; j < 64; j++)
				at[j] = nest_start(b, NF_TPKT_A_MAX + 1);
			for (j = 64; j-- > 0;)
				nest_end(b, at[j]);
		}
		go(&bd);
	}
}

static void scalar_range_cases(struct run *rn)
{
	static const u8 u8_bad[] = { 0x10, 0x7f, 0x80, 0xfe, 0xff };
	static const u32 u32_bad[] = { 0x100, 0x10000, 0x80000000,
				       0xfffffffe, 0xffffffff };
	struct builder bd;
	unsigned int type, j;

	for (type = 1; type <= NF_TPKT_A_MAX; type++) {
		const struct attr_desc *a = &attrs[type];
		u8 cmd = NF_TPKT_CMD_SET_POLICY;
		struct buf *b;

		if (a->kind == K_U8) {
			for (j = a->max + 1; j <= a->max + 2; j++) {
				b = begin(&bd, rn, cmd, type, "set %s %u", a->name, j);
				attr_u8(b, (u16)type, (u8)j);
				go(&bd);
			}
			for (j = 0; j < sizeof(u8_bad); j++) {
				b = begin(&bd, rn, cmd, type, "set %s 0x%02x",
					  a->name, u8_bad[j]);
				attr_u8(b, (u16)type, u8_bad[j]);
				go(&bd);
			}
		}
		if (a->kind != K_U32)
			continue;
		if (a->mask) {
			/* every bit outside the mask, and none at all */
			for (j = 0; j < 32; j++) {
				if (a->mask & (1U << j))
					continue;
				b = begin(&bd, rn, cmd, type, "set %s bit %u",
					  a->name, j);
				attr_u32(b, (u16)type, a->mask | 1U << j);
				go(&bd);
			}
			b = begin(&bd, rn, cmd, type, "set %s 0", a->name);
			attr_u32(b, (u16)type, 0);
			go(&bd);
			continue;
		}
		if (a->min > 0) {
			b = begin(&bd, rn, cmd, type, "set %s %u (min - 1)",
				  a->name, a->min - 1);
			attr_u32(b, (u16)type, a->min - 1);
			go(&bd);
		}
		b = begin(&bd, rn, cmd, type, "set %s %u (max + 1)", a->name,
			  a->max + 1);
		attr_u32(b, (u16)type, a->max + 1);
		go(&bd);
		for (j = 0; j < sizeof(u32_bad) / sizeof(u32_bad[0]); j++) {
			if (u32_bad[j] <= a->max)
				continue;
			b = begin(&bd, rn, cmd, type, "set %s 0x%x", a->name,
				  u32_bad[j]);
			attr_u32(b, (u16)type, u32_bad[j]);
			go(&bd);
		}
	}
}

static void actions_cases(struct run *rn)
{
	const u16 A = NF_TPKT_A_POLICY_ACTIONS;
	u8 cmd = NF_TPKT_CMD_SET_POLICY;
	static const u16 bad_types[] = { 0, __NF_TPKT_CHECK_MAX + 1,
					 __NF_TPKT_CHECK_MAX + 2, 0x100,
					 TYPE_MAX };
	static const unsigned int bad_lens[] = { 0, 2, 4, 200 };
	struct builder bd;
	struct buf *b;
	unsigned int chk, j;
	size_t n;

	for (chk = 0; chk < __NF_TPKT_CHECK_MAX; chk++) {
		static const u8 bad_act[] = { NF_TPKT_ACT_MAX + 1,
					      NF_TPKT_ACT_MAX + 2, 0x80, 0xff };

		for (j = 0; j < sizeof(bad_act); j++) {
			b = begin(&bd, rn, cmd, A, "set actions check %u action %u",
				  chk, bad_act[j]);
			n = nest_start(b, A);
			attr_u8(b, (u16)(chk + 1), bad_act[j]);
			nest_end(b, n);
			go(&bd);
		}
		if (!fixable(chk)) {
			b = begin(&bd, rn, cmd, A, "set actions check %u fix "
				  "(no fix)", chk);
			n = nest_start(b, A);
			attr_u8(b, (u16)(chk + 1), NF_TPKT_ACT_FIX);
			nest_end(b, n);
			go(&bd);
			/* a valid action first: nothing may stick */
			b = begin(&bd, rn, cmd, A, "set actions drop for all, "
				  "then check %u fix", chk);
			n = nest_start(b, A);
			for (j = 0; j < __NF_TPKT_CHECK_MAX; j++)
				if (j != chk)
					attr_u8(b, (u16)(j + 1), NF_TPKT_ACT_DROP);
			attr_u8(b, (u16)(chk + 1), NF_TPKT_ACT_FIX);
			nest_end(b, n);
			go(&bd);
		}
		for (j = 0; j < sizeof(bad_lens) / sizeof(bad_lens[0]); j++) {
			static u8 z[200];

			b = begin(&bd, rn, cmd, A, "set actions check %u len %u",
				  chk, bad_lens[j]);
			n = nest_start(b, A);
			attr(b, (u16)(chk + 1), z, bad_lens[j]);
			nest_end(b, n);
			go(&bd);
		}
		b = begin(&bd, rn, cmd, A, "set actions check %u NLA_F_NESTED",
			  chk);
		n = nest_start(b, A);
		attr_u8(b, (u16)((chk + 1) | NLA_F_NESTED), NF_TPKT_ACT_COUNT);
		nest_end(b, n);
		go(&bd);
		b = begin(&bd, rn, cmd, A, "set actions check %u twice", chk);
		n = nest_start(b, A);
		attr_u8(b, (u16)(chk + 1), NF_TPKT_ACT_COUNT);
		attr_u8(b, (u16)(chk + 1), NF_TPKT_ACT_DROP);
		nest_end(b, n);
		go(&bd);
	}
	for (j = 0; j < sizeof(bad_types) / sizeof(bad_types[0]); j++) {
		b = begin(&bd, rn, cmd, A, "set actions unknown check type %u",
			  bad_types[j]);
		n = nest_start(b, A);
		attr_u8(b, NF_TPKT_CHECK_RESERVED + 1, NF_TPKT_ACT_COUNT);
		attr_u8(b, bad_types[j], NF_TPKT_ACT_COUNT);
		nest_end(b, n);
		go(&bd);
	}
	b = begin(&bd, rn, cmd, A, "set actions without NLA_F_NESTED");
	n = hdr(b, A, 0);
	attr_u8(b, NF_TPKT_CHECK_RESERVED + 1, NF_TPKT_ACT_COUNT);
	nest_end(b, n);
	go(&bd);
	b = begin(&bd, rn, cmd, A, "set actions empty");
	nest_end(b, nest_start(b, A));
	go(&bd);
	for (j = 0; j < NLA_HDRLEN; j++) {
		b = begin(&bd, rn, cmd, A, "set actions inner nla_len %u", j);
		n = nest_start(b, A);
		hdr(b, NF_TPKT_CHECK_RESERVED + 1, (u16)j);
		nest_end(b, n);
		go(&bd);
	}
	for (j = 1; j < NLA_HDRLEN; j++) {
		b = begin(&bd, rn, cmd, A, "set actions %u trailing bytes", j);
		n = nest_start(b, A);
		attr_u8(b, NF_TPKT_CHECK_RESERVED + 1, NF_TPKT_ACT_COUNT);
		raw(b, "\x05\x05\x05", j);
		nest_end(b, n);
		pad(b);
		go(&bd);
	}
	/* the inner attribute claims more than the nest holds */
	b = begin(&bd, rn, cmd, A, "set actions inner length past the nest");
	n = nest_start(b, A);
	hdr(b, NF_TPKT_CHECK_RESERVED + 1, NLA_HDRLEN + 1 + 8);
	raw(b, "\x01\0\0\0", 4);
	nest_end(b, n);
	attr_u32(b, NF_TPKT_A_POLICY_TIMEOUT, 1);
	go(&bd);
	/*
	 * The nest claims less than its content: what spills over is read
	 * at the top level (here as an event rate of the wrong length).
	 */
	b = begin(&bd, rn, cmd, A, "set actions shorter than its content");
	n = nest_start(b, A);
	attr_u8(b, NF_TPKT_CHECK_RESERVED + 1, NF_TPKT_ACT_COUNT);
	nest_end(b, n);
	attr_u8(b, NF_TPKT_CHECK_DESYNC + 1, NF_TPKT_ACT_COUNT);
	go(&bd);
	b = begin(&bd, rn, cmd, A, "set actions nla_len 1..3 as nest");
	hdr(b, A | NLA_F_NESTED, 3);
	raw(b, "\0\0\0\0", 4);
	go(&bd);
	/* 64 levels of nests inside */
	b = begin(&bd, rn, cmd, A, "set actions with 64 nested nests");
	{
		size_t at[65];

		at[0] = nest_start(b, A);
		for (j = 1; j < 65; j++)
			at[j] = nest_start(b, NF_TPKT_CHECK_RESERVED + 1);
		for (j = 65; j-- > 0;)
			nest_end(b, at[j]);
	}
	go(&bd);
	/* a whole nest of duplicates, then oversized */
	b = begin(&bd, rn, cmd, A, "set actions 16000 entries");
	n = nest_start(b, A);
	for (j = 0; j < 16000 / 8; j++)
		attr_u8(b, (u16)(j % __NF_TPKT_CHECK_MAX + 1), NF_TPKT_ACT_COUNT);
	nest_end(b, n);
	go(&bd);
	b = begin(&bd, rn, cmd, A, "set actions twice");
	valid_nest(b, A);
	bd.t.bad_lo = (long)b->len;
	valid_nest(b, A);
	go(&bd);
}

static void ports_cases(struct run *rn)
{
	const u16 P = NF_TPKT_A_POLICY_PORTS, R = NF_TPKT_A_PORTS_RANGE;
	u8 cmd = NF_TPKT_CMD_SET_POLICY;
	static const u32 bad_ranges[] = {
		0, 102, 103U << 16 | 102, 65535U << 16 | 1, 0xffff0000,
	};
	static const u16 bad_types[] = { 0, R + 1, 0x100, TYPE_MAX };
	static const unsigned int bad_lens[] = { 0, 2, 3, 8, 300 };
	struct builder bd;
	struct buf *b;
	unsigned int j, k;
	size_t n;

	for (j = 0; j < sizeof(bad_ranges) / sizeof(bad_ranges[0]); j++) {
		b = begin(&bd, rn, cmd, P, "set ports range 0x%08x",
			  bad_ranges[j]);
		n = nest_start(b, P);
		attr_u32(b, R, bad_ranges[j]);
		nest_end(b, n);
		go(&bd);
		/* after valid ranges: nothing may stick */
		b = begin(&bd, rn, cmd, P, "set ports 2000-2001, range 0x%08x",
			  bad_ranges[j]);
		n = nest_start(b, P);
		attr_u32(b, R, 2000U << 16 | 2001);
		attr_u32(b, R, bad_ranges[j]);
		nest_end(b, n);
		go(&bd);
	}
	for (k = 0; k < 3; k++) {
		/* one too many, many, and as many as an attribute holds */
		static const unsigned int nr[] = { NF_TPKT_MAX_PORT_RANGES + 1,
						   256, 8000 };

		b = begin(&bd, rn, cmd, P, "set ports %u ranges", nr[k]);
		n = nest_start(b, P);
		for (j = 0; j < nr[k]; j++)
			attr_u32(b, R, (j + 1) << 16 | (j + 1));
		nest_end(b, n);
		go(&bd);
	}
	for (j = 0; j < sizeof(bad_types) / sizeof(bad_types[0]); j++) {
		b = begin(&bd, rn, cmd, P, "set ports unknown type %u",
			  bad_types[j]);
		n = nest_start(b, P);
		attr_u32(b, R, 102U << 16 | 102);
		attr_u32(b, bad_types[j], 102U << 16 | 102);
		nest_end(b, n);
		go(&bd);
	}
	for (j = 0; j < sizeof(bad_lens) / sizeof(bad_lens[0]); j++) {
		static u8 z[300] = { 102, 0, 102, 0 };

		b = begin(&bd, rn, cmd, P, "set ports range len %u", bad_lens[j]);
		n = nest_start(b, P);
		attr(b, R, z, bad_lens[j]);
		nest_end(b, n);
		go(&bd);
	}
	b = begin(&bd, rn, cmd, P, "set ports range NLA_F_NESTED");
	n = nest_start(b, P);
	attr_u32(b, R | NLA_F_NESTED, 102U << 16 | 102);
	nest_end(b, n);
	go(&bd);
	b = begin(&bd, rn, cmd, P, "set ports without NLA_F_NESTED");
	n = hdr(b, P, 0);
	attr_u32(b, R, 102U << 16 | 102);
	nest_end(b, n);
	go(&bd);
	b = begin(&bd, rn, cmd, P, "set ports empty");
	nest_end(b, nest_start(b, P));
	go(&bd);
	for (j = 0; j < NLA_HDRLEN; j++) {
		b = begin(&bd, rn, cmd, P, "set ports inner nla_len %u", j);
		n = nest_start(b, P);
		hdr(b, R, (u16)j);
		nest_end(b, n);
		go(&bd);
	}
	b = begin(&bd, rn, cmd, P, "set ports inner length past the nest");
	n = nest_start(b, P);
	hdr(b, R, NLA_HDRLEN + 4 + 8);
	raw(b, "\x66\0\x66\0", 4);
	nest_end(b, n);
	attr_u32(b, NF_TPKT_A_POLICY_TIMEOUT, 1);
	go(&bd);
	b = begin(&bd, rn, cmd, P, "set ports 2 trailing bytes");
	n = nest_start(b, P);
	attr_u32(b, R, 102U << 16 | 102);
	raw(b, "\x01\x02", 2);
	nest_end(b, n);
	pad(b);
	go(&bd);
	b = begin(&bd, rn, cmd, P, "set ports with 64 nested nests");
	{
		size_t at[65];

		at[0] = nest_start(b, P);
		for (j = 1; j < 65; j++)
			at[j] = nest_start(b, R);
		for (j = 65; j-- > 0;)
			nest_end(b, at[j]);
	}
	go(&bd);
	b = begin(&bd, rn, cmd, P, "set ports twice");
	valid_nest(b, P);
	bd.t.bad_lo = (long)b->len;
	valid_nest(b, P);
	go(&bd);
}

/* Requests that name nothing to do or are mostly duplicates. */
static void missing_cases(struct run *rn)
{
	struct builder bd;
	struct buf *b;
	unsigned int j;

	begin(&bd, rn, NF_TPKT_CMD_SET_POLICY, 0, "set nothing");
	empty(&bd);
	go(&bd);
	/* 10000 modes: a long message of duplicates */
	b = begin(&bd, rn, NF_TPKT_CMD_SET_POLICY, NF_TPKT_A_POLICY_MODE,
		  "set mode 10000 times");
	for (j = 0; j < 10000; j++)
		attr_u8(b, NF_TPKT_A_POLICY_MODE, 0);
	bd.t.bad_lo += 8;	/* the second one on */
	go(&bd);
	b = begin(&bd, rn, NF_TPKT_CMD_GET_STATS, 0, "get_stats reset 10000 times");
	for (j = 0; j < 10000; j++)
		attr(b, NF_TPKT_A_STATS_RESET, NULL, 0);
	bd.t.bad_lo += 4;
	go(&bd);
}

/* ---- random ------------------------------------------------------------ */

static uint64_t rng_state;

static u32 rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (u32)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/*
 * Whether @b is certainly invalid for every command: a walk of its top
 * level leaves bytes over, or meets a type no request takes (0, or above
 * NF_TPKT_A_STATS_RESET).  Random payloads that pass this are drawn
 * again, so that none can be a valid request by chance.
 */
static bool certainly_invalid(const struct buf *b)
{
	const u8 *p = b->d;
	long len = (long)b->len;

	if (!len)
		return false;
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		unsigned int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return true;
		if (type == 0 || type > NF_TPKT_A_STATS_RESET)
			return true;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return len > 0;
}

static void random_cases(struct run *rn, unsigned int count)
{
	struct builder bd;
	unsigned int i, j, redrawn = 0;

	for (i = 0; i < count; i++) {
		const struct cmd_desc *c = &cmds[rnd() % NCMDS];
		bool structured = i & 1;
		struct buf *b;

		do {
			b = begin(&bd, rn, c->cmd, 0, "%s random %u (%s)",
				  c->name, i, structured ? "attributes" : "bytes");
			bd.decoys = false;
			bd.t.flags = dump_flag(c);
			b->len = 0;
			if (structured) {
				/* headers that look right, contents that may not */
				unsigned int na = 1 + rnd() % 6;

				for (j = 0; j < na; j++) {
					u8 data[16];
					unsigned int dl = rnd() % 17, k;
					u16 type = (u16)(rnd() % (NF_TPKT_A_MAX + 3));

					if (!(rnd() % 4))
						type |= NLA_F_NESTED;
					for (k = 0; k < dl; k++)
						data[k] = (u8)rnd();
					if (rnd() % 8) {
						attr(b, type, data, dl);
					} else {
						hdr(b, type, (u16)(rnd() % 40));
						raw(b, data, dl);
					}
				}
			} else {
				unsigned int n = 1 + rnd() % 512;

				for (j = 0; j < n; j++)
					b->d[j] = (u8)rnd();
				b->len = n;
			}
			redrawn++;
		} while (!certainly_invalid(b));
		redrawn--;
		bd.t.bad_lo = -1;
		bd.t.bad_hi = 0;
		run_case(rn, &bd.t);
	}
	printf("nl_hostile: %u random cases (%u drawn again as possibly valid)\n",
	       count, redrawn);
}

/* ---- controls: the checks above can fail ------------------------------- */

static void controls(struct run *rn)
{
	struct snapshot s;
	struct reply r;
	struct buf *b = rn->pl;

	/* a valid change is accepted and seen by GET_POLICY */
	b->len = 0;
	decoy(rn, b, false, 0);
	nl_request(&rn->nl, NF_TPKT_CMD_SET_POLICY, 0, b, &r);
	if (!r.answered || r.err)
		die("control: a valid SET_POLICY failed: %s %s",
		    errname(r.err), r.msg);
	if (snap(&rn->nl, &s) || snap_equal(&s, &rn->base))
		die("control: a valid SET_POLICY did not show in GET_POLICY");
	if (restore(&rn->nl, &rn->base) || snap(&rn->nl, &s) ||
	    !snap_equal(&s, &rn->base))
		die("control: the policy could not be restored");
	/* the valid forms of the other commands are accepted */
	nl_request(&rn->nl, NF_TPKT_CMD_GET_STATS, 0, NULL, &r);
	if (!r.answered || r.err || r.nreplies != 1)
		die("control: GET_STATS: %s %s", errname(r.err), r.msg);
	nl_request(&rn->nl, NF_TPKT_CMD_GET_FLOWS, NLM_F_DUMP, NULL, &r);
	if (!r.answered || r.err)
		die("control: GET_FLOWS dump: %s %s", errname(r.err), r.msg);
	printf("nl_hostile: controls passed (valid set seen and undone, "
	       "stats and flow dump answered)\n");
}

static int hostile(int argc, char **argv)
{
	struct run *rn = calloc(1, sizeof(*rn));
	unsigned int nrandom = 600, i, without;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	struct timespec t0, t1;
	bool first;
	int err;

	if (!rn || !(rn->pl = malloc(sizeof(*rn->pl))))
		die("out of memory");
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-v"))
			rn->verbose = true;
		else if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned int)argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--random") && i + 1 < (unsigned int)argc)
			nrandom = (unsigned int)strtoul(argv[++i], NULL, 0);
		else
			die("usage: nl_hostile [-v] [--seed N] [--random N] | "
			    "probe [--unshare]");
	}
	rng_state = seed ? seed : 1;
	printf("nl_hostile: seed %" PRIu64 "\n", seed);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nl_connect(&rn->nl);
	err = snap(&rn->nl, &rn->base);
	if (err)
		die("GET_POLICY: %s", errname(err));
	controls(rn);
	header_cases(rn);
	shape_cases(rn);
	top_garbage_cases(rn);
	scalar_range_cases(rn);
	actions_cases(rn);
	ports_cases(rn);
	missing_cases(rn);
	random_cases(rn, nrandom);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 1, without = 0; i < __NOMSG_MAX; i++)
		without += rn->without[i];
	printf("nl_hostile: %u cases, %u refused with message, %u without "
	       "(allowed: ", rn->cases, rn->with_msg, without);
	first = true;
	for (i = 1; i < __NOMSG_MAX; i++) {
		if (!rn->without[i])
			continue;
		printf("%s%s %u", first ? "" : ", ", nomsg_reason[i].tag,
		       rn->without[i]);
		first = false;
	}
	printf("%s), %u with an offset, %s, %.1f s\n", first ? "none" : "",
	       rn->with_off, rn->violations ? "VIOLATIONS" : "policy unchanged",
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("nl_hostile: errors:");
	for (i = 1; i < 256; i++)
		if (rn->by_errno[i])
			printf(" %s %u", errname(-(int)i), rn->by_errno[i]);
	printf("\n");
	for (i = 1; i < __NOMSG_MAX; i++)
		if (rn->without[i])
			printf("nl_hostile: without a message: %s (%s): %s\n",
			       nomsg_reason[i].tag, errname(nomsg_reason[i].err),
			       nomsg_reason[i].why);
	if (rn->violations)
		printf("nl_hostile: %u violations\n", rn->violations);
	return rn->violations ? 1 : 0;
}

/* ---- probe: what each privileged operation returns ------------------------ */

static void probe(struct nl *n, const char *label)
{
	struct snapshot s;
	struct buf *b = malloc(sizeof(*b));
	struct reply r;
	int err, get, grp;

	if (!b)
		die("out of memory");
	printf("%s:", label);
	get = snap(n, &s);
	printf(" get_policy=%s", errname(get));
	b->len = 0;
	/* the mode in force: a change that changes nothing if allowed */
	attr_u8(b, NF_TPKT_A_POLICY_MODE, get ? NF_TPKT_MODE_MONITOR : s.mode);
	nl_request(n, NF_TPKT_CMD_SET_POLICY, 0, b, &r);
	printf(" set_policy=%s", errname(r.err));
	nl_request(n, NF_TPKT_CMD_GET_STATS, 0, NULL, &r);
	printf(" stats=%s", errname(r.err));
	b->len = 0;
	attr(b, NF_TPKT_A_STATS_RESET, NULL, 0);
	nl_request(n, NF_TPKT_CMD_GET_STATS, 0, b, &r);
	printf(" stats_reset=%s", errname(r.err));
	nl_request(n, NF_TPKT_CMD_GET_FLOWS, NLM_F_DUMP, NULL, &r);
	printf(" flows=%s", errname(r.err));
	nl_request(n, NF_TPKT_CMD_FLUSH_FLOWS, 0, NULL, &r);
	printf(" flush=%s", errname(r.err));
	grp = (int)n->mcgrp;
	err = 0;
	if (!grp)
		err = -ENOENT;
	else if (setsockopt(n->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			    sizeof(grp)))
		err = -errno;
	else
		setsockopt(n->fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp,
			   sizeof(grp));
	printf(" events=%s\n", errname(err));
	fflush(stdout);
	free(b);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("%s: %s", path, strerror(errno));
	close(fd);
}

static int probe_main(int argc, char **argv)
{
	static struct nl old, fresh;
	bool do_unshare = argc > 1 && !strcmp(argv[1], "--unshare");
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (argc > 2 || (argc == 2 && !do_unshare))
		die("usage: nl_hostile probe [--unshare]");
	nl_connect(&old);
	if (!do_unshare) {
		probe(&old, "probe");
		return 0;
	}
	/* a user namespace of our own, and a network namespace it owns */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	write_file("/proc/self/gid_map", map);
	/* the socket opened before still acts on the namespace it came from */
	probe(&old, "old-socket");
	nl_connect(&fresh);
	probe(&fresh, "new-netns");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "probe"))
		return probe_main(argc - 1, argv + 1);
	return hostile(argc, argv);
}
