/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One anomaly event, as monitor (from the kernel) and inspect (from a
 * capture) report it: one text line and one JSON object, so that a field
 * is spelled, and means, the same everywhere.
 *
 * Text, one line (tpktctl(8), EVENTS):
 *
 *	[TIME ][FILE ][frame N: ]SRC > DST CHECK ACTION[ TPDU][ offset N]
 *	[ tpkt-offset N][ value 0xN][ orig HEX][ hook H][ dev D][ netns N]
 *
 * TIME only when asked for and known, RFC 3339 UTC with microseconds
 * ("2026-12-03T15:51:17.123456Z"); "frame N: " only when frame != 0.
 *
 * JSON: the event's own fields are always there, null when it has none:
 * src, dst, check, action, tpdu, offset, tpkt_offset, value, orig (hex,
 * "" if none).  Where and when it happened are there only when known:
 * time (RFC 3339 string, as in the text), file, frame, hook, dev, netns.
 */
#ifndef TPKTCTL_EVENT_H
#define TPKTCTL_EVENT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

struct tpktctl_event {
	const char *file;	/* capture file, or NULL */
	unsigned long frame;	/* capture frame number, 0: none */
	bool has_time;
	struct timespec time;	/* CLOCK_REALTIME */
	const char *hook;	/* "prerouting", "forward", ... or NULL */
	const char *dev;	/* interface name or NULL */
	bool has_netns;
	unsigned int netns;	/* namespace inode number */
	char src[64], dst[64];	/* "10.0.0.1:40000", "[fd00::1]:102" */
	const char *check;	/* a check name, or "ooo"/"blocked" */
	const char *action;	/* action name */
	const char *tpdu;	/* TPDU name, or NULL */
	bool has_offset;
	unsigned int offset;	/* stream offset of the byte */
	bool has_tpkt_offset;
	unsigned int tpkt_offset;
	bool has_value;
	unsigned int value;
	unsigned int orig_len;
	unsigned char orig[8];	/* original bytes */
};

/* Longest RFC 3339 time event_time_str() writes, with its NUL. */
#define EVENT_TIME_LEN	32

/*
 * @t as RFC 3339 UTC with microseconds into @buf (EVENT_TIME_LEN bytes).
 * Returns @buf, "" if @t cannot be represented.
 */
char *event_time_str(const struct timespec *t, char *buf);

/* Name of NF_INET_* hook @hook ("forward", "input", ...), NULL if unknown. */
const char *event_hook_name(unsigned int hook);

/*
 * One line as above, newline included; TIME only when @show_time and
 * @e->has_time.
 */
void event_print_text(FILE *f, const struct tpktctl_event *e, bool show_time);

/*
 * The fields of an event, in the order the text line and the JSON object
 * have them: the one list that JSON and the journal (journal.h) are
 * made from, so that a field added here reaches both.
 */
enum event_field_type {
	EVENT_FIELD_STRING,
	EVENT_FIELD_UINT,
	EVENT_FIELD_ENDPOINT,	/* a string, "ADDR:PORT" or "[ADDR6]:PORT" */
};

struct event_field {
	const char *name;	/* JSON key: lower case, words joined by '_' */
	enum event_field_type type;
	bool known;
	/* not known: null in JSON; else (where and when) left out */
	bool nullable;
	const char *str;	/* STRING, ENDPOINT */
	unsigned long long uint;	/* UINT */
};

#define EVENT_FIELDS_MAX	16

/* What the string values of a field list point into, besides @e. */
struct event_field_text {
	char time[EVENT_TIME_LEN];
	char orig[2 * sizeof(((struct tpktctl_event *)0)->orig) + 1];
};

/*
 * Fill @f (EVENT_FIELDS_MAX entries) with the fields of @e; strings
 * point into @e and @t, which must outlive @f.  Returns how many.
 * orig is always known, "" when the event has no bytes.
 */
unsigned int event_fields(const struct tpktctl_event *e,
			  struct event_field *f, struct event_field_text *t);

/*
 * The same fields as a json-c object (keys above).  NULL on allocation
 * failure.
 */
json_object *event_json(const struct tpktctl_event *e);

/*
 * What monitor says about itself, between events: to standard error, or
 * to the journal with -o journal (journal.h).
 */
enum event_notice_kind {
	EVENT_NOTICE_SUPPRESSED,	/* events_suppressed grew by @count */
	EVENT_NOTICE_LOST,		/* our receive buffer overflowed */
	EVENT_NOTICE_WAITING,		/* not loaded: waiting for it (--wait) */
	EVENT_NOTICE_UNLOADED,		/* it went away while monitored */
	EVENT_NOTICE_LOADED,		/* monitoring again after waiting */
	__EVENT_NOTICE_MAX,
};

struct event_notice {
	enum event_notice_kind kind;
	unsigned long long count;	/* SUPPRESSED */
	bool wait;			/* UNLOADED: waiting for it again */
	bool has_netns;
	unsigned int netns;		/* the monitor's namespace inode */
};

/* "suppressed", "lost", ...: a word for scripts; NULL if none. */
const char *event_notice_name(enum event_notice_kind kind);

/* One sentence, no newline, into @buf; returns @buf. */
char *event_notice_text(const struct event_notice *n, char *buf, size_t len);

#endif /* TPKTCTL_EVENT_H */
