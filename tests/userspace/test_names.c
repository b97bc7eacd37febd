// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The names of the uapi enums as tpktctl, its JSON and the documentation
 * use them: spelled as documented in <uapi/linux/nf_tpkt.h>, in enum order,
 * and unknown names refused.
 */
#include "helpers.h"
#include "names.h"

typedef const char *(*name_fn)(unsigned int v);
typedef int (*lookup_fn)(const char *s);

static void check_table(name_fn name, lookup_fn lookup,
			const char *const *want, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		assert_string_equal(name(i), want[i]);
		assert_int_equal(lookup(want[i]), i);
	}
	assert_null(name(n));
	assert_null(name(~0U));
	assert_int_equal(lookup("no-such-name"), -1);
	assert_int_equal(lookup(""), -1);
	assert_int_equal(lookup(NULL), -1);
}

#define CHECK_TABLE(prefix, max, ...)					\
	do {								\
		static const char *const want[] = { __VA_ARGS__ };	\
		_Static_assert(ARRAY_SIZE(want) == (max), #prefix);	\
		check_table(prefix##_name, prefix##_lookup, want,	\
			    ARRAY_SIZE(want));				\
	} while (0)

static void test_checks(void **state)
{
	CHECK_TABLE(check, __NF_TPKT_CHECK_MAX, "tpkt-reserved",
		    "tpkt-version", "tpkt-length", "cotp-li", "cotp-code",
		    "cotp-class-tpdu", "cotp-class-option", "cotp-param",
		    "cotp-oversize", "desync");
	/* case matters: these are words of a command line */
	assert_int_equal(check_lookup("TPKT-RESERVED"), -1);
}

static void test_actions_modes(void **state)
{
	CHECK_TABLE(action, __NF_TPKT_ACT_MAX, "ignore", "count", "fix",
		    "drop");
	CHECK_TABLE(mode, __NF_TPKT_MODE_MAX, "off", "monitor", "normalize",
		    "enforce");
}

static void test_tpdus(void **state)
{
	CHECK_TABLE(tpdu, __NF_TPKT_TPDU_MAX, "CR", "CC", "DR", "DC", "DT",
		    "ED", "AK", "EA", "RJ", "ER", "unknown");
}

static void test_counters(void **state)
{
	CHECK_TABLE(counter, __NF_TPKT_CTR_MAX, "packets", "bytes", "tpkts",
		    "edits", "drops", "desyncs", "resyncs", "ooo", "rexmits",
		    "rexmit_unfixed", "pickups", "untracked", "fragments",
		    "flows_created", "flows_expired", "flows_evicted",
		    "flows_refused", "events_suppressed", "ooo_held", "ooo_drops",
		    "urgent", "edit_drops", "rsts_ignored",
		    "bad_checksums");
}

static void test_small_enums(void **state)
{
	CHECK_TABLE(ooo, __NF_TPKT_OOO_MAX, "drop", "pass", "hold");
	CHECK_TABLE(pickup, __NF_TPKT_PICKUP_MAX, "strict", "loose");
	CHECK_TABLE(full, __NF_TPKT_FULL_MAX, "fail-open", "fail-closed");
}

static void test_list(void **state)
{
	char buf[256];

	assert_string_equal(names_list(TPKT_NAMES_MODE, buf, sizeof(buf)),
			    "off, monitor, normalize or enforce");
	assert_string_equal(names_list(TPKT_NAMES_OOO, buf, sizeof(buf)),
			    "drop, pass or hold");
	/* cut short, still terminated */
	assert_string_equal(names_list(TPKT_NAMES_MODE, buf, 8), "off, mo");
	buf[0] = 'x';
	names_list(TPKT_NAMES_MODE, buf, 0);
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_actions_modes),
		cmocka_unit_test(test_tpdus),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_small_enums),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
