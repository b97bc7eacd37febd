/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libnl plumbing for the nf_tpkt generic netlink family: one socket, one
 * request at a time, errors turned into sentences a person understands.
 */
#ifndef TPKTCTL_NL_H
#define TPKTCTL_NL_H

#include <stdbool.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <uapi/linux/nf_tpkt.h>

struct tnl {
	struct nl_sock *sk;
	int family;
	/* filled by the error handler of the last request */
	int err;		/* negative errno */
	char extack[256];	/* the kernel's message, "" if none */
	int bad_attr_off;	/* offset of the attribute it names, or -1 */
};

/* Enter network namespace @name (as "ip -n"); 0 or -1 (message printed). */
int tnl_enter_netns(const char *name);

/* Connect and resolve the family; 0 or -1 with a message printed. */
int tnl_open(struct tnl *t);
void tnl_close(struct tnl *t);

/* Builds a request's attributes; returns 0 or a negative value. */
typedef int (*tnl_build_fn)(struct nl_msg *msg, void *arg);
/* Gets the top-level attributes of each reply message. */
typedef int (*tnl_reply_fn)(struct nlattr **tb, void *arg);

/*
 * Send @cmd (NLM_F_DUMP in @flags for dumps), feed replies to @reply and
 * wait for the end.  Returns 0 or a negative errno; the error is also left
 * in @t for tnl_perror().
 */
int tnl_request(struct tnl *t, int cmd, int flags, tnl_build_fn build,
		void *barg, tnl_reply_fn reply, void *rarg);

/* Print the last error of @t for @what ("set", "flows"...). */
void tnl_perror(const struct tnl *t, const char *what);

/* Join the "events" group; 0 or -1 (message printed). */
int tnl_subscribe_events(struct tnl *t);

/* Receive and hand events to @fn until it returns non-zero or an error. */
int tnl_receive_events(struct tnl *t, tnl_reply_fn fn, void *arg);

#endif /* TPKTCTL_NL_H */
