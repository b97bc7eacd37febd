// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Command line tests: the policy words (every field, every error message)
 * and inspect's own options.  An operator who typed a wrong word must be
 * told which word and what would have been accepted, with exit code 2.
 */
#include "helpers.h"
#include "names.h"
#include "policy_words.h"

static struct policy_words PW;
static char *ERR;

/* Parse the NULL-terminated words; stderr goes to ERR. */
static int parse_words(const char *first, ...)
{
	char *argv[64], *out;
	struct capture c;
	int argc = 0, rc;
	va_list ap;

	free(ERR);
	argv[argc++] = (char *)first;
	va_start(ap, first);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	pw_init(&PW);
	capture_begin(&c);
	rc = pw_parse(&PW, first ? argc : 0, argv);
	capture_end(&c, &out, &ERR);
	free(out);
	return rc;
}

#define P(...) parse_words(__VA_ARGS__, NULL)

static void expect_err(const char *msg)
{
	char want[1024];

	snprintf(want, sizeof(want), "tpktctl: %s\n", msg);
	assert_string_equal(ERR, want);
}

static int teardown(void **state)
{
	free(ERR);
	ERR = NULL;
	return 0;
}

static void test_nothing_given(void **state)
{
	assert_int_equal(parse_words(NULL, NULL), 0);
	assert_int_equal(PW.given, 0);
	assert_int_equal(PW.checks_given, 0);
	assert_string_equal(ERR, "");
}

static void test_mode(void **state)
{
	static const char *const m[] = {
		"off", "monitor", "normalize", "enforce",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		assert_int_equal(P("mode", m[i]), 0);
		assert_int_equal(PW.given, PW_MODE);
		assert_int_equal(PW.mode, i);
	}
	assert_int_equal(P("mode", "foo"), PW_ERR_USAGE);
	expect_err("bad value \"foo\" for mode: expected off, monitor, "
		   "normalize or enforce");
	assert_int_equal(P("mode", "Monitor"), PW_ERR_USAGE);
	assert_int_equal(P("mode"), PW_ERR_USAGE);
	expect_err("missing value for mode: expected off, monitor, normalize "
		   "or enforce");
}

static void test_enums(void **state)
{
	assert_int_equal(P("ooo", "drop"), 0);
	assert_int_equal(PW.ooo, NF_TPKT_OOO_DROP);
	assert_int_equal(P("ooo", "pass"), 0);
	assert_int_equal(PW.ooo, NF_TPKT_OOO_PASS);
	assert_int_equal(P("ooo", "hold"), 0);
	assert_int_equal(PW.ooo, NF_TPKT_OOO_HOLD);
	assert_int_equal(PW.given, PW_OOO);
	assert_int_equal(P("ooo", "keep"), PW_ERR_USAGE);
	expect_err("bad value \"keep\" for ooo: expected drop, pass or hold");
	assert_int_equal(P("ooo"), PW_ERR_USAGE);
	expect_err("missing value for ooo: expected drop, pass or hold");

	assert_int_equal(P("pickup", "strict"), 0);
	assert_int_equal(PW.pickup, NF_TPKT_PICKUP_STRICT);
	assert_int_equal(P("pickup", "loose"), 0);
	assert_int_equal(PW.pickup, NF_TPKT_PICKUP_LOOSE);
	assert_int_equal(PW.given, PW_PICKUP);
	assert_int_equal(P("pickup", "lax"), PW_ERR_USAGE);
	expect_err("bad value \"lax\" for pickup: expected strict or loose");
	assert_int_equal(P("pickup"), PW_ERR_USAGE);
	expect_err("missing value for pickup: expected strict or loose");

	assert_int_equal(P("full", "fail-open"), 0);
	assert_int_equal(PW.full, NF_TPKT_FULL_FAIL_OPEN);
	assert_int_equal(P("full", "fail-closed"), 0);
	assert_int_equal(PW.full, NF_TPKT_FULL_FAIL_CLOSED);
	assert_int_equal(PW.given, PW_FULL);
	assert_int_equal(P("full", "open"), PW_ERR_USAGE);
	expect_err("bad value \"open\" for full: expected fail-open or "
		   "fail-closed");
	assert_int_equal(P("full"), PW_ERR_USAGE);
	expect_err("missing value for full: expected fail-open or "
		   "fail-closed");
}

