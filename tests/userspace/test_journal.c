// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * monitor -o journal (userspace/journal.c): the entry of an event and of
 * each notice, field by field, in order, before it is sent; that every
 * key of the event's JSON object has its journal field with the same
 * value; and, where tests/userspace/check_journal.sh runs a journald of
 * its own (NF_TPKT_JOURNAL_ROUNDTRIP=1), that journald stores exactly
 * these fields.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "helpers.h"
#include "event_fixtures.h"
#include "journal.h"


static const char *const kb_fields[] = {
	"PRIORITY=5",
	"SYSLOG_IDENTIFIER=tpktctl",
	"MESSAGE_ID=759ba82ec80e48bbbad767f6ddcfd365",
	"MESSAGE=10.12.0.2:102 > 10.11.0.2:40112 tpkt-reserved fix CC "
	"offset 1 tpkt-offset 0 value 0x11 orig 0311002c27d0 hook forward "
	"dev g1 netns 4026532281",
	"NF_TPKT_TIME=2026-12-03T15:51:17.123456Z",
	"NF_TPKT_SRC=10.12.0.2:102",
	"NF_TPKT_SRC_ADDR=10.12.0.2",
	"NF_TPKT_SRC_PORT=102",
	"NF_TPKT_DST=10.11.0.2:40112",
	"NF_TPKT_DST_ADDR=10.11.0.2",
	"NF_TPKT_DST_PORT=40112",
	"NF_TPKT_CHECK=tpkt-reserved",
	"NF_TPKT_ACTION=fix",
	"NF_TPKT_TPDU=CC",
	"NF_TPKT_OFFSET=1",
	"NF_TPKT_TPKT_OFFSET=0",
	"NF_TPKT_VALUE=17",
	"NF_TPKT_ORIG=0311002c27d0",
	"NF_TPKT_HOOK=forward",
	"NF_TPKT_DEV=g1",
	"NF_TPKT_NETNS=4026532281",
	NULL
};

static const char *const bare_fields[] = {
	"PRIORITY=4",
	"SYSLOG_IDENTIFIER=tpktctl",
	"MESSAGE_ID=759ba82ec80e48bbbad767f6ddcfd365",
	"MESSAGE=[fd11::2]:40000 > [fd12::2]:102 ooo drop",
	"NF_TPKT_SRC=[fd11::2]:40000",
	"NF_TPKT_SRC_ADDR=fd11::2",
	"NF_TPKT_SRC_PORT=40000",
	"NF_TPKT_DST=[fd12::2]:102",
	"NF_TPKT_DST_ADDR=fd12::2",
	"NF_TPKT_DST_PORT=102",
	"NF_TPKT_CHECK=ooo",
	"NF_TPKT_ACTION=drop",
	NULL
};

/* Field @i of @j as a string (the iovec holds no NUL). */
static char *field_str(const struct journal_entry *j, unsigned int i)
{
	static char buf[JOURNAL_TEXT_MAX];
	size_t len = j->iov[i].iov_len;

	assert_true(len < sizeof(buf));
	memcpy(buf, j->iov[i].iov_base, len);
	buf[len] = '\0';
	return buf;
}

/* @j holds exactly @want, in that order. */
static void expect_fields(const struct journal_entry *j,
			  const char *const *want)
{
	unsigned int i;

	assert_false(j->overflow);
	for (i = 0; want[i]; i++) {
		assert_true(i < j->n);
		assert_string_equal(field_str(j, i), want[i]);
	}
	assert_int_equal(j->n, i);
}

static void test_event_kb(void **state)
{
	struct tpktctl_event e;
	struct journal_entry j;

	event_kb(&e);
	journal_event(&j, &e);
	expect_fields(&j, kb_fields);
}

static void test_event_bare(void **state)
{
	struct tpktctl_event e;
	struct journal_entry j;

	event_bare(&e);
	journal_event(&j, &e);
	expect_fields(&j, bare_fields);
}

