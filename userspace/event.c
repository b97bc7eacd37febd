// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The one event printer of monitor and inspect (event.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"

char *event_time_str(const struct timespec *t, char *buf)
{
	struct tm tm;
	size_t n;

	buf[0] = '\0';
	if (!gmtime_r(&t->tv_sec, &tm))
		return buf;
	n = strftime(buf, EVENT_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n)
		return buf;
	snprintf(buf + n, EVENT_TIME_LEN - n, ".%06ldZ",
		 (long)(t->tv_nsec / 1000));
	return buf;
}

const char *event_hook_name(unsigned int hook)
{
	/*
	 * NF_INET_* by number, named as nft names them; <linux/netfilter.h>
	 * would bring <linux/in.h>, which clashes with <netinet/in.h>.
	 */
	static const char *const names[] = {
		"prerouting", "input", "forward", "output", "postrouting",
	};

	return hook < sizeof(names) / sizeof(names[0]) ? names[hook] : NULL;
}

static void hex_str(const struct tpktctl_event *e, char *buf)
{
	unsigned int i, n = e->orig_len;

	if (n > sizeof(e->orig))
		n = sizeof(e->orig);
	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", e->orig[i]);
	buf[2 * n] = '\0';
}

void event_print_text(FILE *f, const struct tpktctl_event *e, bool show_time)
{
	char buf[2 * sizeof(e->orig) + 1];

	if (show_time && e->has_time) {
		char t[EVENT_TIME_LEN];

		fprintf(f, "%s ", event_time_str(&e->time, t));
	}
	if (e->file)
		fprintf(f, "%s ", e->file);
	if (e->frame)
		fprintf(f, "frame %lu: ", e->frame);
	fprintf(f, "%s > %s %s %s", e->src, e->dst, e->check ? e->check : "?",
		e->action ? e->action : "?");
	if (e->tpdu)
		fprintf(f, " %s", e->tpdu);
	if (e->has_offset)
		fprintf(f, " offset %u", e->offset);
	if (e->has_tpkt_offset)
		fprintf(f, " tpkt-offset %u", e->tpkt_offset);
	if (e->has_value)
		fprintf(f, " value 0x%x", e->value);
	if (e->orig_len) {
		hex_str(e, buf);
		fprintf(f, " orig %s", buf);
	}
	if (e->hook)
		fprintf(f, " hook %s", e->hook);
	if (e->dev)
		fprintf(f, " dev %s", e->dev);
	if (e->has_netns)
		fprintf(f, " netns %u", e->netns);
	fputc('\n', f);
}

/* Append one field to @f at *@n. */
static void field(struct event_field *f, unsigned int *n, const char *name,
		  enum event_field_type type, bool known, bool nullable,
		  const char *str, unsigned long long uint)
{
	f[*n] = (struct event_field){
		.name = name, .type = type, .known = known,
		.nullable = nullable, .str = str, .uint = uint,
	};
	(*n)++;
}

unsigned int event_fields(const struct tpktctl_event *e,
			  struct event_field *f, struct event_field_text *t)
{
	unsigned int n = 0;

	hex_str(e, t->orig);
	if (e->has_time)
		event_time_str(&e->time, t->time);
	else
		t->time[0] = '\0';
	/* where and when: there only when known */
	field(f, &n, "time", EVENT_FIELD_STRING, e->has_time, false,
	      t->time, 0);
	field(f, &n, "file", EVENT_FIELD_STRING, e->file, false, e->file, 0);
	field(f, &n, "frame", EVENT_FIELD_UINT, e->frame, false, NULL,
	      e->frame);
	/* the event's own: always there, null when it has none */
	field(f, &n, "src", EVENT_FIELD_ENDPOINT, true, true, e->src, 0);
	field(f, &n, "dst", EVENT_FIELD_ENDPOINT, true, true, e->dst, 0);
	field(f, &n, "check", EVENT_FIELD_STRING, e->check, true, e->check, 0);
	field(f, &n, "action", EVENT_FIELD_STRING, e->action, true,
	      e->action, 0);
	field(f, &n, "tpdu", EVENT_FIELD_STRING, e->tpdu, true, e->tpdu, 0);
	field(f, &n, "offset", EVENT_FIELD_UINT, e->has_offset, true, NULL,
	      e->offset);
	field(f, &n, "tpkt_offset", EVENT_FIELD_UINT, e->has_tpkt_offset,
	      true, NULL, e->tpkt_offset);
	field(f, &n, "value", EVENT_FIELD_UINT, e->has_value, true, NULL,
	      e->value);
	field(f, &n, "orig", EVENT_FIELD_STRING, true, true, t->orig, 0);
	field(f, &n, "hook", EVENT_FIELD_STRING, e->hook, false, e->hook, 0);
	field(f, &n, "dev", EVENT_FIELD_STRING, e->dev, false, e->dev, 0);
	field(f, &n, "netns", EVENT_FIELD_UINT, e->has_netns, false, NULL,
	      e->netns);
	return n;
}

json_object *event_json(const struct tpktctl_event *e)
{
	struct event_field f[EVENT_FIELDS_MAX];
	json_object *o = json_object_new_object(), *v;
	struct event_field_text t;
	unsigned int i, n;

	if (!o)
		return NULL;
	n = event_fields(e, f, &t);
	for (i = 0; i < n; i++) {
		if (!f[i].known && !f[i].nullable)
			continue;
		v = NULL;
		if (f[i].known && f[i].type == EVENT_FIELD_UINT)
			v = json_object_new_int64((int64_t)f[i].uint);
		else if (f[i].known)
			v = json_object_new_string(f[i].str);
		/* v is NULL for a null, and on allocation failure */
		if ((f[i].known && !v) ||
		    json_object_object_add(o, f[i].name, v)) {
			json_object_put(v);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

const char *event_notice_name(enum event_notice_kind kind)
{
	static const char *const names[] = {
		[EVENT_NOTICE_SUPPRESSED] = "suppressed",
		[EVENT_NOTICE_LOST] = "lost",
		[EVENT_NOTICE_WAITING] = "waiting",
		[EVENT_NOTICE_UNLOADED] = "unloaded",
		[EVENT_NOTICE_LOADED] = "loaded",
	};

	return (unsigned int)kind < __EVENT_NOTICE_MAX ? names[kind] : NULL;
}

char *event_notice_text(const struct event_notice *n, char *buf, size_t len)
{
	switch (n->kind) {
	case EVENT_NOTICE_SUPPRESSED:
		snprintf(buf, len, "%llu event%s suppressed (event-rate, or "
			 "no memory in the kernel)", n->count,
			 n->count == 1 ? "" : "s");
		break;
	case EVENT_NOTICE_LOST:
		snprintf(buf, len, "events lost: the receive buffer "
			 "overflowed");
		break;
	case EVENT_NOTICE_WAITING:
		snprintf(buf, len, "nf_tpkt is not loaded: waiting for it");
		break;
	case EVENT_NOTICE_UNLOADED:
		snprintf(buf, len, "nf_tpkt was unloaded%s",
			 n->wait ? ": waiting for it to be loaded again" : "");
		break;
	case EVENT_NOTICE_LOADED:
		snprintf(buf, len, "nf_tpkt is loaded: monitoring its events");
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}
