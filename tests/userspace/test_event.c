// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The one event printer of monitor and inspect (userspace/event.c): the
 * text line and the JSON object, each optional field present and absent.
 */
#include <stdint.h>

#include "helpers.h"
#include "event_fixtures.h"

/* Every field set: the field report's event, as inspect reports it. */
static void full(struct tpktctl_event *e)
{
	event_kb(e);
	e->file = "kb.pcap";
	e->frame = 7;
}

static char *text(const struct tpktctl_event *e, bool show_time)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	event_print_text(f, e, show_time);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define EXPECT_TEXT(e, show_time, want) do {			\
	char *_s = text(e, show_time);				\
	assert_string_equal(_s, want);				\
	free(_s);						\
} while (0)

static void test_text_full(void **state)
{
	struct tpktctl_event e;

	full(&e);
	EXPECT_TEXT(&e, true, "2026-12-03T15:51:17.123456Z kb.pcap frame 7: "
		    "10.12.0.2:102 > 10.11.0.2:40112 tpkt-reserved fix CC "
		    "offset 1 tpkt-offset 0 value 0x11 orig 0311002c27d0 "
		    "hook forward dev g1 netns 4026532281\n");
	/* the time only when asked for */
	EXPECT_TEXT(&e, false, "kb.pcap frame 7: "
		    "10.12.0.2:102 > 10.11.0.2:40112 tpkt-reserved fix CC "
		    "offset 1 tpkt-offset 0 value 0x11 orig 0311002c27d0 "
		    "hook forward dev g1 netns 4026532281\n");
}

static void test_text_bare(void **state)
{
	struct tpktctl_event e;

	event_bare(&e);
	EXPECT_TEXT(&e, false, "[fd11::2]:40000 > [fd12::2]:102 ooo drop\n");
	/* asked for, but not known */
	EXPECT_TEXT(&e, true, "[fd11::2]:40000 > [fd12::2]:102 ooo drop\n");
}

/* Each optional field alone; @i picks it, false past the last. */
static bool one_field(struct tpktctl_event *e, unsigned int i,
		      const char **want)
{
	switch (i) {
	case 0:
		e->has_time = true;
		e->time.tv_sec = T0;
		*want = "2026-12-03T15:51:17.000000Z A > B desync count\n";
		break;
	case 1:
		e->file = "x.pcap";
		*want = "x.pcap A > B desync count\n";
		break;
	case 2:
		e->frame = 12;
		*want = "frame 12: A > B desync count\n";
		break;
	case 3:
		e->tpdu = "DT";
		*want = "A > B desync count DT\n";
		break;
	case 4:
		e->has_offset = true;
		*want = "A > B desync count offset 0\n";
		break;
	case 5:
		e->has_tpkt_offset = true;
		e->tpkt_offset = 4294967295u;
		*want = "A > B desync count tpkt-offset 4294967295\n";
		break;
	case 6:
		e->has_value = true;
		*want = "A > B desync count value 0x0\n";
		break;
	case 7:
		e->orig_len = 1;
		e->orig[0] = 0xab;
		*want = "A > B desync count orig ab\n";
		break;
	case 8:
		e->orig_len = 8;
		memset(e->orig, 0xff, 8);
		*want = "A > B desync count orig ffffffffffffffff\n";
		break;
	case 9:
		e->hook = "output";
		*want = "A > B desync count hook output\n";
		break;
	case 10:
		e->dev = "eth0";
		*want = "A > B desync count dev eth0\n";
		break;
	case 11:
		e->has_netns = true;
		*want = "A > B desync count netns 0\n";
		break;
	default:
		return false;
	}
	return true;
}

static void test_text_each_field(void **state)
{
	const char *want;
	unsigned int i;

	for (i = 0;; i++) {
		struct tpktctl_event e = { 0 };

		strcpy(e.src, "A");
		strcpy(e.dst, "B");
		e.check = "desync";
		e.action = "count";
		if (!one_field(&e, i, &want))
			break;
		EXPECT_TEXT(&e, true, want);
	}
	assert_int_equal(i, 12);
}

static void test_time_str(void **state)
{
	struct timespec t = { .tv_sec = 0, .tv_nsec = 999999999 };
	char buf[EVENT_TIME_LEN];

	/* truncated, never rounded up into the next second */
	assert_string_equal(event_time_str(&t, buf),
			    "1970-01-01T00:00:00.999999Z");
	t.tv_sec = T0;
	t.tv_nsec = 1000;
	assert_string_equal(event_time_str(&t, buf),
			    "2026-12-03T15:51:17.000001Z");
}

