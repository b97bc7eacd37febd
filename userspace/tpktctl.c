// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpktctl: configure and observe nf_tpkt, iproute2 style:
 *
 *	tpktctl [-j [-p]] [-n NETNS] VERB [ARGS...]
 *	tpktctl [-j [-p]] [-n NETNS] -b FILE
 *	tpktctl VERB --help
 *
 * Each verb is one line of the table below, and may be abbreviated to
 * any prefix that no other verb has, as ip(8) allows; unknown verbs are
 * usage errors that list the known ones.
 */
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "util.h"
#include "verbs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Gets the words after the verb; returns an exit code (util.h). */
typedef int verb_fn(const struct tpktctl_opts *o, int argc, char **argv);

struct verb {
	const char *name;
	verb_fn *fn;
	const char *usage;	/* one line, after "tpktctl " */
	void (*help)(FILE *f);	/* full help; NULL: the usage line */
	const char *what;
};

static verb_fn verb_help;
static const char help_usage[] = "help [VERB]";

static const struct verb verbs[] = {
	{ "show", verb_show, verb_show_usage, NULL,
	  "policy in force and counters" },
	{ "set", verb_set, verb_set_usage, NULL, "change the policy" },
	{ "stats", verb_stats, verb_stats_usage, NULL, "counters" },
	{ "flows", verb_flows, verb_flows_usage, NULL, "tracked flows" },
	{ "monitor", verb_monitor, verb_monitor_usage, NULL,
	  "anomaly events as they happen" },
	{ "batch", verb_batch, verb_batch_usage, NULL,
	  "set, stats reset and flows flush lines from a file" },
	{ "save", verb_save, verb_save_usage, NULL,
	  "the policy in force as a batch file" },
	{ "inspect", inspect_main, inspect_usage_line, inspect_usage,
	  "run capture files through the engine, offline" },
	{ "help", verb_help, help_usage, NULL, "this text, or a verb's" },
};

static void usage(FILE *f)
{
	unsigned int i;

	fputs("Usage: tpktctl [-j [-p]] [-n NETNS] VERB [ARGS...]\n"
	      "       tpktctl [-j [-p]] [-n NETNS] -b FILE\n"
	      "       tpktctl VERB --help\n"
	      "       tpktctl --version\n"
	      "\n"
	      "  -j, --json         JSON output\n"
	      "  -p, --pretty       JSON output indented (with -j)\n"
	      "  -n, --netns NETNS  act in network namespace NETNS "
	      "(as ip -n)\n"
	      "  -b, --batch FILE   same as the batch verb\n"
	      "\n"
	      "Verbs:\n", f);
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].what);
	fputs("\nSee tpktctl(8).\n", f);
}

static void verb_usage(const struct verb *v, FILE *f)
{
	if (v->help)
		v->help(f);
	else
		fprintf(f, "Usage: tpktctl [-j [-p]] [-n NETNS] %s\n", v->usage);
}

static void unknown_verb(const char *name);

/* The verb named @name or by a prefix of one only; NULL (said) if none. */
static const struct verb *find_verb(const char *name)
{
	const char *names[ARRAY_SIZE(verbs)];
	char list[256];
	unsigned int i;
	int k;

	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		names[i] = verbs[i].name;
	k = word_lookup(name, names, ARRAY_SIZE(names));
	if (k >= 0)
		return &verbs[k];
	if (k == -2)
		tpktctl_err("ambiguous verb \"%s\": %s", name,
			    word_candidates(name, names, ARRAY_SIZE(names),
					    list, sizeof(list)));
	else
		unknown_verb(name);
	return NULL;
}

/* The message lists what would have been accepted. */
static void unknown_verb(const char *name)
{
	char list[256] = "";
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(verbs) && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 !i ? "" : i + 1 == ARRAY_SIZE(verbs) ?
				 " or " : ", ", verbs[i].name);
	tpktctl_err("unknown verb \"%s\": expected %s", name, list);
}

static int verb_help(const struct tpktctl_opts *o, int argc, char **argv)
{
	const struct verb *v;

	if (!argc) {
		usage(stdout);
		return TPKTCTL_EXIT_OK;
	}
	v = find_verb(argv[0]);
	if (!v)
		return TPKTCTL_EXIT_USAGE;
	if (argc > 1) {
		tpktctl_err("help: unexpected word \"%s\" (usage: tpktctl %s)",
			    argv[1], help_usage);
		return TPKTCTL_EXIT_USAGE;
	}
	verb_usage(v, stdout);
	return TPKTCTL_EXIT_OK;
}

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int main(int argc, char **argv)
{
	struct tpktctl_opts o = { 0 };
	const char *batch = NULL;
	const struct verb *v;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		bool netns = !strcmp(a, "-n") || !strcmp(a, "--netns");

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			/* as in ip(8): it only shapes what -j prints */
			o.pretty = true;
		} else if (netns || !strcmp(a, "-b") ||
			   !strcmp(a, "--batch")) {
			if (i + 1 >= argc) {
				tpktctl_err("missing value for %s: expected "
					    "%s", a, netns ?
					    "a network namespace name" :
					    "a file name (- for stdin)");
				return TPKTCTL_EXIT_USAGE;
			}
			if (netns)
				o.netns = argv[++i];
			else
				batch = argv[++i];
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("tpktctl %s\n", NF_TPKT_VERSION);
			return TPKTCTL_EXIT_OK;
		} else if (is_help(a)) {
			usage(stdout);
			return TPKTCTL_EXIT_OK;
		} else {
			tpktctl_err("unknown option \"%s\": expected -j, -p, "
				    "-n NETNS, -b FILE, --version or --help", a);
			return TPKTCTL_EXIT_USAGE;
		}
	}
	if (batch) {
		if (i < argc) {
			tpktctl_err("unexpected word \"%s\" after -b %s",
				    argv[i], batch);
			return TPKTCTL_EXIT_USAGE;
		}
		return verb_batch(&o, 1, (char **)&batch);
	}
	if (i == argc) {
		usage(stderr);
		return TPKTCTL_EXIT_USAGE;
	}
	v = find_verb(argv[i]);
	if (!v)
		return TPKTCTL_EXIT_USAGE;
	/* "VERB --help" for every verb, so that none has to handle it */
	if (argc - i == 2 && is_help(argv[i + 1])) {
		verb_usage(v, stdout);
		return TPKTCTL_EXIT_OK;
	}
	return v->fn(&o, argc - i - 1, argv + i + 1);
}