/* An endpoint that is not ADDR:PORT keeps its field, without parts. */
static void test_event_odd_endpoint(void **state)
{
	static const char *const want[] = {
		"PRIORITY=4",
		"SYSLOG_IDENTIFIER=tpktctl",
		"MESSAGE_ID=759ba82ec80e48bbbad767f6ddcfd365",
		"MESSAGE=? > []:7 desync count",
		"NF_TPKT_SRC=?",
		"NF_TPKT_DST=[]:7",
		"NF_TPKT_CHECK=desync",
		"NF_TPKT_ACTION=count",
		NULL
	};
	struct tpktctl_event e = { 0 };
	struct journal_entry j;

	strcpy(e.src, "?");
	strcpy(e.dst, "[]:7");
	e.check = "desync";
	e.action = "count";
	journal_event(&j, &e);
	expect_fields(&j, want);
}

/* The value of NAME= in @j, NULL if it has none. */
static const char *value_of(const struct journal_entry *j, const char *name)
{
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		const char *f = field_str(j, i);

		if (!strncmp(f, name, len) && f[len] == '=')
			return f + len + 1;
	}
	return NULL;
}

/*
 * Every key of the JSON object, with a value, is a journal field with
 * the same value: JSON and journal are made from one list.
 */
static void test_every_json_key(void **state)
{
	struct tpktctl_event e;
	struct journal_entry j;
	unsigned int keys = 0, nulls = 0;
	json_object *o;

	event_kb(&e);
	/* and a capture's where, as inspect has it */
	e.file = "kb.pcap";
	e.frame = 7;
	journal_event(&j, &e);
	assert_false(j.overflow);
	o = event_json(&e);
	assert_non_null(o);
	json_object_object_foreach(o, k, v) {
		char name[64], want[256];
		const char *got;
		size_t i;

		snprintf(name, sizeof(name), "NF_TPKT_%s", k);
		for (i = 0; name[i]; i++)
			name[i] = toupper((unsigned char)name[i]);
		got = value_of(&j, name);
		if (!v) {
			assert_null(got);
			nulls++;
			continue;
		}
		assert_non_null(got);
		snprintf(want, sizeof(want), "%s", json_object_is_type(v,
			 json_type_string) ? json_object_get_string(v) :
			 json_object_to_json_string(v));
		assert_string_equal(got, want);
		keys++;
	}
	assert_int_equal(keys, 15);
	assert_int_equal(nulls, 0);
	assert_string_equal(value_of(&j, "NF_TPKT_FILE"), "kb.pcap");
	assert_string_equal(value_of(&j, "NF_TPKT_FRAME"), "7");
	json_object_put(o);

	/* the JSON nulls of an event without them are no fields */
	event_bare(&e);
	journal_event(&j, &e);
	o = event_json(&e);
	assert_non_null(o);
	keys = nulls = 0;
	json_object_object_foreach(o, k2, v2) {
		char name[64];
		size_t i;

		snprintf(name, sizeof(name), "NF_TPKT_%s", k2);
		for (i = 0; name[i]; i++)
			name[i] = toupper((unsigned char)name[i]);
		if (v2 && !(json_object_is_type(v2, json_type_string) &&
			    !*json_object_get_string(v2))) {
			assert_non_null(value_of(&j, name));
			keys++;
		} else {
			assert_null(value_of(&j, name));
			nulls++;
		}
	}
	/* src, dst, check, action; tpdu, offsets, value null, orig "" */
	assert_int_equal(keys, 4);
	assert_int_equal(nulls, 5);
	json_object_put(o);
}

