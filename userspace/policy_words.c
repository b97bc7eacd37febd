// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Policy words, parsed the way iproute2 parses its arguments: a keyword
 * followed by its value(s).  Every error names the offending word and what
 * would have been accepted, because the operator typing the command is the
 * only one who can fix it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "policy_words.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char pw_word_list[] = "mode, ports, check, ooo, pickup, hooks, "
			    "max-flows, timeout, full or event-rate";

void pw_init(struct policy_words *pw)
{
	memset(pw, 0, sizeof(*pw));
}

static int bad_value(const char *word, const char *val, const char *expect)
{
	tpktctl_err("bad value \"%s\" for %s: %s", val, word, expect);
	return PW_ERR_USAGE;
}

static int missing_value(const char *word, const char *expect)
{
	tpktctl_err("missing value for %s: %s", word, expect);
	return PW_ERR_USAGE;
}

/*
 * Strict decimal: no sign, no blanks, no base prefix, no trailing junk.
 * strtoul alone would take " -1" as a huge number.
 */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* "expected off, monitor, normalize or enforce" */
static const char *expect_names(enum tpkt_name_kind kind, char *buf,
				size_t len)
{
	int n = snprintf(buf, len, "expected ");

	names_list(kind, buf + n, len - n);
	return buf;
}

#define PW_AMBIGUOUS	(-2)

/*
 * The value of @kind named @val; with @abbrev also the only name @val is
 * a prefix of.  Returns -1 if none, PW_AMBIGUOUS if several.
 */
static int lookup(enum tpkt_name_kind kind, const char *val, bool abbrev)
{
	const char *names[64];
	unsigned int i, n = tpkt_name_count(kind);

	if (!abbrev || n > ARRAY_SIZE(names))
		return tpkt_name_lookup(kind, val);
	for (i = 0; i < n; i++)
		names[i] = tpkt_name(kind, i);
	return word_lookup(val, names, n);
}

static int ambiguous_value(const char *word, const char *val,
			   enum tpkt_name_kind kind)
{
	const char *names[64];
	unsigned int i, n = tpkt_name_count(kind);
	char list[256];

	for (i = 0; i < n && i < ARRAY_SIZE(names); i++)
		names[i] = tpkt_name(kind, i);
	tpktctl_err("ambiguous value \"%s\" for %s: %s", val, word,
		    word_candidates(val, names, i, list, sizeof(list)));
	return PW_ERR_USAGE;
}

static int parse_enum(const char *word, enum tpkt_name_kind kind,
		      const char *val, bool abbrev, u8 *out)
{
	char expect[256];
	int v = lookup(kind, val, abbrev);

	if (v == PW_AMBIGUOUS)
		return ambiguous_value(word, val, kind);
	if (v < 0)
		return bad_value(word, val, expect_names(kind, expect,
							  sizeof(expect)));
	*out = v;
	return 0;
}

static int parse_mode(struct policy_words *pw, const char *word, bool abbrev,
		      char *const *v)
{
	return parse_enum(word, TPKT_NAMES_MODE, v[0], abbrev, &pw->mode);
}

static int parse_ooo(struct policy_words *pw, const char *word, bool abbrev,
		     char *const *v)
{
	return parse_enum(word, TPKT_NAMES_OOO, v[0], abbrev, &pw->ooo);
}

static int parse_pickup(struct policy_words *pw, const char *word, bool abbrev,
			char *const *v)
{
	return parse_enum(word, TPKT_NAMES_PICKUP, v[0], abbrev, &pw->pickup);
}

static int parse_full(struct policy_words *pw, const char *word, bool abbrev,
		      char *const *v)
{
	return parse_enum(word, TPKT_NAMES_FULL, v[0], abbrev, &pw->full);
}

static const char ports_expect[] =
	"expected ports and ranges from 1 to 65535, such as 102,3000-3002";

static int port_item(const char *word, const char *val, const char *item,
		     struct pw_port_range *r)
{
	char lo[8], why[96];
	const char *dash = strchr(item, '-');
	unsigned long a, b;
	size_t n = dash ? (size_t)(dash - item) : strlen(item);

	if (!n || n >= sizeof(lo))
		return bad_value(word, val, ports_expect);
	memcpy(lo, item, n);
	lo[n] = '\0';
	if (!parse_uint(lo, 99999, &a) ||
	    (dash && !parse_uint(dash + 1, 99999, &b)))
		return bad_value(word, val, ports_expect);
	if (!dash)
		b = a;
	if (!a || a > 65535 || !b || b > 65535) {
		snprintf(why, sizeof(why), "port %lu is out of range: %s",
			 !a || a > 65535 ? a : b, ports_expect);
		return bad_value(word, val, why);
	}
	if (a > b) {
		snprintf(why, sizeof(why),
			 "range %lu-%lu is reversed: write %lu-%lu", a, b, b,
			 a);
		return bad_value(word, val, why);
	}
	r->lo = a;
	r->hi = b;
	return 0;
}

