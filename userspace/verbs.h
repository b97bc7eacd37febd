/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The verbs of tpktctl that talk to the module over generic netlink.
 * Each returns a tpktctl exit code.
 */
#ifndef TPKTCTL_VERBS_H
#define TPKTCTL_VERBS_H

#include <stdbool.h>

struct tpktctl_opts {
	bool json;
	bool pretty;		/* -p: JSON indented, one field a line */
	const char *netns;
};

int verb_show(const struct tpktctl_opts *o, int argc, char **argv);
int verb_set(const struct tpktctl_opts *o, int argc, char **argv);
int verb_stats(const struct tpktctl_opts *o, int argc, char **argv);
int verb_flows(const struct tpktctl_opts *o, int argc, char **argv);
int verb_monitor(const struct tpktctl_opts *o, int argc, char **argv);
int verb_batch(const struct tpktctl_opts *o, int argc, char **argv);
int verb_save(const struct tpktctl_opts *o, int argc, char **argv);

/* One-line usage of each, for help and errors. */
extern const char verb_show_usage[], verb_set_usage[], verb_stats_usage[],
	verb_flows_usage[], verb_monitor_usage[], verb_batch_usage[],
	verb_save_usage[];

#endif /* TPKTCTL_VERBS_H */
