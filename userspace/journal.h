/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * monitor -o journal: events and notices (event.h) as structured journal
 * entries.  An entry is built first, as the iovec list sd_journal_sendv()
 * takes, so that what would be sent can be looked at (the unit tests do)
 * before journal_send() sends it.
 *
 * An event's entry (Documentation/nf_tpkt.rst, "Events in the journal"):
 *
 *	MESSAGE=	the text line of event_print_text(), without time
 *	PRIORITY=	journal_event_priority()
 *	SYSLOG_IDENTIFIER=tpktctl
 *	MESSAGE_ID=	JOURNAL_MSGID_EVENT
 *	NF_TPKT_<KEY>=	one per known field of event_fields(), KEY its JSON
 *			key in upper case (NF_TPKT_CHECK=tpkt-reserved,
 *			NF_TPKT_TPKT_OFFSET=0); numbers in decimal, as in
 *			JSON; a field JSON has as null, or that the text
 *			leaves out, is not there (nor orig without bytes)
 *	NF_TPKT_<KEY>_ADDR=, NF_TPKT_<KEY>_PORT=
 *			the parts of an endpoint (src, dst): the address
 *			without brackets, the port
 *
 * A notice's: MESSAGE= (event_notice_text()), PRIORITY=,
 * SYSLOG_IDENTIFIER=, MESSAGE_ID= (one per kind), NF_TPKT_NOTICE= (its
 * name), NF_TPKT_COUNT= (suppressed only) and NF_TPKT_NETNS= when known.
 */
#ifndef TPKTCTL_JOURNAL_H
#define TPKTCTL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "event.h"

#define JOURNAL_IDENTIFIER	"tpktctl"
#define JOURNAL_FIELD_PREFIX	"NF_TPKT_"

/* MESSAGE_ID= of events and of each notice; made with systemd-id128 new */
#define JOURNAL_MSGID_EVENT	"759ba82ec80e48bbbad767f6ddcfd365"

#define JOURNAL_MAX_FIELDS	40
#define JOURNAL_TEXT_MAX	4096

struct journal_entry {
	struct iovec iov[JOURNAL_MAX_FIELDS];	/* "NAME=value", no NUL */
	unsigned int n;
	bool overflow;		/* a field did not fit: journal_send refuses */
	size_t used;
	char text[JOURNAL_TEXT_MAX];	/* what iov points into */
};

/* The MESSAGE_ID of notices of @kind. */
const char *journal_notice_msgid(enum event_notice_kind kind);

/* A syslog priority: LOG_WARNING for a drop or a desync, else LOG_NOTICE. */
int journal_event_priority(const struct tpktctl_event *e);

/*
 * Start @j with PRIORITY=, SYSLOG_IDENTIFIER= and MESSAGE_ID=, then add
 * one "NAME=value" field (printf format) at a time.
 */
void journal_entry_init(struct journal_entry *j, int priority,
			const char *msgid);
void journal_add(struct journal_entry *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The whole entry of event @e, or of notice @n, into @j. */
void journal_event(struct journal_entry *j, const struct tpktctl_event *e);
void journal_notice(struct journal_entry *j, const struct event_notice *n);

/*
 * Hand @j to the journal (sd_journal_sendv).  0, -ENOSPC if it overflowed
 * (nothing sent), or sd_journal_sendv's negative errno.  Without a
 * journald there is nothing to send to, and it returns 0: see
 * journal_available().
 */
int journal_send(const struct journal_entry *j);

/* Whether a journald listens where sd_journal_sendv() sends. */
bool journal_available(void);

#endif /* TPKTCTL_JOURNAL_H */
