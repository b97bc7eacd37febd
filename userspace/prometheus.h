/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The counters of nf_tpkt in the Prometheus text exposition format, as
 * node_exporter's textfile collector reads it ("tpktctl stats -o
 * prometheus").  The formatter only prints what it is given, so the tests
 * run it without a kernel.
 */
#ifndef TPKTCTL_PROMETHEUS_H
#define TPKTCTL_PROMETHEUS_H

#include <stdio.h>

#include <tpkt/engine.h>

/* The parts of the policy in force that the exposition shows. */
struct prom_policy {
	u8 mode, pickup, ooo, full;	/* enum nf_tpkt_mode, ... */
	u32 max_flows;
};

/*
 * Write every counter of @c, @flows_active and, if @p is not NULL, the
 * flow limit and an info metric naming the policy in force, to @f.  Every
 * sample gets the label netns="@netns" when @netns is not NULL, so that
 * several namespaces can be exported side by side.
 *
 * Returns 0, or -1 if writing failed (the output is then incomplete and
 * must not be published).
 */
int prom_write_stats(FILE *f, const struct tpkt_counts *c, u32 flows_active,
		     const struct prom_policy *p, const char *netns);

/*
 * Write @s as a label value: backslash, double quote and newline escaped
 * as the exposition format requires.
 */
void prom_write_label_value(FILE *f, const char *s);

#endif /* TPKTCTL_PROMETHEUS_H */
