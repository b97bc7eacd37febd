// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What show prints and save writes must parse back, through set's own
 * parser, into the very policy printed: many random policies, each printed
 * in both forms and parsed again.
 */
#include "helpers.h"
#include "names.h"
#include "policy_print.h"
#include "policy_words.h"
#include "util.h"

/* xorshift32: the same policies on every run, so a failure can be rerun */
static u32 rng_state;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* from @lo to @hi inclusive, with the ends more often than by chance */
static u32 rnd_range(u32 lo, u32 hi)
{
	switch (rnd() % 8) {
	case 0:
		return lo;
	case 1:
		return hi;
	}
	return lo + rnd() % (hi - lo + 1);
}

/* A valid policy with every field given (@all) or a random subset. */
static void random_policy(struct policy_words *pw, bool all)
{
	unsigned int i;

	pw_init(pw);
	pw->given = all ? PW_MODE | PW_PORTS | PW_CHECKS | PW_OOO | PW_PICKUP |
		    PW_HOOKS | PW_MAX_FLOWS | PW_TIMEOUT | PW_FULL |
		    PW_EVENT_RATE : rnd() & 0x3ff;
	if (pw->given & PW_MODE)
		pw->mode = rnd() % tpkt_name_count(TPKT_NAMES_MODE);
	if (pw->given & PW_OOO)
		pw->ooo = rnd() % tpkt_name_count(TPKT_NAMES_OOO);
	if (pw->given & PW_PICKUP)
		pw->pickup = rnd() % tpkt_name_count(TPKT_NAMES_PICKUP);
	if (pw->given & PW_FULL)
		pw->full = rnd() % tpkt_name_count(TPKT_NAMES_FULL);
	if (pw->given & PW_HOOKS)
		pw->hooks = 1 + rnd() % ((1U << tpkt_name_count(
					   TPKT_NAMES_HOOK)) - 1);
	if (pw->given & PW_MAX_FLOWS)
		pw->max_flows = rnd_range(1, NF_TPKT_MAX_FLOWS_LIMIT);
	if (pw->given & PW_TIMEOUT)
		pw->timeout = rnd_range(1, NF_TPKT_MAX_TIMEOUT);
	if (pw->given & PW_EVENT_RATE)
		pw->event_rate = rnd_range(0, NF_TPKT_MAX_EVENT_RATE);
	if (pw->given & PW_PORTS) {
		pw->n_ports = rnd_range(1, PW_MAX_PORT_RANGES);
		for (i = 0; i < pw->n_ports; i++) {
			u16 a = rnd_range(1, 65535), b = rnd_range(1, 65535);

			if (rnd() % 2)
				b = a;
			pw->ports[i].lo = a < b ? a : b;
			pw->ports[i].hi = a < b ? b : a;
		}
	}
	if (pw->given & PW_CHECKS) {
		pw->checks_given = all ? (1U << __NF_TPKT_CHECK_MAX) - 1 :
				   rnd() & ((1U << __NF_TPKT_CHECK_MAX) - 1);
		if (!pw->checks_given)
			pw->given &= ~PW_CHECKS;
	}
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++) {
		if (!(pw->checks_given & (1U << i)))
			continue;
		do
			pw->action[i] = rnd() % tpkt_name_count(
						TPKT_NAMES_ACTION);
		while (!tpkt_check_action_valid(i, pw->action[i]));
	}
}

static char *print_to_string(const struct policy_words *pw,
			     const char *prefix)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(policy_print(f, pw, prefix), 0);
	fclose(f);
	return buf;
}

/*
 * Split @text (modified) into words; with @prefix every line must start
 * with it (a save file), and the prefix word is left out.
 */
static int split_words(char *text, const char *prefix, char **words,
		       int max)
{
	char *line, *save_line, *w, *save_word;
	int n = 0;

	for (line = strtok_r(text, "\n", &save_line); line;
	     line = strtok_r(NULL, "\n", &save_line)) {
		if (*prefix) {
			assert_memory_equal(line, prefix, strlen(prefix));
			line += strlen(prefix);
		}
		for (w = strtok_r(line, " ", &save_word); w;
		     w = strtok_r(NULL, " ", &save_word)) {
			assert_true(n < max);
			words[n++] = w;
		}
	}
	return n;
}

