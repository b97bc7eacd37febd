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

/*
 * tnl_open() in two: a socket (0 or -1, said), then the family: 0,
 * -ENOENT when nf_tpkt is not loaded (not said), -1 (said).  Resolving
 * again after the module came back finds its new family id.
 */
int tnl_connect(struct tnl *t);
int tnl_resolve(struct tnl *t);
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

/*
 * What monitor listens on: a socket for multicasts only, in nlctrl's
 * "notify" group (families registered and gone) and, once joined, in
 * nf_tpkt's "events" group.  Requests go through another socket (@req):
 * a reply read here would be mistaken for a multicast, and the reverse.
 */
struct tnl_events {
	struct nl_sock *sk;
	int family;		/* whose events are ours; 0: none joined */
};

/* The socket, in nlctrl's group; 0 or -1 (message printed). */
int tnl_events_open(struct tnl_events *ev, struct tnl *req);

/*
 * Join the events group of the family @req resolved: 0, -ENOENT if it
 * went away meanwhile (not said), -1 (said: EPERM and the like).
 */
int tnl_events_join(struct tnl_events *ev, struct tnl *req);

/* What tnl_events_read() saw of the nf_tpkt family, as bits. */
#define TNL_FAMILY_GONE	1	/* unregistered: the module went away */
#define TNL_FAMILY_BACK	2	/* registered (again) */

/*
 * Wait at most @timeout_ms (-1: for ever) for one datagram, hand the
 * events in it to @fn and say in @change what became of the family.
 * Returns 0 (also on timeout), what @fn returned when not 0, -ENOBUFS
 * when the receive buffer overflowed (multicasts, events or nlctrl's
 * notices, were lost), or another negative errno.
 */
int tnl_events_read(struct tnl_events *ev, int timeout_ms, tnl_reply_fn fn,
		    void *arg, unsigned int *change);
void tnl_events_close(struct tnl_events *ev);

#endif /* TPKTCTL_NL_H */
