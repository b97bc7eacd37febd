// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libnl plumbing: socket, family lookup, requests with extended acks, and
 * error messages that say what to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nl.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int tnl_enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') || snprintf(path, sizeof(path), "/run/netns/%s",
					   name) >= (int)sizeof(path)) {
		tpktctl_err("bad network namespace name \"%s\"", name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tpktctl_err("unknown network namespace \"%s\" (%s: %s)", name,
			    path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		tpktctl_err("cannot enter network namespace \"%s\": %s%s", name,
			    strerror(errno),
			    errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Keep the kernel's extended ack: its message and the attribute it names. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct tnl *t = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)
		((const char *)e - NLMSG_HDRLEN);
	int off = sizeof(*e), len;
	const struct nlattr *a;

	t->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - off;
	for (a = (const struct nlattr *)((const char *)e + off);
	     len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	     a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const char *data = (const char *)a + NLA_HDRLEN;
		int dlen = a->nla_len - NLA_HDRLEN;

		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && dlen > 0)
			snprintf(t->extack, sizeof(t->extack), "%.*s", dlen, data);
		else if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS &&
			 dlen == 4)
			memcpy(&t->bad_attr_off, data, 4);
	}
	return NL_STOP;
}

int tnl_connect(struct tnl *t)
{
	int one = 1, err;

	memset(t, 0, sizeof(*t));
	t->sk = nl_socket_alloc();
	if (!t->sk) {
		tpktctl_err("out of memory");
		return -1;
	}
	err = genl_connect(t->sk);
	if (err < 0) {
		tpktctl_err("cannot open a generic netlink socket: %s",
			    nl_geterror(err));
		nl_socket_free(t->sk);
		t->sk = NULL;
		return -1;
	}
	/* messages and attribute offsets for errors, without the echo */
	setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	return 0;
}

int tnl_resolve(struct tnl *t)
{
	int family = genl_ctrl_resolve(t->sk, NF_TPKT_GENL_NAME);

	if (family == -NLE_OBJ_NOTFOUND)
		return -ENOENT;
	if (family < 0) {
		tpktctl_err("cannot look up the nf_tpkt family: %s",
			    nl_geterror(family));
		return -1;
	}
	t->family = family;
	nl_socket_modify_err_cb(t->sk, NL_CB_CUSTOM, on_error, t);
	/* tnl_request() asks for acks itself, only where no reply comes */
	nl_socket_disable_auto_ack(t->sk);
	return 0;
}

int tnl_open(struct tnl *t)
{
	int err;

	if (tnl_connect(t))
		return -1;
	err = tnl_resolve(t);
	if (err == -ENOENT)
		tpktctl_err("nf_tpkt is not loaded: run modprobe nf_tpkt");
	if (err) {
		tnl_close(t);
		return -1;
	}
	return 0;
}

void tnl_close(struct tnl *t)
{
	if (t->sk)
		nl_socket_free(t->sk);
	t->sk = NULL;
}

struct reply_ctx {
	tnl_reply_fn fn;
	void *arg;
	int err;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct reply_ctx *rc = arg;
	struct nlattr *tb[NF_TPKT_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, NF_TPKT_A_MAX, NULL);
	if (err < 0) {
		rc->err = -EPROTO;
		return NL_STOP;
	}
	if (rc->fn) {
		err = rc->fn(tb, rc->arg);
		if (err) {
			rc->err = err;
			return NL_STOP;
		}
	}
	return NL_OK;
}

int tnl_request(struct tnl *t, int cmd, int flags, tnl_build_fn build,
		void *barg, tnl_reply_fn reply, void *rarg)
{
	struct reply_ctx rc = { .fn = reply, .arg = rarg };
	struct nl_msg *msg;
	int err;

	t->err = 0;
	t->extack[0] = '\0';
	t->bad_attr_off = -1;
	msg = nlmsg_alloc();
	if (!msg)
		return t->err = -ENOMEM;
	/*
	 * An ack only where nothing else answers: a reply and an ack in one
	 * read would leave nothing to wait for.
	 */
	if (!reply && !(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0,
			 flags, cmd, NF_TPKT_GENL_VERSION) ||
	    (build && build(msg, barg) < 0)) {
		nlmsg_free(msg);
		return t->err = -EMSGSIZE;
	}
	nl_socket_modify_cb(t->sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rc);
	err = nl_send_auto(t->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return t->err = -EIO;
	/* until the reply, the ack, the end of the dump, or an error */
	err = nl_recvmsgs_default(t->sk);
	if (!t->err && rc.err)
		t->err = rc.err;
	if (!t->err && err < 0 && err != -NLE_PERM)
		t->err = -EIO;
	if (!t->err && err == -NLE_PERM)
		t->err = -EPERM;
	return t->err;
}

void tnl_perror(const struct tnl *t, const char *what)
{
	const char *more = t->extack[0] ? t->extack : NULL;

	/* the module says which right is missing; genetlink's check does not */
	if ((t->err == -EPERM || t->err == -EACCES) && more)
		tpktctl_err("%s: permission denied: %s", what, more);
	else if (t->err == -EPERM || t->err == -EACCES)
		tpktctl_err("%s: permission denied: needs CAP_NET_ADMIN in the "
			    "user namespace that owns this network namespace",
			    what);
	else if (more)
		tpktctl_err("%s: %s (%s)", what, more, strerror(-t->err));
	else
		tpktctl_err("%s: %s", what, strerror(-t->err));
}

int tnl_events_open(struct tnl_events *ev, struct tnl *req)
{
	int grp, err;

	memset(ev, 0, sizeof(*ev));
	ev->sk = nl_socket_alloc();
	if (!ev->sk) {
		tpktctl_err("out of memory");
		return -1;
	}
	err = genl_connect(ev->sk);
	if (err < 0) {
		tpktctl_err("cannot open a generic netlink socket: %s",
			    nl_geterror(err));
		goto fail;
	}
	/* multicasts only: they carry no sequence numbers of ours */
	nl_socket_disable_seq_check(ev->sk);
	grp = genl_ctrl_resolve_grp(req->sk, "nlctrl", "notify");
	if (grp < 0) {
		tpktctl_err("monitor: no nlctrl notify group: %s",
			    nl_geterror(grp));
		goto fail;
	}
	err = nl_socket_add_membership(ev->sk, grp);
	if (err < 0) {
		tpktctl_err("monitor: cannot join nlctrl's notify group: %s",
			    nl_geterror(err));
		goto fail;
	}
	return 0;
fail:
	nl_socket_free(ev->sk);
	ev->sk = NULL;
	return -1;
}

int tnl_events_join(struct tnl_events *ev, struct tnl *req)
{
	int grp = genl_ctrl_resolve_grp(req->sk, NF_TPKT_GENL_NAME,
					NF_TPKT_MCGRP_EVENTS);
	int err;

	if (grp == -NLE_OBJ_NOTFOUND)
		return -ENOENT;
	if (grp < 0) {
		tpktctl_err("the nf_tpkt module has no events group: %s",
			    nl_geterror(grp));
		return -1;
	}
	/* again after a lost notice: a group joined twice is joined once */
	err = nl_socket_add_membership(ev->sk, grp);
	if (err < 0) {
		if (err == -NLE_PERM)
			tpktctl_err("monitor: permission denied: needs "
				    "CAP_NET_ADMIN in the user namespace that "
				    "owns this network namespace");
		else
			tpktctl_err("monitor: cannot join the events group: %s",
				    nl_geterror(err));
		return -1;
	}
	ev->family = req->family;
	return 0;
}

struct events_ctx {
	struct tnl_events *ev;
	tnl_reply_fn fn;
	void *arg;
	unsigned int change;
	int err;
};

/* nlctrl's word on a family: its registration or its end. */
static void on_ctrl(struct events_ctx *c, struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		   NF_TPKT_GENL_NAME))
		return;
	if (g->cmd == CTRL_CMD_DELFAMILY)
		c->change |= TNL_FAMILY_GONE;
	else if (g->cmd == CTRL_CMD_NEWFAMILY)
		c->change |= TNL_FAMILY_BACK;
}