static void round_trip(const struct policy_words *pw, const char *prefix,
		       unsigned int iteration)
{
	char *text = print_to_string(pw, prefix), *copy = strdup(text);
	char *words[128];
	struct policy_words back;
	int n;

	assert_non_null(copy);
	n = split_words(copy, prefix, words, ARRAY_SIZE(words));
	pw_init(&back);
	if (pw_parse(&back, n, words) || memcmp(&back, pw, sizeof(back))) {
		fprintf(stderr, "policy %u (prefix \"%s\") does not round-trip:"
			"\n%s", iteration, prefix, text);
		fail();
	}
	free(copy);
	free(text);
}

static void test_random_round_trip(void **state)
{
	struct policy_words pw;
	unsigned int i;

	rng_state = 20261203;
	for (i = 0; i < 1000; i++) {
		random_policy(&pw, i % 2 == 0);
		round_trip(&pw, "", i);
		round_trip(&pw, "set ", i);
	}
}

/* The exact text, so that a change to the show and save format is seen. */
static void test_show_text(void **state)
{
	char *argv[] = {
		"mode", "normalize", "ports", "102,3000-3002", "hooks",
		"forward,output", "max-flows", "65536", "timeout", "600",
		"full", "fail-open", "pickup", "strict", "ooo", "hold",
		"event-rate", "100", "check", "tpkt-reserved", "fix", "check",
		"desync", "ignore",
	};
	struct policy_words pw;
	char *text;

	pw_init(&pw);
	assert_int_equal(pw_parse(&pw, ARRAY_SIZE(argv), argv), 0);
	text = print_to_string(&pw, "set ");
	assert_string_equal(text,
		"set mode normalize\n"
		"set ports 102,3000-3002\n"
		"set hooks forward,output\n"
		"set max-flows 65536\n"
		"set timeout 600\n"
		"set full fail-open\n"
		"set pickup strict\n"
		"set ooo hold\n"
		"set event-rate 100\n"
		"set check tpkt-reserved fix\n"
		"set check desync ignore\n");
	free(text);
}

/* Only what was given is printed: set leaves the rest as it is. */
static void test_only_given(void **state)
{
	struct policy_words pw;
	char *text;

	pw_init(&pw);
	text = print_to_string(&pw, "");
	assert_string_equal(text, "");
	free(text);
	pw.given = PW_TIMEOUT | PW_PORTS | PW_HOOKS;
	pw.timeout = 5;
	/* no ports and no hooks would not parse: left out */
	text = print_to_string(&pw, "");
	assert_string_equal(text, "timeout 5\n");
	free(text);
}

/* What show printed before it spoke set's grammar is still accepted. */
static void test_old_units(void **state)
{
	char *ok[] = { "timeout", "600s", "event-rate", "100/s" };
	char *bad[][2] = {
		{ "timeout", "s" }, { "timeout", "600ss" },
		{ "timeout", "600/s" }, { "timeout", "600 s" },
		{ "event-rate", "/s" }, { "event-rate", "100s" },
		{ "event-rate", "-1/s" }, { "max-flows", "10s" },
	};
	struct policy_words pw;
	struct capture c;
	char *out, *err;
	unsigned int i;

	pw_init(&pw);
	assert_int_equal(pw_parse(&pw, 4, ok), 0);
	assert_int_equal(pw.timeout, 600);
	assert_int_equal(pw.event_rate, 100);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[160];

		pw_init(&pw);
		capture_begin(&c);
		assert_int_equal(pw_parse(&pw, 2, bad[i]), PW_ERR_USAGE);
		capture_end(&c, &out, &err);
		snprintf(want, sizeof(want), "bad value \"%s\" for %s",
			 bad[i][1], bad[i][0]);
		assert_non_null(strstr(err, want));
		free(out);
		free(err);
	}
}

/* Parse the NULL-terminated words; returns pw_parse's result, stderr in *err. */
static int parse(struct policy_words *pw, char **err, ...)
{
	char *argv[32], *out;
	struct capture c;
	int argc = 0, rc;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	pw_init(pw);
	capture_begin(&c);
	rc = pw_parse(pw, argc, argv);
	capture_end(&c, &out, err);
	free(out);
	return rc;
}

