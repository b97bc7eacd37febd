// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Prometheus text exposition (format 0.0.4) of the nf_tpkt counters.
 *
 * Names: nf_tpkt_<counter name>_total for each enum nf_tpkt_counter, the
 * counter names being those of the shared tables (kmod/names.c) that
 * "stats -j" uses too; the TPDU and anomaly counts are one family each,
 * labelled by TPDU type and check name.  Every family gets # HELP and
 * # TYPE, as promtool's linter wants.
 */
#include <inttypes.h>
#include <stdio.h>

#include <tpkt/names.h>

#include "prometheus.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What each counter counts, from the uapi documentation. */
static const char *const counter_help[] = {
	[NF_TPKT_CTR_PACKETS] = "TCP segments on the port set seen by a hook.",
	[NF_TPKT_CTR_BYTES] = "TCP payload bytes of the segments on the port set.",
	[NF_TPKT_CTR_TPKTS] = "TPKT headers parsed.",
	[NF_TPKT_CTR_EDITS] = "Bytes rewritten by fix actions, retransmissions included.",
	[NF_TPKT_CTR_DROPS] = "Segments dropped by a drop action, a fail-closed flow table or an edit that could not be made.",
	[NF_TPKT_CTR_DESYNCS] = "Stream directions that lost their TPKT framing.",
	[NF_TPKT_CTR_RESYNCS] = "Stream directions that found their framing again (loose pickup).",
	[NF_TPKT_CTR_OOO] = "Segments that arrived ahead of a gap.",
	[NF_TPKT_CTR_REXMITS] = "Segments carrying data already parsed.",
	[NF_TPKT_CTR_REXMIT_UNFIXED] = "Retransmitted segments passed unedited because the edit history had forgotten a fixed byte.",
	[NF_TPKT_CTR_PICKUPS] = "Stream directions picked up mid-stream (loose pickup).",
	[NF_TPKT_CTR_UNTRACKED] = "Segments passed without parsing (no flow, or a direction not synchronised).",
	[NF_TPKT_CTR_FRAGMENTS] = "IP fragments on the port set, never parsed.",
	[NF_TPKT_CTR_FLOWS_CREATED] = "Flows created.",
	[NF_TPKT_CTR_FLOWS_EXPIRED] = "Flows removed after idle timeout, FIN or RST.",
	[NF_TPKT_CTR_FLOWS_EVICTED] = "Flows removed to make room or by a flush.",
	[NF_TPKT_CTR_FLOWS_REFUSED] = "New connections not tracked because the flow table was full.",
	[NF_TPKT_CTR_EVENTS_SUPPRESSED] = "Anomaly events not sent (rate limit, or no memory).",
	[NF_TPKT_CTR_OOO_HELD] = "Segments held ahead of a gap until it was filled (ooo hold).",
	[NF_TPKT_CTR_OOO_DROPS] = "Segments dropped because they could not be judged yet (ahead of a gap, nothing more could be held, or the gap stayed open).",
	[NF_TPKT_CTR_URGENT] = "Segments with urgent data: counted in monitor, URG cleared in normalize, dropped in enforce.",
	[NF_TPKT_CTR_EDIT_DROPS] = "Segments dropped because a fix could not be written (no memory); the sender retransmits them.",
	[NF_TPKT_CTR_RSTS_IGNORED] = "RSTs the receiver does not take for one (RFC 5961: not at exactly the next sequence number); they close nothing.",
	[NF_TPKT_CTR_BAD_CHECKSUMS] = "Segments with a wrong TCP checksum, which the receiver discards: never parsed, dropped in enforce.",
};
_Static_assert(ARRAY_SIZE(counter_help) == __NF_TPKT_CTR_MAX, "counter help");

void prom_write_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * nf_tpkt_<name>_total for a name from the tables: they are snake_case
 * already, but a character Prometheus does not allow must not slip in.
 */
static void counter_metric_name(char *buf, size_t len, const char *name)
{
	char *p;

	snprintf(buf, len, "nf_tpkt_%s_total", name);
	for (p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * One sample: name{netns="...",k1="v1",...} value.  @kv holds key, value
 * pairs up to a NULL key; @netns and @kv may be NULL.
 */
static void sample(FILE *f, const char *name, const char *netns,
		   const char *const *kv, u64 value)
{
	const char *sep = "{";

	fputs(name, f);
	if (netns) {
		fputs("{netns=\"", f);
		prom_write_label_value(f, netns);
		fputc('"', f);
		sep = ",";
	}
	for (; kv && kv[0]; kv += 2) {
		fprintf(f, "%s%s=\"", sep, kv[0]);
		prom_write_label_value(f, kv[1]);
		fputc('"', f);
		sep = ",";
	}
	fprintf(f, "%s %" PRIu64 "\n", sep[0] == ',' ? "}" : "", value);
}

static const char *name_or(enum tpkt_name_kind k, unsigned int v)
{
	const char *n = tpkt_name(k, v);

	return n ? n : "unknown";
}

/* One family of counters labelled by the names of @kind. */
static void labelled_family(FILE *f, const char *name, const char *help,
			    const char *label, enum tpkt_name_kind kind,
			    const u64 *v, unsigned int n, const char *netns)
{
	unsigned int i;

	family(f, name, "counter", help);
	for (i = 0; i < n; i++) {
		const char *kv[] = { label, name_or(kind, i), NULL };

		sample(f, name, netns, kv, v[i]);
	}
}

int prom_write_stats(FILE *f, const struct tpkt_counts *c, u32 flows_active,
		     const struct prom_policy *p, const char *netns)
{
	unsigned int i;

	for (i = 0; i < __NF_TPKT_CTR_MAX; i++) {
		char name[96];

		counter_metric_name(name, sizeof(name),
				    name_or(TPKT_NAMES_COUNTER, i));
		family(f, name, "counter", counter_help[i]);
		sample(f, name, netns, NULL, c->ctr[i]);
	}
	labelled_family(f, "nf_tpkt_tpdus_total",
			"COTP TPDUs parsed, by TPDU type.", "tpdu",
			TPKT_NAMES_TPDU, c->tpdu, __NF_TPKT_TPDU_MAX, netns);
	labelled_family(f, "nf_tpkt_anomalies_total",
			"Anomalies found, by check (checks whose action is ignore are not counted).",
			"check", TPKT_NAMES_CHECK, c->anomaly,
			__NF_TPKT_CHECK_MAX, netns);
	family(f, "nf_tpkt_flows_active", "gauge", "Flows tracked now.");
	sample(f, "nf_tpkt_flows_active", netns, NULL, flows_active);
	if (p) {
		const char *kv[] = {
			"mode", name_or(TPKT_NAMES_MODE, p->mode),
			"pickup", name_or(TPKT_NAMES_PICKUP, p->pickup),
			"ooo", name_or(TPKT_NAMES_OOO, p->ooo),
			"full", name_or(TPKT_NAMES_FULL, p->full),
			NULL,
		};

		family(f, "nf_tpkt_flows_max", "gauge",
		       "Most flows tracked at once (policy max-flows).");
		sample(f, "nf_tpkt_flows_max", netns, NULL, p->max_flows);
		/* an info metric: the policy in force is in its labels */
		family(f, "nf_tpkt_policy_info", "gauge",
		       "Policy in force, in the labels; the value is always 1.");
		sample(f, "nf_tpkt_policy_info", netns, kv, 1);
	}
	if (fflush(f) || ferror(f))
		return -1;
	return 0;
}