static int parse_ports(struct policy_words *pw, const char *word, bool abbrev,
		       char *const *v)
{
	struct pw_port_range r[PW_MAX_PORT_RANGES];
	const char *val = v[0], *p = val;
	unsigned int n = 0;
	char item[16], why[96];

	for (;;) {
		size_t len = strcspn(p, ",");

		if (!len || len >= sizeof(item))
			return bad_value(word, val, ports_expect);
		if (n == PW_MAX_PORT_RANGES) {
			snprintf(why, sizeof(why),
				 "more than %d ports and ranges",
				 PW_MAX_PORT_RANGES);
			return bad_value(word, val, why);
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (port_item(word, val, item, &r[n]))
			return PW_ERR_USAGE;
		n++;
		p += len;
		if (!*p)
			break;
		p++;	/* a trailing comma leaves an empty item: refused */
	}
	memcpy(pw->ports, r, sizeof(r[0]) * n);
	pw->n_ports = n;
	return 0;
}

static const char hooks_expect[] =
	"expected a comma-separated list of forward, input and output";

static int parse_hooks(struct policy_words *pw, const char *word, bool abbrev,
		       char *const *v)
{
	const char *val = v[0], *p = val;
	u32 bits = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		char item[16];
		int bit;

		if (!len || len >= sizeof(item))
			return bad_value(word, val, hooks_expect);
		memcpy(item, p, len);
		item[len] = '\0';
		/* the names are those of the NF_TPKT_HOOK_* bit numbers */
		bit = lookup(TPKT_NAMES_HOOK, item, abbrev);
		if (bit == PW_AMBIGUOUS)
			return ambiguous_value(word, item, TPKT_NAMES_HOOK);
		if (bit < 0)
			return bad_value(word, val, hooks_expect);
		bits |= 1U << bit;
		p += len;
		if (!*p)
			break;
		p++;
	}
	pw->hooks = bits;
	return 0;
}

/*
 * @unit ("s", "/s") may follow the number: show printed the timeout and
 * the event rate that way before it printed set's grammar, and people
 * type what they have read.
 */
static int parse_u32(const char *word, const char *val, const char *unit,
		     unsigned long min, unsigned long max, u32 *out)
{
	size_t n = strlen(val), u = unit ? strlen(unit) : 0;
	char why[64], num[24];
	const char *digits = val;
	unsigned long v;

	if (u && n > u && n - u < sizeof(num) && !strcmp(val + n - u, unit)) {
		memcpy(num, val, n - u);
		num[n - u] = '\0';
		digits = num;
	}
	if (!parse_uint(digits, max, &v) || v < min) {
		snprintf(why, sizeof(why), "expected a number from %lu to %lu",
			 min, max);
		return bad_value(word, val, why);
	}
	*out = v;
	return 0;
}

/* The ranges are the module's (uapi); checking them here says it sooner. */
static int parse_max_flows(struct policy_words *pw, const char *word, bool abbrev,
			   char *const *v)
{
	return parse_u32(word, v[0], NULL, 1, NF_TPKT_MAX_FLOWS_LIMIT,
			 &pw->max_flows);
}

static int parse_timeout(struct policy_words *pw, const char *word, bool abbrev,
			 char *const *v)
{
	return parse_u32(word, v[0], "s", 1, NF_TPKT_MAX_TIMEOUT,
			 &pw->timeout);
}

static int parse_event_rate(struct policy_words *pw, const char *word, bool abbrev,
			    char *const *v)
{
	/* 0 is meaningful: no events at all, counters only */
	return parse_u32(word, v[0], "/s", 0, NF_TPKT_MAX_EVENT_RATE,
			 &pw->event_rate);
}

/* "fix is only possible for tpkt-reserved and cotp-class-option" */
static const char *fixable_list(char *buf, size_t len)
{
	unsigned int i, n = 0, k = 0;
	size_t used;

	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		n += tpkt_check_fixable(i);
	used = snprintf(buf, len, "fix is only possible for ");
	for (i = 0; i < __NF_TPKT_CHECK_MAX && used < len; i++) {
		if (!tpkt_check_fixable(i))
			continue;
		k++;
		used += snprintf(buf + used, len - used, "%s%s",
				 k == 1 ? "" : k == n ? " and " : ", ",
				 check_name(i));
	}
	return buf;
}

/* check NAME ACTION: two values, and the action must suit the check. */
static int parse_check(struct policy_words *pw, const char *word, bool abbrev,
		       char *const *v)
{
	char expect[512], what[64];
	int check = lookup(TPKT_NAMES_CHECK, v[0], abbrev), act;
	const size_t len = sizeof(expect);

	if (check == PW_AMBIGUOUS)
		return ambiguous_value(word, v[0], TPKT_NAMES_CHECK);
	if (check < 0)
		return bad_value(word, v[0],
				 expect_names(TPKT_NAMES_CHECK, expect, len));
	snprintf(what, sizeof(what), "check %s", v[0]);
	if (!v[1])
		return missing_value(what, expect_names(TPKT_NAMES_ACTION,
							expect, len));
	act = lookup(TPKT_NAMES_ACTION, v[1], abbrev);
	if (act == PW_AMBIGUOUS)
		return ambiguous_value(what, v[1], TPKT_NAMES_ACTION);
	if (act < 0)
		return bad_value(what, v[1],
				 expect_names(TPKT_NAMES_ACTION, expect, len));
	if (!tpkt_check_action_valid(check, act))
		return bad_value(what, v[1], fixable_list(expect,
							  sizeof(expect)));
	if (pw->checks_given & (1U << check)) {
		tpktctl_err("duplicate word \"check %s\": each check may be "
			    "given once", check_name(check));
		return PW_ERR_USAGE;
	}
	pw->checks_given |= 1U << check;
	pw->action[check] = act;
	return 0;
}

