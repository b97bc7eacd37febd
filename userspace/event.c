// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The one event printer of monitor and inspect (event.h).
 */
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

/*
 * Add @key: @v (NULL: null).  False, @v freed, if @ok says an allocation
 * failed already or adding fails.
 */
static bool jadd(json_object *o, const char *key, json_object *v, bool ok)
{
	if (!ok || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool jstr(json_object *o, const char *key, const char *s)
{
	json_object *v = s ? json_object_new_string(s) : NULL;

	return jadd(o, key, v, !s || v);
}

static bool jint(json_object *o, const char *key, bool has, int64_t n)
{
	json_object *v = has ? json_object_new_int64(n) : NULL;

	return jadd(o, key, v, !has || v);
}

json_object *event_json(const struct tpktctl_event *e)
{
	json_object *o = json_object_new_object();
	char t[EVENT_TIME_LEN], orig[2 * sizeof(e->orig) + 1];
	bool ok;

	if (!o)
		return NULL;
	hex_str(e, orig);
	ok = (!e->has_time || jstr(o, "time", event_time_str(&e->time, t))) &&
	     (!e->file || jstr(o, "file", e->file)) &&
	     (!e->frame || jint(o, "frame", true, (int64_t)e->frame)) &&
	     jstr(o, "src", e->src) && jstr(o, "dst", e->dst) &&
	     jstr(o, "check", e->check) && jstr(o, "action", e->action) &&
	     jstr(o, "tpdu", e->tpdu) &&
	     jint(o, "offset", e->has_offset, e->offset) &&
	     jint(o, "tpkt_offset", e->has_tpkt_offset, e->tpkt_offset) &&
	     jint(o, "value", e->has_value, e->value) &&
	     jstr(o, "orig", orig) &&
	     (!e->hook || jstr(o, "hook", e->hook)) &&
	     (!e->dev || jstr(o, "dev", e->dev)) &&
	     (!e->has_netns || jint(o, "netns", true, e->netns));
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