static void test_ports(void **state)
{
	assert_int_equal(P("ports", "102,3000-3002"), 0);
	assert_int_equal(PW.given, PW_PORTS);
	assert_int_equal(PW.n_ports, 2);
	assert_int_equal(PW.ports[0].lo, 102);
	assert_int_equal(PW.ports[0].hi, 102);
	assert_int_equal(PW.ports[1].lo, 3000);
	assert_int_equal(PW.ports[1].hi, 3002);
	assert_true(pw_port_in_set(&PW, 102));
	assert_true(pw_port_in_set(&PW, 3001));
	assert_false(pw_port_in_set(&PW, 103));
	assert_false(pw_port_in_set(&PW, 3003));

	assert_int_equal(P("ports", "1-65535"), 0);
	assert_int_equal(PW.n_ports, 1);
	assert_true(pw_port_in_set(&PW, 1));
	assert_true(pw_port_in_set(&PW, 65535));
	assert_int_equal(P("ports", "7-7"), 0);
	assert_int_equal(PW.ports[0].lo, 7);
	assert_int_equal(PW.ports[0].hi, 7);
	/* exactly the maximum number of ranges */
	assert_int_equal(P("ports", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"),
			 0);
	assert_int_equal(PW.n_ports, PW_MAX_PORT_RANGES);
}

static void test_ports_errors(void **state)
{
	static const char *const malformed[] = {
		"", ",", "102,", ",102", "102,,103", "a", "10a", "1-2-3",
		"-5", "5-", "+5", " 5", "0x10", "1234567", "102;103",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(malformed); i++) {
		char want[256];

		assert_int_equal(P("ports", malformed[i]), PW_ERR_USAGE);
		snprintf(want, sizeof(want), "bad value \"%s\" for ports: "
			 "expected ports and ranges from 1 to 65535, such as "
			 "102,3000-3002", malformed[i]);
		expect_err(want);
	}
	assert_int_equal(P("ports", "3002-3000"), PW_ERR_USAGE);
	expect_err("bad value \"3002-3000\" for ports: range 3002-3000 is "
		   "reversed: write 3000-3002");
	assert_int_equal(P("ports", "102,0"), PW_ERR_USAGE);
	expect_err("bad value \"102,0\" for ports: port 0 is out of range: "
		   "expected ports and ranges from 1 to 65535, such as "
		   "102,3000-3002");
	assert_int_equal(P("ports", "65536"), PW_ERR_USAGE);
	expect_err("bad value \"65536\" for ports: port 65536 is out of "
		   "range: expected ports and ranges from 1 to 65535, such "
		   "as 102,3000-3002");
	assert_int_equal(P("ports", "100-70000"), PW_ERR_USAGE);
	expect_err("bad value \"100-70000\" for ports: port 70000 is out of "
		   "range: expected ports and ranges from 1 to 65535, such "
		   "as 102,3000-3002");
	assert_int_equal(P("ports",
			   "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"),
			 PW_ERR_USAGE);
	expect_err("bad value \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\" "
		   "for ports: more than 16 ports and ranges");
	assert_int_equal(P("ports"), PW_ERR_USAGE);
	expect_err("missing value for ports: expected ports and ranges from "
		   "1 to 65535, such as 102,3000-3002");
}

static void test_check_every_action(void **state)
{
	unsigned int c, a;

	for (c = 0; c < __NF_TPKT_CHECK_MAX; c++) {
		for (a = 0; a < __NF_TPKT_ACT_MAX; a++) {
			int rc = P("check", check_name(c), action_name(a));

			if (!tpkt_check_action_valid(c, a)) {
				char want[256];

				assert_int_equal(a, NF_TPKT_ACT_FIX);
				assert_int_equal(rc, PW_ERR_USAGE);
				snprintf(want, sizeof(want),
					 "bad value \"fix\" for check %s: "
					 "fix is only possible for "
					 "tpkt-reserved and "
					 "cotp-class-option", check_name(c));
				expect_err(want);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(PW.given, PW_CHECKS);
			assert_int_equal(PW.checks_given, 1U << c);
			assert_int_equal(PW.action[c], a);
		}
	}
}

static void test_check_repeated(void **state)
{
	assert_int_equal(P("check", "tpkt-reserved", "drop", "check",
			   "cotp-param", "ignore", "check", "desync",
			   "count"), 0);
	assert_int_equal(PW.checks_given,
			 1U << NF_TPKT_CHECK_RESERVED |
			 1U << NF_TPKT_CHECK_COTP_PARAM |
			 1U << NF_TPKT_CHECK_DESYNC);
	assert_int_equal(PW.action[NF_TPKT_CHECK_RESERVED], NF_TPKT_ACT_DROP);
	assert_int_equal(PW.action[NF_TPKT_CHECK_COTP_PARAM],
			 NF_TPKT_ACT_IGNORE);
	assert_int_equal(PW.action[NF_TPKT_CHECK_DESYNC], NF_TPKT_ACT_COUNT);

	assert_int_equal(P("check", "tpkt-reserved", "drop", "check",
			   "tpkt-reserved", "fix"), PW_ERR_USAGE);
	expect_err("duplicate word \"check tpkt-reserved\": each check may "
		   "be given once");
}

static void test_check_errors(void **state)
{
	assert_int_equal(P("check", "tpkt-bogus", "count"), PW_ERR_USAGE);
	expect_err("bad value \"tpkt-bogus\" for check: expected "
		   "tpkt-reserved, tpkt-version, tpkt-length, cotp-li, "
		   "cotp-code, cotp-class-tpdu, cotp-class-option, cotp-param, "
		   "cotp-oversize or desync");
	assert_int_equal(P("check"), PW_ERR_USAGE);
	expect_err("missing value for check: expected tpkt-reserved, "
		   "tpkt-version, tpkt-length, cotp-li, cotp-code, "
		   "cotp-class-tpdu, cotp-class-option, cotp-param, "
		   "cotp-oversize or desync");
	assert_int_equal(P("check", "tpkt-version"), PW_ERR_USAGE);
	expect_err("missing value for check tpkt-version: expected ignore, "
		   "count, fix or drop");
	assert_int_equal(P("check", "tpkt-version", "block"), PW_ERR_USAGE);
	expect_err("bad value \"block\" for check tpkt-version: expected "
		   "ignore, count, fix or drop");
}

static void test_hooks(void **state)
{
	assert_int_equal(P("hooks", "forward,input,output"), 0);
	assert_int_equal(PW.given, PW_HOOKS);
	assert_int_equal(PW.hooks, NF_TPKT_HOOK_ALL);
	assert_int_equal(P("hooks", "input"), 0);
	assert_int_equal(PW.hooks, NF_TPKT_HOOK_INPUT);
	assert_int_equal(P("hooks", "output,forward"), 0);
	assert_int_equal(PW.hooks, NF_TPKT_HOOK_OUTPUT | NF_TPKT_HOOK_FORWARD);
	assert_int_equal(P("hooks", "forward,bad"), PW_ERR_USAGE);
	expect_err("bad value \"forward,bad\" for hooks: expected a "
		   "comma-separated list of forward, input and output");
	assert_int_equal(P("hooks", "forward,"), PW_ERR_USAGE);
	assert_int_equal(P("hooks", ""), PW_ERR_USAGE);
	assert_int_equal(P("hooks"), PW_ERR_USAGE);
	expect_err("missing value for hooks: expected a comma-separated list "
		   "of forward, input and output");
}

static void test_numbers(void **state)
{
	static const char *const junk[] = {
		"-1", "+5", " 5", "5 ", "1e3", "0x10", "", "five",
	};
	unsigned int i;

	assert_int_equal(P("max-flows", "1"), 0);
	assert_int_equal(PW.given, PW_MAX_FLOWS);
	assert_int_equal(PW.max_flows, 1);
	assert_int_equal(P("max-flows", "16777216"), 0);
	assert_int_equal(PW.max_flows, NF_TPKT_MAX_FLOWS_LIMIT);
	assert_int_equal(P("max-flows", "16777217"), PW_ERR_USAGE);
	expect_err("bad value \"16777217\" for max-flows: expected a number "
		   "from 1 to 16777216");
	assert_int_equal(P("max-flows", "0"), PW_ERR_USAGE);
	assert_int_equal(P("max-flows"), PW_ERR_USAGE);
	expect_err("missing value for max-flows: expected a number from 1 "
		   "to 16777216");

	assert_int_equal(P("timeout", "86400"), 0);
	assert_int_equal(PW.given, PW_TIMEOUT);
	assert_int_equal(PW.timeout, 86400);
	assert_int_equal(P("timeout", "86401"), PW_ERR_USAGE);
	expect_err("bad value \"86401\" for timeout: expected a number from "
		   "1 to 86400");
	assert_int_equal(P("timeout", "0"), PW_ERR_USAGE);
	assert_int_equal(P("timeout"), PW_ERR_USAGE);
	expect_err("missing value for timeout: expected a number from 1 to "
		   "86400");

	assert_int_equal(P("event-rate", "0"), 0);
	assert_int_equal(PW.given, PW_EVENT_RATE);
	assert_int_equal(PW.event_rate, 0);
	assert_int_equal(P("event-rate", "100000"), 0);
	assert_int_equal(PW.event_rate, 100000);
	assert_int_equal(P("event-rate", "100001"), PW_ERR_USAGE);
	expect_err("bad value \"100001\" for event-rate: expected a "
		   "number from 0 to 100000");
	assert_int_equal(P("event-rate"), PW_ERR_USAGE);
	expect_err("missing value for event-rate: expected a number from 0 "
		   "to 100000");

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		char want[128];

		assert_int_equal(P("timeout", junk[i]), PW_ERR_USAGE);
		snprintf(want, sizeof(want), "bad value \"%s\" for timeout: "
			 "expected a number from 1 to 86400", junk[i]);
		expect_err(want);
	}
}

static void test_all_together(void **state)
{
	assert_int_equal(P("mode", "enforce", "ports", "102,3000-3002",
			   "check", "tpkt-reserved", "fix", "ooo", "pass",
			   "pickup", "strict", "hooks", "forward", "max-flows",
			   "1000", "timeout", "60", "full", "fail-closed",
			   "event-rate", "10"), 0);
	assert_int_equal(PW.given, PW_MODE | PW_PORTS | PW_CHECKS | PW_OOO |
			 PW_PICKUP | PW_HOOKS | PW_MAX_FLOWS | PW_TIMEOUT |
			 PW_FULL | PW_EVENT_RATE);
	assert_int_equal(PW.mode, NF_TPKT_MODE_ENFORCE);
	assert_int_equal(PW.n_ports, 2);
	assert_int_equal(PW.action[NF_TPKT_CHECK_RESERVED], NF_TPKT_ACT_FIX);
	assert_int_equal(PW.ooo, NF_TPKT_OOO_PASS);
	assert_int_equal(PW.pickup, NF_TPKT_PICKUP_STRICT);
	assert_int_equal(PW.hooks, NF_TPKT_HOOK_FORWARD);
	assert_int_equal(PW.max_flows, 1000);
	assert_int_equal(PW.timeout, 60);
	assert_int_equal(PW.full, NF_TPKT_FULL_FAIL_CLOSED);
	assert_int_equal(PW.event_rate, 10);
}

static void test_duplicates_and_unknown(void **state)
{
	assert_int_equal(P("mode", "monitor", "mode", "enforce"),
			 PW_ERR_USAGE);
	expect_err("duplicate word \"mode\": it may be given once");
	assert_int_equal(P("ports", "102", "ooo", "drop", "ports", "103"),
			 PW_ERR_USAGE);
	expect_err("duplicate word \"ports\": it may be given once");
	assert_int_equal(P("mode", "monitor", "speed", "fast"), PW_ERR_USAGE);
	expect_err("unknown word \"speed\": expected mode, ports, check, ooo, "
		   "pickup, hooks, max-flows, timeout, full or event-rate");
}

/* pw_parse_word leaves words it does not know to the caller, silently. */
static void test_parse_word_not_mine(void **state)
{
	char *argv[] = { "capture.pcap", "mode", "monitor" };
	char *out, *err;
	struct capture c;
	int rc;

	pw_init(&PW);
	capture_begin(&c);
	rc = pw_parse_word(&PW, 3, argv);
	capture_end(&c, &out, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	free(out);
	free(err);
	assert_int_equal(pw_parse_word(&PW, 2, argv + 1), 2);
	assert_int_equal(PW.given, PW_MODE);
	assert_int_equal(pw_parse_word(&PW, 0, argv), 0);
}

/* ---- inspect's own options --------------------------------------------- */

static void expect_usage(struct run_out *r, const char *msg)
{
	char want[512];

	snprintf(want, sizeof(want), "tpktctl: %s\n", msg);
	assert_int_equal(r->rc, TPKTCTL_EXIT_USAGE);
	assert_string_equal(r->err, want);
	assert_string_equal(r->out, "");
	run_free(r);
}

static void test_inspect_usage_errors(void **state)
{
	struct run_out r;

	run_verb(&r, inspect_main, false, NULL);
	expect_usage(&r, "missing FILE for inspect: expected at least one "
		     "pcap or pcapng file");
	run_verb(&r, inspect_main, false, "-j", "mode", "monitor", NULL);
	expect_usage(&r, "missing FILE for inspect: expected at least one "
		     "pcap or pcapng file");
	run_verb(&r, inspect_main, false, "--fix", "out.pcap", "a.pcap",
		 "b.pcap", NULL);
	expect_usage(&r, "--fix needs exactly one input file, or --merge; "
		     "got 2 files");
	run_verb(&r, inspect_main, false, "--whole-flows", "a.pcap", NULL);
	expect_usage(&r, "--whole-flows needs --write-anomalies FILE");
	run_verb(&r, inspect_main, false, "--write-anomalies", "o",
		 "--whole-flows", "-", NULL);
	expect_usage(&r, "--whole-flows reads the input twice: it cannot be "
		     "stdin");
	run_verb(&r, inspect_main, false, "-", "-", NULL);
	expect_usage(&r, "stdin (-) may be read once");
	run_verb(&r, inspect_main, false, "--max-events", "x", "a.pcap", NULL);
	expect_usage(&r, "bad value \"x\" for --max-events: expected a "
		     "number (0: no limit)");
	run_verb(&r, inspect_main, false, "-f", "port", "a.pcap", NULL);
	assert_int_equal(r.rc, TPKTCTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "bad filter \"port\": "));
	run_free(&r);
	run_verb(&r, inspect_main, false, "-x", "a.pcap", NULL);
	expect_usage(&r, "unknown option \"-x\" for inspect: expected -j, "
		     "-p, --fix, --merge, -f, --write-anomalies, "
		     "--whole-flows, --flows, --max-events, --exit-status or "
		     "--help");
	run_verb(&r, inspect_main, false, "--frobnicate", "a.pcap", NULL);
	expect_usage(&r, "unknown option \"--frobnicate\" for inspect: "
		     "expected -j, -p, --fix, --merge, -f, --write-anomalies, "
		     "--whole-flows, --flows, --max-events, --exit-status or "
		     "--help");
	run_verb(&r, inspect_main, false, "a.pcap", "--fix", NULL);
	expect_usage(&r, "missing value for --fix: expected an output file "
		     "name");
	run_verb(&r, inspect_main, false, "--fix=", "a.pcap", NULL);
	expect_usage(&r, "missing value for --fix: expected an output file "
		     "name");
	run_verb(&r, inspect_main, false, "--fix", "-", "a.pcap", NULL);
	expect_usage(&r, "bad value \"-\" for --fix: the report goes to "
		     "stdout; expected an output file name");
	run_verb(&r, inspect_main, false, "--fix", "o1", "--fix", "o2",
		 "a.pcap", NULL);
	expect_usage(&r, "duplicate option --fix: it may be given once");
	run_verb(&r, inspect_main, false, "mode", "foo", "a.pcap", NULL);
	expect_usage(&r, "bad value \"foo\" for mode: expected off, monitor, "
		     "normalize or enforce");
	run_verb(&r, inspect_main, false, "a.pcap", "check", "tpkt-length",
		 "fix", NULL);
	expect_usage(&r, "bad value \"fix\" for check tpkt-length: fix is "
		     "only possible for tpkt-reserved and cotp-class-option");
	run_verb(&r, inspect_main, false, "a.pcap", "ports", NULL);
	expect_usage(&r, "missing value for ports: expected ports and ranges "
		     "from 1 to 65535, such as 102,3000-3002");
}

static void test_inspect_help(void **state)
{
	struct run_out r;

	run_verb(&r, inspect_main, false, "--help", NULL);
	assert_int_equal(r.rc, TPKTCTL_EXIT_OK);
	assert_non_null(strstr(r.out, "Usage: tpktctl [-j] inspect"));
	assert_string_equal(r.err, "");
	run_free(&r);
}

/* The output must never overwrite the input it is made from. */
static void test_inspect_fix_onto_input(void **state)
{
	char in[256];
	struct gen_file f;
	struct run_out r;

	gen_open(&f, tmp_path(in, sizeof(in), "self.pcap"), DLT_EN10MB,
		 65535);
	gen_close(&f);
	run_verb(&r, inspect_main, false, "--fix", in, in, NULL);
	assert_int_equal(r.rc, TPKTCTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "is an input file: refusing to "
			       "overwrite it"));
	run_free(&r);
	run_verb(&r, inspect_main, false, "--write-anomalies", in, "--merge",
		 "b.pcap", in, NULL);
	assert_int_equal(r.rc, TPKTCTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "is an input file"));
	run_free(&r);
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_given),
		T(test_mode),
		T(test_enums),
		T(test_ports),
		T(test_ports_errors),
		T(test_check_every_action),
		T(test_check_repeated),
		T(test_check_errors),
		T(test_hooks),
		T(test_numbers),
		T(test_all_together),
		T(test_duplicates_and_unknown),
		T(test_parse_word_not_mine),
		T(test_inspect_usage_errors),
		T(test_inspect_help),
		T(test_inspect_fix_onto_input),
	};
	int rc = cmocka_run_group_tests_name("policy_words", tests, NULL,
					     NULL);

	tmp_dir_remove();
	return rc;
}
