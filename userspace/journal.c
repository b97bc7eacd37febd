// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Events and notices as journal entries (journal.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

/* the entries say what they are; tpktctl's source lines are no help */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "journal.h"

const char *journal_notice_msgid(enum event_notice_kind kind)
{
	static const char *const ids[] = {
		[EVENT_NOTICE_SUPPRESSED] = "8cf05b452ce24e8a9fca7aeb0185572c",
		[EVENT_NOTICE_LOST] = "2ab1b49ecdf049bda591df1eb5554952",
		[EVENT_NOTICE_WAITING] = "eb3a0effadf949a39ba4f3b306f562ab",
		[EVENT_NOTICE_UNLOADED] = "f02cb44631324e5282a753e62296171c",
		[EVENT_NOTICE_LOADED] = "ac5f8119069647d5864362b99ecf3413",
	};

	return (unsigned int)kind < __EVENT_NOTICE_MAX ? ids[kind] : NULL;
}

/*
 * A drop changed the traffic in a way a peer notices, and a desync leaves
 * the rest of its direction unchecked: both want an operator's eye.  A
 * count or a fix is a peer that does not conform, and traffic that went on.
 */
int journal_event_priority(const struct tpktctl_event *e)
{
	if ((e->action && !strcmp(e->action, "drop")) ||
	    (e->check && !strcmp(e->check, "desync")))
		return LOG_WARNING;
	return LOG_NOTICE;
}

static void vadd(struct journal_entry *j, const char *fmt, va_list ap)
{
	size_t room = sizeof(j->text) - j->used;
	int len;

	if (j->overflow)
		return;
	if (j->n == JOURNAL_MAX_FIELDS) {
		j->overflow = true;
		return;
	}
	len = vsnprintf(j->text + j->used, room, fmt, ap);
	if (len < 0 || (size_t)len >= room) {
		j->overflow = true;
		return;
	}
	j->iov[j->n].iov_base = j->text + j->used;
	j->iov[j->n].iov_len = len;
	j->n++;
	/* the NUL stays: the fields can be read as strings */
	j->used += len + 1;
}

void journal_add(struct journal_entry *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(j, fmt, ap);
	va_end(ap);
}

void journal_entry_init(struct journal_entry *j, int priority,
			const char *msgid)
{
	j->n = 0;
	j->used = 0;
	j->overflow = false;
	journal_add(j, "PRIORITY=%d", priority);
	journal_add(j, "SYSLOG_IDENTIFIER=%s", JOURNAL_IDENTIFIER);
	if (msgid)
		journal_add(j, "MESSAGE_ID=%s", msgid);
}

/* "tpkt_offset": "TPKT_OFFSET", into @buf of @len. */
static const char *upper(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = toupper((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

/*
 * NAME_ADDR= and NAME_PORT= of "ADDR:PORT" or "[ADDR6]:PORT", which
 * journalctl can match alone; nothing for anything else.
 */
static void endpoint_parts(struct journal_entry *j, const char *name,
			   const char *ep)
{
	const char *colon = strrchr(ep, ':'), *addr = ep;
	size_t alen;

	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1))
		return;
	alen = colon - ep;
	if (alen >= 2 && ep[0] == '[' && ep[alen - 1] == ']') {
		addr++;
		alen -= 2;
	}
	if (!alen)
		return;
	journal_add(j, JOURNAL_FIELD_PREFIX "%s_ADDR=%.*s", name, (int)alen,
		    addr);
	journal_add(j, JOURNAL_FIELD_PREFIX "%s_PORT=%s", name, colon + 1);
}

void journal_event(struct journal_entry *j, const struct tpktctl_event *e)
{
	struct event_field f[EVENT_FIELDS_MAX];
	struct event_field_text t;
	char *line = NULL, name[32];
	unsigned int i, n;
	size_t len = 0;
	FILE *mem;

	journal_entry_init(j, journal_event_priority(e), JOURNAL_MSGID_EVENT);
	/* the line as monitor prints it; the journal has its own time */
	mem = open_memstream(&line, &len);
	if (!mem) {
		j->overflow = true;
		return;
	}
	event_print_text(mem, e, false);
	if (fclose(mem)) {
		free(line);
		j->overflow = true;
		return;
	}
	if (len && line[len - 1] == '\n')
		len--;
	journal_add(j, "MESSAGE=%.*s", (int)len, line);
	free(line);

	n = event_fields(e, f, &t);
	for (i = 0; i < n; i++) {
		if (!f[i].known ||
		    (f[i].type != EVENT_FIELD_UINT && !f[i].str[0]))
			continue;
		upper(f[i].name, name, sizeof(name));
		if (f[i].type == EVENT_FIELD_UINT) {
			journal_add(j, JOURNAL_FIELD_PREFIX "%s=%llu", name,
				    f[i].uint);
			continue;
		}
		journal_add(j, JOURNAL_FIELD_PREFIX "%s=%s", name, f[i].str);
		if (f[i].type == EVENT_FIELD_ENDPOINT)
			endpoint_parts(j, name, f[i].str);
	}
}

void journal_notice(struct journal_entry *j, const struct event_notice *n)
{
	char text[256];
	int prio;

	switch (n->kind) {
	case EVENT_NOTICE_LOST:
	case EVENT_NOTICE_UNLOADED:
		/* events went, or will go, unseen */
		prio = LOG_WARNING;
		break;
	case EVENT_NOTICE_LOADED:
		prio = LOG_INFO;
		break;
	default:
		prio = LOG_NOTICE;
		break;
	}
	journal_entry_init(j, prio, journal_notice_msgid(n->kind));
	journal_add(j, "MESSAGE=%s", event_notice_text(n, text, sizeof(text)));
	journal_add(j, JOURNAL_FIELD_PREFIX "NOTICE=%s",
		    event_notice_name(n->kind));
	if (n->kind == EVENT_NOTICE_SUPPRESSED)
		journal_add(j, JOURNAL_FIELD_PREFIX "COUNT=%llu", n->count);
	if (n->has_netns)
		journal_add(j, JOURNAL_FIELD_PREFIX "NETNS=%u", n->netns);
}

int journal_send(const struct journal_entry *j)
{
	if (j->overflow)
		return -ENOSPC;
	return sd_journal_sendv(j->iov, j->n);
}

bool journal_available(void)
{
	struct stat st;

	/* where sd_journal_sendv() sends (systemd's Native Journal Protocol) */
	return !stat("/run/systemd/journal/socket", &st) && S_ISSOCK(st.st_mode);
}