static int on_multicast(struct nl_msg *msg, void *arg)
{
	struct events_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NF_TPKT_A_MAX + 1];
	int err;

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		on_ctrl(c, nlh);
		return NL_OK;
	}
	/* an event of a family id that is no longer nf_tpkt's is not ours */
	if (!c->ev->family || nlh->nlmsg_type != c->ev->family)
		return NL_OK;
	if (genlmsg_parse(nlh, 0, tb, NF_TPKT_A_MAX, NULL) < 0)
		return NL_OK;
	err = c->fn(tb, c->arg);
	if (err) {
		c->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

int tnl_events_read(struct tnl_events *ev, int timeout_ms, tnl_reply_fn fn,
		    void *arg, unsigned int *change)
{
	struct events_ctx c = { .ev = ev, .fn = fn, .arg = arg };
	struct pollfd p = { .fd = nl_socket_get_fd(ev->sk), .events = POLLIN };
	int err;

	*change = 0;
	err = poll(&p, 1, timeout_ms);
	if (err < 0)
		return errno == EINTR ? 0 : -errno;
	if (!err)
		return 0;
	nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, on_multicast,
			    &c);
	/* one datagram: poll said there is one, so this does not block */
	err = nl_recvmsgs_default(ev->sk);
	*change = c.change;
	if (c.err)
		return c.err;
	/* libnl's word for the kernel's ENOBUFS: multicasts were dropped */
	if (err == -NLE_NOMEM)
		return -ENOBUFS;
	if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN)
		return -EIO;
	return 0;
}

void tnl_events_close(struct tnl_events *ev)
{
	if (ev->sk)
		nl_socket_free(ev->sk);
	ev->sk = NULL;
}
