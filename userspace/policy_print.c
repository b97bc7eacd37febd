// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * One printer for show and save: if they spelled a field differently, one
 * of them would stop round-tripping through set without anyone noticing
 * (tests/userspace/test_policy_print.c parses what this prints).
 */
#include <stdio.h>

#include "names.h"
#include "policy_print.h"

void policy_ports_string(const struct pw_port_range *r, unsigned int n,
			 char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int k;

		if (r[i].lo == r[i].hi)
			k = snprintf(buf + used, len - used, "%s%u",
				     i ? "," : "", r[i].lo);
		else
			k = snprintf(buf + used, len - used, "%s%u-%u",
				     i ? "," : "", r[i].lo, r[i].hi);
		if (k < 0)
			break;
		used += k;
	}
}

void policy_hooks_string(u32 hooks, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < tpkt_name_count(TPKT_NAMES_HOOK) && used < len; i++) {
		int k;

		if (!(hooks & (1U << i)))
			continue;
		k = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     tpkt_name(TPKT_NAMES_HOOK, i));
		if (k < 0)
			break;
		used += k;
	}
}

/* A value with no name would not parse back: say so rather than guess. */
static const char *name_or(enum tpkt_name_kind k, unsigned int v)
{
	const char *n = tpkt_name(k, v);

	return n ? n : "?";
}

int policy_print(FILE *f, const struct policy_words *pw, const char *prefix)
{
	unsigned int g = pw->given, i;
	char buf[256];

	if (g & PW_MODE)
		fprintf(f, "%smode %s\n", prefix,
			name_or(TPKT_NAMES_MODE, pw->mode));
	/* an empty list is no value: set would refuse the line */
	if ((g & PW_PORTS) && pw->n_ports) {
		policy_ports_string(pw->ports, pw->n_ports, buf, sizeof(buf));
		fprintf(f, "%sports %s\n", prefix, buf);
	}
	if ((g & PW_HOOKS) && pw->hooks) {
		policy_hooks_string(pw->hooks, buf, sizeof(buf));
		fprintf(f, "%shooks %s\n", prefix, buf);
	}
	if (g & PW_MAX_FLOWS)
		fprintf(f, "%smax-flows %u\n", prefix, pw->max_flows);
	if (g & PW_TIMEOUT)
		fprintf(f, "%stimeout %u\n", prefix, pw->timeout);
	if (g & PW_FULL)
		fprintf(f, "%sfull %s\n", prefix,
			name_or(TPKT_NAMES_FULL, pw->full));
	if (g & PW_PICKUP)
		fprintf(f, "%spickup %s\n", prefix,
			name_or(TPKT_NAMES_PICKUP, pw->pickup));
	if (g & PW_OOO)
		fprintf(f, "%sooo %s\n", prefix,
			name_or(TPKT_NAMES_OOO, pw->ooo));
	if (g & PW_EVENT_RATE)
		fprintf(f, "%sevent-rate %u\n", prefix, pw->event_rate);
	for (i = 0; (g & PW_CHECKS) && i < __NF_TPKT_CHECK_MAX; i++)
		if (pw->checks_given & (1U << i))
			fprintf(f, "%scheck %s %s\n", prefix,
				name_or(TPKT_NAMES_CHECK, i),
				name_or(TPKT_NAMES_ACTION, pw->action[i]));
	return ferror(f) ? -1 : 0;
}