/* What journald takes: [A-Z0-9_], not starting with '_', at most 64. */
static void test_field_names(void **state)
{
	struct tpktctl_event e;
	struct journal_entry j;
	unsigned int i;

	event_kb(&e);
	e.file = "kb.pcap";
	e.frame = 7;
	journal_event(&j, &e);
	for (i = 0; i < j.n; i++) {
		const char *f = field_str(&j, i);
		size_t n = strcspn(f, "=");

		assert_true(f[n] == '=');
		assert_true(n >= 1 && n <= 64);
		assert_true(f[0] != '_');
		assert_int_equal(strspn(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
				 n);
	}
}

static void test_priority(void **state)
{
	struct tpktctl_event e;

	event_kb(&e);
	assert_int_equal(journal_event_priority(&e), LOG_NOTICE);
	e.action = "count";
	assert_int_equal(journal_event_priority(&e), LOG_NOTICE);
	e.action = "drop";
	assert_int_equal(journal_event_priority(&e), LOG_WARNING);
	/* a desync is a warning whatever was done about it */
	e.action = "count";
	e.check = "desync";
	assert_int_equal(journal_event_priority(&e), LOG_WARNING);
}

static void test_notice_suppressed(void **state)
{
	static const char *const want[] = {
		"PRIORITY=5",
		"SYSLOG_IDENTIFIER=tpktctl",
		"MESSAGE_ID=8cf05b452ce24e8a9fca7aeb0185572c",
		"MESSAGE=12 events suppressed (event-rate, or no memory in the "
		"kernel)",
		"NF_TPKT_NOTICE=suppressed",
		"NF_TPKT_COUNT=12",
		"NF_TPKT_NETNS=4026531840",
		NULL
	};
	struct event_notice n = {
		.kind = EVENT_NOTICE_SUPPRESSED, .count = 12,
		.has_netns = true, .netns = 4026531840u,
	};
	struct journal_entry j;
	char text[128];

	journal_notice(&j, &n);
	expect_fields(&j, want);
	n.count = 1;
	assert_string_equal(event_notice_text(&n, text, sizeof(text)),
			    "1 event suppressed (event-rate, or no memory in "
			    "the kernel)");
}

static void test_notice_unloaded(void **state)
{
	static const char *const want[] = {
		"PRIORITY=4",
		"SYSLOG_IDENTIFIER=tpktctl",
		"MESSAGE_ID=f02cb44631324e5282a753e62296171c",
		"MESSAGE=nf_tpkt was unloaded: waiting for it to be loaded again",
		"NF_TPKT_NOTICE=unloaded",
		NULL
	};
	struct event_notice n = { .kind = EVENT_NOTICE_UNLOADED, .wait = true };
	struct journal_entry j;
	char text[128];

	journal_notice(&j, &n);
	expect_fields(&j, want);
	/* without --wait the monitor ends there */
	n.wait = false;
	assert_string_equal(event_notice_text(&n, text, sizeof(text)),
			    "nf_tpkt was unloaded");
}

/* Each kind: its own MESSAGE_ID and name, a priority, a sentence. */
static void test_notice_kinds(void **state)
{
	static const struct {
		enum event_notice_kind kind;
		const char *name, *prio, *msgid;
	} want[] = {
		{ EVENT_NOTICE_SUPPRESSED, "suppressed", "PRIORITY=5",
		  "MESSAGE_ID=8cf05b452ce24e8a9fca7aeb0185572c" },
		{ EVENT_NOTICE_LOST, "lost", "PRIORITY=4",
		  "MESSAGE_ID=2ab1b49ecdf049bda591df1eb5554952" },
		{ EVENT_NOTICE_WAITING, "waiting", "PRIORITY=5",
		  "MESSAGE_ID=eb3a0effadf949a39ba4f3b306f562ab" },
		{ EVENT_NOTICE_UNLOADED, "unloaded", "PRIORITY=4",
		  "MESSAGE_ID=f02cb44631324e5282a753e62296171c" },
		{ EVENT_NOTICE_LOADED, "loaded", "PRIORITY=6",
		  "MESSAGE_ID=ac5f8119069647d5864362b99ecf3413" },
	};
	struct journal_entry j;
	unsigned int i, k;

	assert_int_equal(ARRAY_SIZE(want), __EVENT_NOTICE_MAX);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct event_notice n = { .kind = want[i].kind };

		journal_notice(&j, &n);
		assert_false(j.overflow);
		assert_string_equal(field_str(&j, 0), want[i].prio);
		assert_string_equal(field_str(&j, 2), want[i].msgid);
		assert_string_equal(value_of(&j, "NF_TPKT_NOTICE"),
				    want[i].name);
		assert_string_equal(event_notice_name(want[i].kind),
				    want[i].name);
		assert_true(strlen(value_of(&j, "MESSAGE")) > 10);
		for (k = 0; k < i; k++)
			assert_string_not_equal(journal_notice_msgid(want[k].kind),
						journal_notice_msgid(want[i].kind));
	}
	assert_null(event_notice_name(__EVENT_NOTICE_MAX));
}

