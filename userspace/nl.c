// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libnl plumbing: socket, family lookup, requests with extended acks, and
 * error messages that say what to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

int tnl_open(struct tnl *t)
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
		goto fail;
	}
	/* messages and attribute offsets for errors, without the echo */
	setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(t->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	t->family = genl_ctrl_resolve(t->sk, NF_TPKT_GENL_NAME);
	if (t->family < 0) {
		if (t->family == -NLE_OBJ_NOTFOUND)
			tpktctl_err("nf_tpkt is not loaded: run modprobe nf_tpkt");
		else
			tpktctl_err("cannot look up the nf_tpkt family: %s",
				    nl_geterror(t->family));
		goto fail;
	}
	nl_socket_modify_err_cb(t->sk, NL_CB_CUSTOM, on_error, t);
	/* tnl_request() asks for acks itself, only where no reply comes */
	nl_socket_disable_auto_ack(t->sk);
	return 0;
fail:
	nl_socket_free(t->sk);
	t->sk = NULL;
	return -1;
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

int tnl_subscribe_events(struct tnl *t)
{
	int grp = genl_ctrl_resolve_grp(t->sk, NF_TPKT_GENL_NAME,
					NF_TPKT_MCGRP_EVENTS);
	int err;

	if (grp < 0) {
		tpktctl_err("the nf_tpkt module has no events group: %s",
			    nl_geterror(grp));
		return -1;
	}
	err = nl_socket_add_membership(t->sk, grp);
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
	nl_socket_disable_seq_check(t->sk);
	return 0;
}

int tnl_receive_events(struct tnl *t, tnl_reply_fn fn, void *arg)
{
	struct reply_ctx rc = { .fn = fn, .arg = arg };
	int err;

	nl_socket_modify_cb(t->sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rc);
	for (;;) {
		err = nl_recvmsgs_default(t->sk);
		if (rc.err)
			return rc.err > 0 ? 0 : rc.err;
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN &&
		    err != -NLE_NOMEM)
			return -EIO;
	}
}