struct pw_word {
	const char *name;
	unsigned int bit;
	unsigned int nvals;
	int (*parse)(struct policy_words *pw, const char *word, bool abbrev,
		     char *const *vals);
	/* what a missing value should have been: a text, names or numbers */
	const char *expect;
	int names;		/* enum tpkt_name_kind, or -1 */
	unsigned long min, max;
};

static const struct pw_word words[] = {
	{ "mode", PW_MODE, 1, parse_mode, NULL, TPKT_NAMES_MODE },
	{ "ports", PW_PORTS, 1, parse_ports, ports_expect, -1 },
	{ "check", PW_CHECKS, 2, parse_check, NULL, TPKT_NAMES_CHECK },
	{ "ooo", PW_OOO, 1, parse_ooo, NULL, TPKT_NAMES_OOO },
	{ "pickup", PW_PICKUP, 1, parse_pickup, NULL, TPKT_NAMES_PICKUP },
	{ "hooks", PW_HOOKS, 1, parse_hooks, hooks_expect, -1 },
	{ "max-flows", PW_MAX_FLOWS, 1, parse_max_flows, NULL, -1,
	  1, NF_TPKT_MAX_FLOWS_LIMIT },
	{ "timeout", PW_TIMEOUT, 1, parse_timeout, NULL, -1,
	  1, NF_TPKT_MAX_TIMEOUT },
	{ "full", PW_FULL, 1, parse_full, NULL, TPKT_NAMES_FULL },
	{ "event-rate", PW_EVENT_RATE, 1, parse_event_rate, NULL, -1,
	  0, NF_TPKT_MAX_EVENT_RATE },
};

static const char *word_expect(const struct pw_word *w, char *buf,
			       size_t len)
{
	if (w->expect)
		return w->expect;
	if (w->names >= 0)
		return expect_names(w->names, buf, len);
	snprintf(buf, len, "expected a number from %lu to %lu", w->min,
		 w->max);
	return buf;
}

static int parse_word(struct policy_words *pw, int argc, char *const *argv,
		      bool abbrev)
{
	const char *word_names[ARRAY_SIZE(words)];
	const struct pw_word *w = NULL;
	char *vals[2] = { NULL, NULL };
	char expect[512];
	unsigned int i;
	int k;

	if (argc < 1)
		return 0;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		word_names[i] = words[i].name;
	k = abbrev ? word_lookup(argv[0], word_names, ARRAY_SIZE(word_names)) :
	    -1;
	if (k == PW_AMBIGUOUS) {
		tpktctl_err("ambiguous word \"%s\": %s", argv[0],
			    word_candidates(argv[0], word_names,
					    ARRAY_SIZE(word_names), expect,
					    sizeof(expect)));
		return PW_ERR_USAGE;
	}
	for (i = 0; k < 0 && i < ARRAY_SIZE(words); i++)
		if (!strcmp(argv[0], words[i].name))
			k = i;
	if (k < 0)
		return 0;
	w = &words[k];
	if (argc < 2)
		return missing_value(w->name, word_expect(w, expect,
							  sizeof(expect)));
	/* only "check" may repeat, and it watches its own duplicates */
	if ((pw->given & w->bit) && w->bit != PW_CHECKS) {
		tpktctl_err("duplicate word \"%s\": it may be given once",
			    w->name);
		return PW_ERR_USAGE;
	}
	for (i = 0; i < w->nvals && (int)i + 1 < argc; i++)
		vals[i] = argv[i + 1];
	if (w->parse(pw, w->name, abbrev, vals))
		return PW_ERR_USAGE;
	pw->given |= w->bit;
	return 1 + w->nvals;
}

/* inspect: a word that is not a policy word is a file name, so no prefixes */
int pw_parse_word(struct policy_words *pw, int argc, char *const *argv)
{
	return parse_word(pw, argc, argv, false);
}

int pw_parse(struct policy_words *pw, int argc, char *const *argv)
{
	while (argc > 0) {
		int n = parse_word(pw, argc, argv, true);

		if (n < 0)
			return PW_ERR_USAGE;
		if (!n) {
			tpktctl_err("unknown word \"%s\": expected %s",
				    argv[0], pw_word_list);
			return PW_ERR_USAGE;
		}
		argc -= n;
		argv += n;
	}
	return 0;
}

bool pw_port_in_set(const struct policy_words *pw, u16 port)
{
	unsigned int i;

	for (i = 0; i < pw->n_ports; i++)
		if (port >= pw->ports[i].lo && port <= pw->ports[i].hi)
			return true;
	return false;
}