static void test_hook_names(void **state)
{
	/* NF_INET_PRE_ROUTING ... NF_INET_POST_ROUTING */
	assert_string_equal(event_hook_name(0), "prerouting");
	assert_string_equal(event_hook_name(1), "input");
	assert_string_equal(event_hook_name(2), "forward");
	assert_string_equal(event_hook_name(3), "output");
	assert_string_equal(event_hook_name(4), "postrouting");
	assert_null(event_hook_name(5));
	assert_null(event_hook_name(255));
}

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

static const char *skey(json_object *o, const char *k)
{
	json_object *v = key(o, k);

	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int64_t ikey(json_object *o, const char *k)
{
	json_object *v = key(o, k);

	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static void test_json_full(void **state)
{
	struct tpktctl_event e;
	json_object *o;

	full(&e);
	o = event_json(&e);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 15);
	assert_string_equal(skey(o, "time"), "2026-12-03T15:51:17.123456Z");
	assert_string_equal(skey(o, "file"), "kb.pcap");
	assert_int_equal(ikey(o, "frame"), 7);
	assert_string_equal(skey(o, "src"), "10.12.0.2:102");
	assert_string_equal(skey(o, "dst"), "10.11.0.2:40112");
	assert_string_equal(skey(o, "check"), "tpkt-reserved");
	assert_string_equal(skey(o, "action"), "fix");
	assert_string_equal(skey(o, "tpdu"), "CC");
	assert_int_equal(ikey(o, "offset"), 1);
	assert_int_equal(ikey(o, "tpkt_offset"), 0);
	assert_int_equal(ikey(o, "value"), 0x11);
	assert_string_equal(skey(o, "orig"), "0311002c27d0");
	assert_string_equal(skey(o, "hook"), "forward");
	assert_string_equal(skey(o, "dev"), "g1");
	/* above INT32_MAX: an inode number is unsigned */
	assert_int_equal(ikey(o, "netns"), 4026532281u);
	/* no "class": a field means one thing everywhere */
	assert_false(json_object_object_get_ex(o, "class", NULL));
	json_object_put(o);
}

static void test_json_bare(void **state)
{
	static const char *const nulls[] = {
		"tpdu", "offset", "tpkt_offset", "value",
	};
	static const char *const absent[] = {
		"time", "file", "frame", "hook", "dev", "netns",
	};
	struct tpktctl_event e;
	json_object *o;
	unsigned int i;

	event_bare(&e);
	o = event_json(&e);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 9);
	assert_string_equal(skey(o, "src"), "[fd11::2]:40000");
	assert_string_equal(skey(o, "dst"), "[fd12::2]:102");
	assert_string_equal(skey(o, "check"), "ooo");
	assert_string_equal(skey(o, "action"), "drop");
	assert_string_equal(skey(o, "orig"), "");
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		assert_null(key(o, nulls[i]));
	for (i = 0; i < ARRAY_SIZE(absent); i++)
		assert_false(json_object_object_get_ex(o, absent[i], NULL));
	json_object_put(o);
}

/* The text of a JSON object, plain, as monitor -j writes it. */
static void test_json_line(void **state)
{
	struct tpktctl_event e;
	json_object *o;

	event_bare(&e);
	e.has_time = true;
	e.time.tv_sec = T0;
	e.has_offset = true;
	e.offset = 5;
	o = event_json(&e);
	assert_non_null(o);
	assert_string_equal(json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE),
			    "{\"time\":\"2026-12-03T15:51:17.000000Z\","
			    "\"src\":\"[fd11::2]:40000\",\"dst\":\"[fd12::2]:102\","
			    "\"check\":\"ooo\",\"action\":\"drop\",\"tpdu\":null,"
			    "\"offset\":5,\"tpkt_offset\":null,\"value\":null,"
			    "\"orig\":\"\"}");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_full),
		cmocka_unit_test(test_text_bare),
		cmocka_unit_test(test_text_each_field),
		cmocka_unit_test(test_time_str),
		cmocka_unit_test(test_hook_names),
		cmocka_unit_test(test_json_full),
		cmocka_unit_test(test_json_bare),
		cmocka_unit_test(test_json_line),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