/* An entry that does not fit is not sent at all, never in part. */
static void test_overflow(void **state)
{
	static char name[JOURNAL_TEXT_MAX + 16];
	struct tpktctl_event e;
	struct journal_entry j;

	event_kb(&e);
	memset(name, 'x', sizeof(name) - 1);
	e.file = name;
	journal_event(&j, &e);
	assert_true(j.overflow);
	assert_int_equal(journal_send(&j), -ENOSPC);

	/* and too many fields */
	journal_entry_init(&j, LOG_INFO, NULL);
	while (!j.overflow && j.n < JOURNAL_MAX_FIELDS)
		journal_add(&j, "F=%u", j.n);
	assert_false(j.overflow);
	journal_add(&j, "ONE_TOO_MANY=1");
	assert_true(j.overflow);
	assert_int_equal(journal_send(&j), -ENOSPC);
}

/*
 * The fields of the entry journald stored for this process with
 * MESSAGE_ID @msgid and NF_TPKT_CHECK @check, the trusted ones (_PID...)
 * left out, one "NAME=value" per line.
 */
static char *stored(sd_journal *jr, const char *msgid, const char *check)
{
	char match[64], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	sd_journal_flush_matches(jr);
	snprintf(match, sizeof(match), "_PID=%d", (int)getpid());
	assert_int_equal(sd_journal_add_match(jr, match, 0), 0);
	snprintf(match, sizeof(match), "MESSAGE_ID=%s", msgid);
	assert_int_equal(sd_journal_add_match(jr, match, 0), 0);
	snprintf(match, sizeof(match), "NF_TPKT_CHECK=%s", check);
	assert_int_equal(sd_journal_add_match(jr, match, 0), 0);
	/* journald writes asynchronously: up to 10 s */
	for (i = 0; i < 100; i++) {
		sd_journal_seek_head(jr);
		if (sd_journal_next(jr) > 0)
			break;
		sd_journal_wait(jr, 100000);
	}
	assert_true(i < 100);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (;;) {
		const void *d;
		size_t n;

		i = sd_journal_enumerate_data(jr, &d, &n);
		assert_true(i >= 0);
		if (!i)
			break;
		if (((const char *)d)[0] != '_')
			fprintf(f, "%.*s\n", (int)n, (const char *)d);
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* @got (stored()) holds the fields of @want, no more, no fewer. */
static void expect_stored(const char *got, const char *const *want)
{
	char *copy = strdup(got), *line, *save;
	unsigned int i, n = 0, seen = 0;

	assert_non_null(copy);
	for (i = 0; want[i]; i++)
		n++;
	/* as a set: journald keeps fields in an order of its own */
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; want[i] && strcmp(want[i], line); i++)
			;
		if (!want[i])
			fail_msg("journald stored a field not sent: %s", line);
		seen++;
	}
	if (seen != n)
		fail_msg("sent %u fields, journald stored %u:\n%s", n, seen,
			 got);
	free(copy);
}

static void test_roundtrip(void **state)
{
	struct tpktctl_event e;
	struct journal_entry j;
	sd_journal *jr;
	char *got;

	if (!getenv("NF_TPKT_JOURNAL_ROUNDTRIP"))
		skip();
	assert_true(journal_available());
	event_kb(&e);
	journal_event(&j, &e);
	assert_int_equal(journal_send(&j), 0);
	event_bare(&e);
	journal_event(&j, &e);
	assert_int_equal(journal_send(&j), 0);

	assert_int_equal(sd_journal_open(&jr, SD_JOURNAL_LOCAL_ONLY), 0);
	got = stored(jr, JOURNAL_MSGID_EVENT, "tpkt-reserved");
	expect_stored(got, kb_fields);
	free(got);
	got = stored(jr, JOURNAL_MSGID_EVENT, "ooo");
	expect_stored(got, bare_fields);
	free(got);
	sd_journal_close(jr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_kb),
		cmocka_unit_test(test_event_bare),
		cmocka_unit_test(test_event_odd_endpoint),
		cmocka_unit_test(test_every_json_key),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_notice_suppressed),
		cmocka_unit_test(test_notice_unloaded),
		cmocka_unit_test(test_notice_kinds),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