/* set takes unique prefixes of the words and of the named values. */
static void test_prefixes(void **state)
{
	struct policy_words pw;
	char *err;

	assert_int_equal(parse(&pw, &err, "mo", "norm", "pi", "l", "o", "h",
			       "fu", "fail-c", "ho", "f,i", "ti", "5", "e", "0",
			       "c", "tpkt-r", "f", "ma", "9", "po", "1",
			       NULL), 0);
	free(err);
	assert_int_equal(pw.mode, NF_TPKT_MODE_NORMALIZE);
	assert_int_equal(pw.pickup, NF_TPKT_PICKUP_LOOSE);
	assert_int_equal(pw.ooo, NF_TPKT_OOO_HOLD);
	assert_int_equal(pw.full, NF_TPKT_FULL_FAIL_CLOSED);
	assert_int_equal(pw.hooks, NF_TPKT_HOOK_FORWARD |
				   NF_TPKT_HOOK_INPUT);
	assert_int_equal(pw.timeout, 5);
	assert_int_equal(pw.given & PW_EVENT_RATE, PW_EVENT_RATE);
	assert_int_equal(pw.action[NF_TPKT_CHECK_RESERVED],
			 NF_TPKT_ACT_FIX);
	assert_int_equal(pw.max_flows, 9);
	assert_int_equal(pw.n_ports, 1);

	assert_int_equal(parse(&pw, &err, "m", "off", NULL), PW_ERR_USAGE);
	assert_string_equal(err, "tpktctl: ambiguous word \"m\": mode or "
			    "max-flows\n");
	free(err);
	assert_int_equal(parse(&pw, &err, "full", "f", NULL), PW_ERR_USAGE);
	assert_string_equal(err, "tpktctl: ambiguous value \"f\" for full: "
			    "fail-open or fail-closed\n");
	free(err);
	assert_int_equal(parse(&pw, &err, "check", "cotp-class", "count",
			       NULL), PW_ERR_USAGE);
	assert_string_equal(err, "tpktctl: ambiguous value \"cotp-class\" "
			    "for check: cotp-class-tpdu or cotp-class-option\n");
	free(err);
	/* the same check twice under two spellings is still twice */
	assert_int_equal(parse(&pw, &err, "check", "desync", "count", "check",
			       "des", "drop", NULL), PW_ERR_USAGE);
	assert_string_equal(err, "tpktctl: duplicate word \"check desync\": "
			    "each check may be given once\n");
	free(err);
	/* numbers and ports have no prefixes; longer than a name is no name */
	assert_int_equal(parse(&pw, &err, "mode", "normalizer", NULL),
			 PW_ERR_USAGE);
	free(err);
	assert_int_equal(parse(&pw, &err, "modes", "off", NULL), PW_ERR_USAGE);
	free(err);
	assert_int_equal(parse(&pw, &err, "mode", "", NULL), PW_ERR_USAGE);
	free(err);
}

/* inspect's words sit among file names: there, only whole words count. */
static void test_no_prefixes_for_inspect(void **state)
{
	char *argv[] = { "mo", "normalize" }, *full[] = { "mode", "norm" };
	struct policy_words pw;
	struct capture c;
	char *out, *err;

	pw_init(&pw);
	assert_int_equal(pw_parse_word(&pw, 2, argv), 0);
	capture_begin(&c);
	assert_int_equal(pw_parse_word(&pw, 2, full), PW_ERR_USAGE);
	capture_end(&c, &out, &err);
	assert_non_null(strstr(err, "bad value \"norm\" for mode"));
	free(out);
	free(err);
}

static void test_word_lookup(void **state)
{
	const char *const n[] = { "show", "set", "stats", "save", "s" };
	char buf[64];

	assert_int_equal(word_lookup("show", n, 4), 0);
	assert_int_equal(word_lookup("sh", n, 4), 0);
	assert_int_equal(word_lookup("sa", n, 4), 3);
	assert_int_equal(word_lookup("s", n, 4), -2);
	assert_int_equal(word_lookup("s", n, 5), 4);	/* exact wins */
	assert_int_equal(word_lookup("showx", n, 4), -1);
	assert_int_equal(word_lookup("", n, 4), -1);
	assert_int_equal(word_lookup(NULL, n, 4), -1);
	assert_string_equal(word_candidates("s", n, 4, buf, sizeof(buf)),
			    "show, set, stats or save");
	assert_string_equal(word_candidates("st", n, 4, buf, sizeof(buf)),
			    "stats");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_show_text),
		cmocka_unit_test(test_only_given),
		cmocka_unit_test(test_old_units),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_no_prefixes_for_inspect),
		cmocka_unit_test(test_word_lookup),
	};

	return cmocka_run_group_tests_name("policy_print", tests, NULL, NULL);
}
