// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpktctl verbs over generic netlink: show, set, stats, flows, monitor and
 * batch.  They only build requests, parse replies and print; what the
 * words mean is in policy_words.c, what the names are in kmod/names.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <net/if.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <tpkt/names.h>

#include "event.h"
#include "journal.h"
#include "nl.h"
#include "policy_print.h"
#include "policy_words.h"
#include "prometheus.h"
#include "util.h"
#include "verbs.h"

const char verb_show_usage[] = "show";
const char verb_set_usage[] = "set POLICY-WORDS...";
const char verb_stats_usage[] =
	"stats [reset] [-a|--all] [-o text|json|prometheus]";
const char verb_flows_usage[] = "flows [flush]";
const char verb_monitor_usage[] =
	"monitor [-t|--timestamp] [-o text|json|journal] [-w|--wait]";
const char verb_batch_usage[] = "batch [-c|--check] FILE";
const char verb_save_usage[] = "save";

/* ---- replies -------------------------------------------------------- */

/* What GET_POLICY said, with given bits for the attributes it held. */
struct policy_reply {
	bool ok;
	struct policy_words pw;
};

struct stats_reply {
	bool ok;
	struct tpkt_counts c;
	u32 flows_active;
};

static int parse_policy(struct nlattr **tb, void *arg)
{
	struct policy_reply *p = arg;
	struct policy_words *pw = &p->pw;
	struct nlattr *a;
	int rem;

	if (!tb[NF_TPKT_A_POLICY_MODE] || !tb[NF_TPKT_A_POLICY_HOOKS])
		return -EPROTO;
	pw_init(pw);
#define GET(attr, bit, field, get)				\
	do {							\
		if (tb[attr]) {					\
			pw->field = get(tb[attr]);		\
			pw->given |= (bit);			\
		}						\
	} while (0)
	GET(NF_TPKT_A_POLICY_MODE, PW_MODE, mode, nla_get_u8);
	GET(NF_TPKT_A_POLICY_HOOKS, PW_HOOKS, hooks, nla_get_u32);
	GET(NF_TPKT_A_POLICY_MAX_FLOWS, PW_MAX_FLOWS, max_flows, nla_get_u32);
	GET(NF_TPKT_A_POLICY_TIMEOUT, PW_TIMEOUT, timeout, nla_get_u32);
	GET(NF_TPKT_A_POLICY_FULL, PW_FULL, full, nla_get_u8);
	GET(NF_TPKT_A_POLICY_PICKUP, PW_PICKUP, pickup, nla_get_u8);
	GET(NF_TPKT_A_POLICY_OOO, PW_OOO, ooo, nla_get_u8);
	GET(NF_TPKT_A_POLICY_EVENT_RATE, PW_EVENT_RATE, event_rate,
	    nla_get_u32);
#undef GET
	if (tb[NF_TPKT_A_POLICY_ACTIONS])
		nla_for_each_nested(a, tb[NF_TPKT_A_POLICY_ACTIONS], rem) {
			int i = nla_type(a) - 1;

			if (i >= 0 && i < __NF_TPKT_CHECK_MAX) {
				pw->action[i] = nla_get_u8(a);
				pw->checks_given |= 1U << i;
				pw->given |= PW_CHECKS;
			}
		}
	if (tb[NF_TPKT_A_POLICY_PORTS]) {
		nla_for_each_nested(a, tb[NF_TPKT_A_POLICY_PORTS], rem) {
			u32 v = nla_get_u32(a);

			if (pw->n_ports == PW_MAX_PORT_RANGES)
				break;
			pw->ports[pw->n_ports].lo = v >> 16;
			pw->ports[pw->n_ports].hi = v & 0xffff;
			pw->n_ports++;
		}
		pw->given |= PW_PORTS;
	}
	p->ok = true;
	return 0;
}

static void get_u64_array(const struct nlattr *nest, u64 *v, unsigned int n)
{
	struct nlattr *a;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		unsigned int i = nla_type(a) - 1;

		if (i < n)
			v[i] = nla_get_u64(a);
	}
}

static int parse_stats(struct nlattr **tb, void *arg)
{
	struct stats_reply *s = arg;

	if (!tb[NF_TPKT_A_STATS_COUNTERS])
		return -EPROTO;
	get_u64_array(tb[NF_TPKT_A_STATS_COUNTERS], s->c.ctr, __NF_TPKT_CTR_MAX);
	get_u64_array(tb[NF_TPKT_A_STATS_TPDUS], s->c.tpdu, __NF_TPKT_TPDU_MAX);
	get_u64_array(tb[NF_TPKT_A_STATS_ANOMALIES], s->c.anomaly,
		      __NF_TPKT_CHECK_MAX);
	if (tb[NF_TPKT_A_STATS_FLOWS_ACTIVE])
		s->flows_active = nla_get_u32(tb[NF_TPKT_A_STATS_FLOWS_ACTIVE]);
	s->ok = true;
	return 0;
}

/* ---- common --------------------------------------------------------- */

static int open_nl(const struct tpktctl_opts *o, struct tnl *t)
{
	if (o->netns && tnl_enter_netns(o->netns))
		return -1;
	return tnl_open(t);
}

static int no_args(const char *verb, const char *usage, int argc, char **argv)
{
	if (argc > 0) {
		tpktctl_err("%s: unexpected word \"%s\" (usage: tpktctl %s)",
			    verb, argv[0], usage);
		return -1;
	}
	return 0;
}

/*
 * "-o FORMAT" or "--output FORMAT" at argv[*i] (moved past FORMAT): the
 * index of FORMAT among the @n @formats into *@fmt.  @formats[1] is
 * "json", which -j means too; -j with another format asks for two
 * things.  0, or -1 with the message said.
 */
static int output_arg(const struct tpktctl_opts *o, const char *verb,
		      int argc, char **argv, int *i,
		      const char *const *formats, unsigned int n, int *fmt)
{
	const char *opt = argv[*i];
	char list[128];
	unsigned int k;

	word_candidates("", formats, n, list, sizeof(list));
	if (*i + 1 == argc) {
		tpktctl_err("%s: missing value for %s: expected %s", verb, opt,
			    list);
		return -1;
	}
	opt = argv[++*i];
	for (k = 0; k < n; k++)
		if (!strcmp(opt, formats[k]))
			break;
	if (k == n) {
		tpktctl_err("%s: unknown output format \"%s\": expected %s",
			    verb, opt, list);
		return -1;
	}
	if (o->json && k != 1) {
		tpktctl_err("%s: -j and -o %s contradict each other", verb, opt);
		return -1;
	}
	*fmt = k;
	return 0;
}

static bool is_output_opt(const char *a)
{
	return !strcmp(a, "-o") || !strcmp(a, "--output");
}

/* One document: on one line, as ip -j prints it, or indented with -p. */
static void print_json(const struct tpktctl_opts *o, json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= o->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}

static const char *name_or(enum tpkt_name_kind k, unsigned int v)
{
	const char *n = tpkt_name(k, v);

	return n ? n : "?";
}

static json_object *policy_json(const struct policy_reply *p)
{
	const struct policy_words *pw = &p->pw;
	json_object *o = json_object_new_object(), *checks;
	char buf[256];
	unsigned int i;

	json_object_object_add(o, "mode",
		json_object_new_string(name_or(TPKT_NAMES_MODE, pw->mode)));
	policy_ports_string(pw->ports, pw->n_ports, buf, sizeof(buf));
	json_object_object_add(o, "ports", json_object_new_string(buf));
	policy_hooks_string(pw->hooks, buf, sizeof(buf));
	json_object_object_add(o, "hooks", json_object_new_string(buf));
	json_object_object_add(o, "max_flows",
			       json_object_new_int64(pw->max_flows));
	json_object_object_add(o, "timeout", json_object_new_int64(pw->timeout));
	json_object_object_add(o, "full",
		json_object_new_string(name_or(TPKT_NAMES_FULL, pw->full)));
	json_object_object_add(o, "pickup",
		json_object_new_string(name_or(TPKT_NAMES_PICKUP, pw->pickup)));
	json_object_object_add(o, "ooo",
		json_object_new_string(name_or(TPKT_NAMES_OOO, pw->ooo)));
	json_object_object_add(o, "event_rate",
			       json_object_new_int64(pw->event_rate));
	checks = json_object_new_object();
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		json_object_object_add(checks, tpkt_name(TPKT_NAMES_CHECK, i),
			json_object_new_string(name_or(TPKT_NAMES_ACTION,
						       pw->action[i])));
	json_object_object_add(o, "checks", checks);
	return o;
}

static json_object *u64_map(enum tpkt_name_kind k, const u64 *v,
			    unsigned int n)
{
	json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_object_add(o, tpkt_name(k, i),
				       json_object_new_int64((int64_t)v[i]));
	return o;
}

static json_object *stats_json(const struct stats_reply *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "counters",
		u64_map(TPKT_NAMES_COUNTER, s->c.ctr, __NF_TPKT_CTR_MAX));
	json_object_object_add(o, "tpdus",
		u64_map(TPKT_NAMES_TPDU, s->c.tpdu, __NF_TPKT_TPDU_MAX));
	json_object_object_add(o, "anomalies",
		u64_map(TPKT_NAMES_CHECK, s->c.anomaly, __NF_TPKT_CHECK_MAX));
	json_object_object_add(o, "flows_active",
			       json_object_new_int64(s->flows_active));
	return o;
}

static void print_nonzero(const char *title, enum tpkt_name_kind k,
			  const u64 *v, unsigned int n)
{
	unsigned int i, shown = 0;

	printf("%s:", title);
	for (i = 0; i < n; i++)
		if (v[i])
			printf(" %s %" PRIu64, tpkt_name(k, i), v[i]), shown++;
	printf("%s\n", shown ? "" : " none");
}

/* ---- show ----------------------------------------------------------- */

int verb_show(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct policy_reply p = {};
	struct stats_reply s = {};
	struct tnl t;
	const u64 *c = s.c.ctr;

	if (no_args("show", verb_show_usage, argc, argv))
		return TPKTCTL_EXIT_USAGE;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	if (tnl_request(&t, NF_TPKT_CMD_GET_POLICY, 0, NULL, NULL,
			parse_policy, &p) || !p.ok) {
		tnl_perror(&t, "show");
		goto fail;
	}
	if (tnl_request(&t, NF_TPKT_CMD_GET_STATS, 0, NULL, NULL,
			parse_stats, &s) || !s.ok) {
		tnl_perror(&t, "show");
		goto fail;
	}
	tnl_close(&t);
	if (o->json) {
		json_object *obj = json_object_new_object();

		json_object_object_add(obj, "policy", policy_json(&p));
		json_object_object_add(obj, "stats", stats_json(&s));
		print_json(o, obj);
		return TPKTCTL_EXIT_OK;
	}
	/* the policy in set's words, so that it can be given back to set */
	policy_print(stdout, &p.pw, "");
	printf("flows: %u active, %" PRIu64 " created, %" PRIu64 " expired, %"
	       PRIu64 " evicted, %" PRIu64 " refused\n", s.flows_active,
	       c[NF_TPKT_CTR_FLOWS_CREATED], c[NF_TPKT_CTR_FLOWS_EXPIRED],
	       c[NF_TPKT_CTR_FLOWS_EVICTED], c[NF_TPKT_CTR_FLOWS_REFUSED]);
	printf("traffic: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64
	       " TPKTs, %" PRIu64 " edits, %" PRIu64 " drops, %" PRIu64
	       " desyncs\n", c[NF_TPKT_CTR_PACKETS], c[NF_TPKT_CTR_BYTES],
	       c[NF_TPKT_CTR_TPKTS], c[NF_TPKT_CTR_EDITS],
	       c[NF_TPKT_CTR_DROPS], c[NF_TPKT_CTR_DESYNCS]);
	print_nonzero("anomalies", TPKT_NAMES_CHECK, s.c.anomaly,
		      __NF_TPKT_CHECK_MAX);
	return TPKTCTL_EXIT_OK;
fail:
	tnl_close(&t);
	return TPKTCTL_EXIT_RUNTIME;
}

/* ---- set ------------------------------------------------------------ */

/* Where each attribute of a batch's combined request came from. */
struct origin {
	unsigned int n;
	struct {
		int off;
		int line;
	} at[64];
	/* line of each field and check in the batch, 0 when not a batch */
	int field_line[16];
	int check_line[__NF_TPKT_CHECK_MAX];
};

struct set_req {
	const struct policy_words *pw;
	struct origin *org;
};

static void note(struct set_req *r, struct nl_msg *msg, int line)
{
	struct origin *org = r->org;

	if (org && org->n < sizeof(org->at) / sizeof(org->at[0])) {
		org->at[org->n].off = nlmsg_hdr(msg)->nlmsg_len;
		org->at[org->n].line = line;
		org->n++;
	}
}

static int field_line(const struct set_req *r, unsigned int bit)
{
	return r->org ? r->org->field_line[__builtin_ctz(bit)] : 0;
}

static int build_set(struct nl_msg *msg, void *arg)
{
	struct set_req *r = arg;
	const struct policy_words *pw = r->pw;
	struct nlattr *nest;
	unsigned int i;

#define PUT(bit, put)						\
	do {							\
		if (pw->given & (bit)) {			\
			note(r, msg, field_line(r, bit));	\
			if ((put) < 0)				\
				return -1;			\
		}						\
	} while (0)

	PUT(PW_MODE, nla_put_u8(msg, NF_TPKT_A_POLICY_MODE, pw->mode));
	PUT(PW_HOOKS, nla_put_u32(msg, NF_TPKT_A_POLICY_HOOKS, pw->hooks));
	PUT(PW_MAX_FLOWS, nla_put_u32(msg, NF_TPKT_A_POLICY_MAX_FLOWS,
				      pw->max_flows));
	PUT(PW_TIMEOUT, nla_put_u32(msg, NF_TPKT_A_POLICY_TIMEOUT, pw->timeout));
	PUT(PW_FULL, nla_put_u8(msg, NF_TPKT_A_POLICY_FULL, pw->full));
	PUT(PW_PICKUP, nla_put_u8(msg, NF_TPKT_A_POLICY_PICKUP, pw->pickup));
	PUT(PW_OOO, nla_put_u8(msg, NF_TPKT_A_POLICY_OOO, pw->ooo));
	PUT(PW_EVENT_RATE, nla_put_u32(msg, NF_TPKT_A_POLICY_EVENT_RATE,
				       pw->event_rate));
#undef PUT
	if (pw->given & PW_CHECKS) {
		nest = nla_nest_start(msg, NF_TPKT_A_POLICY_ACTIONS);
		if (!nest)
			return -1;
		for (i = 0; i < __NF_TPKT_CHECK_MAX; i++) {
			if (!(pw->checks_given & (1U << i)))
				continue;
			note(r, msg, r->org ? r->org->check_line[i] : 0);
			if (nla_put_u8(msg, i + 1, pw->action[i]) < 0)
				return -1;
		}
		nla_nest_end(msg, nest);
	}
	if (pw->given & PW_PORTS) {
		note(r, msg, field_line(r, PW_PORTS));
		nest = nla_nest_start(msg, NF_TPKT_A_POLICY_PORTS);
		if (!nest)
			return -1;
		for (i = 0; i < pw->n_ports; i++)
			if (nla_put_u32(msg, NF_TPKT_A_PORTS_RANGE,
					(u32)pw->ports[i].lo << 16 |
					pw->ports[i].hi) < 0)
				return -1;
		nla_nest_end(msg, nest);
	}
	return 0;
}

/* The batch line that set the attribute the kernel complained about. */
static int origin_line(const struct origin *org, int off)
{
	int line = 0;
	unsigned int i;

	for (i = 0; org && off >= 0 && i < org->n; i++)
		if (org->at[i].off <= off)
			line = org->at[i].line;
	return line;
}

static int send_set(struct tnl *t, const struct policy_words *pw,
		    struct origin *org, const char *file)
{
	struct set_req r = { .pw = pw, .org = org };
	int line;

	if (!tnl_request(t, NF_TPKT_CMD_SET_POLICY, 0, build_set, &r, NULL,
			 NULL))
		return 0;
	line = origin_line(org, t->bad_attr_off);
	if (file && line) {
		char what[300];

		snprintf(what, sizeof(what), "%s:%d", file, line);
		tnl_perror(t, what);
	} else {
		tnl_perror(t, file ? file : "set");
	}
	return -1;
}

int verb_set(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct policy_words pw;
	struct tnl t;
	int err;

	pw_init(&pw);
	if (argc == 0) {
		tpktctl_err("set: nothing to set (usage: tpktctl %s; words: %s)",
			    verb_set_usage, pw_word_list);
		return TPKTCTL_EXIT_USAGE;
	}
	if (pw_parse(&pw, argc, argv))
		return TPKTCTL_EXIT_USAGE;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	err = send_set(&t, &pw, NULL, NULL);
	tnl_close(&t);
	return err ? TPKTCTL_EXIT_RUNTIME : TPKTCTL_EXIT_OK;
}

/* ---- stats ---------------------------------------------------------- */

static int build_reset(struct nl_msg *msg, void *arg)
{
	return nla_put_flag(msg, NF_TPKT_A_STATS_RESET);
}

static int stats_request(struct tnl *t, bool reset, struct stats_reply *s)
{
	if (tnl_request(t, NF_TPKT_CMD_GET_STATS, 0, reset ? build_reset : NULL,
			NULL, parse_stats, s) || !s->ok) {
		tnl_perror(t, reset ? "stats reset" : "stats");
		return -1;
	}
	return 0;
}

enum stats_format { STATS_TEXT, STATS_JSON, STATS_PROMETHEUS };

/* "reset", "-a" and "-o FORMAT" (or "--output FORMAT"), in any order. */
static int stats_args(const struct tpktctl_opts *o, int argc, char **argv,
		      bool *reset, bool *all, enum stats_format *fmt)
{
	static const char *const formats[] = { "text", "json", "prometheus" };
	bool fmt_given = false;
	int i, k;

	*fmt = o->json ? STATS_JSON : STATS_TEXT;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "reset") && !*reset) {
			*reset = true;
			continue;
		}
		if ((!strcmp(a, "-a") || !strcmp(a, "--all")) && !*all) {
			*all = true;
			continue;
		}
		if (!is_output_opt(a) || fmt_given) {
			tpktctl_err("stats: unexpected word \"%s\" (usage: "
				    "tpktctl %s)", a, verb_stats_usage);
			return -1;
		}
		if (output_arg(o, "stats", argc, argv, &i, formats,
			       sizeof(formats) / sizeof(formats[0]), &k))
			return -1;
		*fmt = k;
		fmt_given = true;
	}
	return 0;
}

/*
 * The textfile collector reads whatever file is there: a failed write
 * must fail the command, so that "tpktctl ... > f.tmp && mv f.tmp f.prom"
 * never publishes half an exposition.
 */
static int stats_prometheus(const struct tpktctl_opts *o,
			    const struct policy_reply *p,
			    const struct stats_reply *s)
{
	const struct prom_policy pp = {
		.mode = p->pw.mode, .pickup = p->pw.pickup, .ooo = p->pw.ooo,
		.full = p->pw.full, .max_flows = p->pw.max_flows,
	};

	if (prom_write_stats(stdout, &s->c, s->flows_active, &pp, o->netns)) {
		tpktctl_err("stats: cannot write the output: %s",
			    strerror(errno));
		return TPKTCTL_EXIT_RUNTIME;
	}
	return TPKTCTL_EXIT_OK;
}

struct stats_row {
	char name[48];
	u64 value;
};

/*
 * One counter a line, the name padded and the value right aligned; only
 * those that are not 0 unless @all, so that what happened stands out.
 */
static void stats_text(const struct stats_reply *s, bool all)
{
	struct stats_row rows[__NF_TPKT_CTR_MAX + 1 + __NF_TPKT_TPDU_MAX +
			      __NF_TPKT_CHECK_MAX];
	unsigned int i, n = 0;
	int wname = 0, wval = 0;

#define ROW(v, ...)							\
	do {								\
		if ((v) || all) {					\
			snprintf(rows[n].name, sizeof(rows[n].name),	\
				 __VA_ARGS__);				\
			rows[n++].value = (v);				\
		}							\
	} while (0)
	for (i = 0; i < __NF_TPKT_CTR_MAX; i++)
		ROW(s->c.ctr[i], "%s", tpkt_name(TPKT_NAMES_COUNTER, i));
	ROW(s->flows_active, "flows_active");
	for (i = 0; i < __NF_TPKT_TPDU_MAX; i++)
		ROW(s->c.tpdu[i], "tpdu %s", tpkt_name(TPKT_NAMES_TPDU, i));
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		ROW(s->c.anomaly[i], "anomaly %s",
		    tpkt_name(TPKT_NAMES_CHECK, i));
#undef ROW
	for (i = 0; i < n; i++) {
		char num[24];
		int w = snprintf(num, sizeof(num), "%" PRIu64, rows[i].value);
		int l = strlen(rows[i].name);

		wval = w > wval ? w : wval;
		wname = l > wname ? l : wname;
	}
	for (i = 0; i < n; i++)
		printf("%-*s  %*" PRIu64 "\n", wname, rows[i].name, wval,
		       rows[i].value);
}

int verb_stats(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct policy_reply p = {};
	struct stats_reply s = {};
	enum stats_format fmt;
	bool reset = false, all = false;
	struct tnl t;

	if (stats_args(o, argc, argv, &reset, &all, &fmt))
		return TPKTCTL_EXIT_USAGE;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	/* the policy first: a failure must not have reset the counters */
	if (fmt == STATS_PROMETHEUS &&
	    (tnl_request(&t, NF_TPKT_CMD_GET_POLICY, 0, NULL, NULL,
			 parse_policy, &p) || !p.ok)) {
		tnl_perror(&t, "stats");
		tnl_close(&t);
		return TPKTCTL_EXIT_RUNTIME;
	}
	if (stats_request(&t, reset, &s)) {
		tnl_close(&t);
		return TPKTCTL_EXIT_RUNTIME;
	}
	tnl_close(&t);
	if (fmt == STATS_PROMETHEUS)
		return stats_prometheus(o, &p, &s);
	if (fmt == STATS_JSON) {
		print_json(o, stats_json(&s));
		return TPKTCTL_EXIT_OK;
	}
	if (reset)
		printf("counters reset; values before the reset:\n");
	stats_text(&s, all);
	return TPKTCTL_EXIT_OK;
}

/* ---- flows ---------------------------------------------------------- */

static void endpoint(char *buf, size_t len, u8 family, const struct nlattr *a,
		     u16 port)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a && nla_len(a) == (family == AF_INET ? 4 : 16))
		inet_ntop(family, nla_data(a), ip, sizeof(ip));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void endpoints(char *src, char *dst, size_t len, struct nlattr **tb,
		      int base)
{
	u8 family = tb[base] ? nla_get_u8(tb[base]) : AF_INET;
	u16 sport = tb[base + 3] ? nla_get_u16(tb[base + 3]) : 0;
	u16 dport = tb[base + 4] ? nla_get_u16(tb[base + 4]) : 0;

	endpoint(src, len, family, tb[base + 1], sport);
	endpoint(dst, len, family, tb[base + 2], dport);
}

struct flows_ctx {
	const struct tpktctl_opts *o;
	json_object *arr;
	unsigned int n;
};

static int print_flow(struct nlattr **top, void *arg)
{
	struct flows_ctx *fc = arg;
	struct nlattr *tb[NF_TPKT_A_FLOW_MAX + 1], *d;
	char src[64], dst[64];
	json_object *jf = NULL, *jdirs = NULL;
	int rem, nd = 0;

	if (!top[NF_TPKT_A_FLOW] ||
	    nla_parse_nested(tb, NF_TPKT_A_FLOW_MAX, top[NF_TPKT_A_FLOW], NULL))
		return -EPROTO;
	endpoints(src, dst, sizeof(src), tb, NF_TPKT_A_FLOW_FAMILY);
	fc->n++;
	if (fc->o->json) {
		jf = json_object_new_object();
		jdirs = json_object_new_array();
		json_object_object_add(jf, "src", json_object_new_string(src));
		json_object_object_add(jf, "dst", json_object_new_string(dst));
		json_object_object_add(jf, "age_ms", json_object_new_int64(
			tb[NF_TPKT_A_FLOW_AGE_MS] ?
			nla_get_u32(tb[NF_TPKT_A_FLOW_AGE_MS]) : 0));
		json_object_object_add(jf, "idle_ms", json_object_new_int64(
			tb[NF_TPKT_A_FLOW_IDLE_MS] ?
			nla_get_u32(tb[NF_TPKT_A_FLOW_IDLE_MS]) : 0));
	} else {
		printf("%s > %s age %.1fs idle %.1fs", src, dst,
		       tb[NF_TPKT_A_FLOW_AGE_MS] ?
		       nla_get_u32(tb[NF_TPKT_A_FLOW_AGE_MS]) / 1000.0 : 0,
		       tb[NF_TPKT_A_FLOW_IDLE_MS] ?
		       nla_get_u32(tb[NF_TPKT_A_FLOW_IDLE_MS]) / 1000.0 : 0);
	}
	if (tb[NF_TPKT_A_FLOW_CLASS]) {
		u8 cls = nla_get_u8(tb[NF_TPKT_A_FLOW_CLASS]);
		u32 max = tb[NF_TPKT_A_FLOW_MAX_TPDU] ?
			  nla_get_u32(tb[NF_TPKT_A_FLOW_MAX_TPDU]) : 0;

		/* "class" is an anomaly class in events; unknown is null */
		if (jf) {
			json_object_object_add(jf, "cotp_class", cls == 255 ?
					       NULL : json_object_new_int(cls));
			json_object_object_add(jf, "max_tpdu", !max ? NULL :
					       json_object_new_int64(max));
		} else if (cls != 255) {
			printf(" class %u max-tpdu %u", cls, max);
		}
	}
	nla_for_each_nested(d, (struct nlattr *)top[NF_TPKT_A_FLOW], rem) {
		struct nlattr *db[NF_TPKT_A_DIR_MAX + 1];
		u32 v[NF_TPKT_A_DIR_MAX + 1] = {};
		int i;

		if (nla_type(d) != NF_TPKT_A_FLOW_DIR ||
		    nla_parse_nested(db, NF_TPKT_A_DIR_MAX, d, NULL))
			continue;
		for (i = NF_TPKT_A_DIR_PACKETS; i <= NF_TPKT_A_DIR_MAX; i++)
			v[i] = db[i] ? nla_get_u32(db[i]) : 0;
		v[NF_TPKT_A_DIR_STATE] = db[NF_TPKT_A_DIR_STATE] ?
					 nla_get_u8(db[NF_TPKT_A_DIR_STATE]) : 0;
		if (jf) {
			json_object *jd = json_object_new_object();

			json_object_object_add(jd, "state", json_object_new_string(
				name_or(TPKT_NAMES_DIR_STATE, v[NF_TPKT_A_DIR_STATE])));
			json_object_object_add(jd, "packets",
				json_object_new_int64(v[NF_TPKT_A_DIR_PACKETS]));
			json_object_object_add(jd, "stream_bytes",
				json_object_new_int64(v[NF_TPKT_A_DIR_STREAM_BYTES]));
			json_object_object_add(jd, "anomalies",
				json_object_new_int64(v[NF_TPKT_A_DIR_ANOMALIES]));
			json_object_object_add(jd, "edits",
				json_object_new_int64(v[NF_TPKT_A_DIR_EDITS]));
			json_object_array_add(jdirs, jd);
		} else {
			printf("\n    %s %s packets %u bytes %u anomalies %u edits %u",
			       nd ? "<" : ">",
			       name_or(TPKT_NAMES_DIR_STATE, v[NF_TPKT_A_DIR_STATE]),
			       v[NF_TPKT_A_DIR_PACKETS],
			       v[NF_TPKT_A_DIR_STREAM_BYTES],
			       v[NF_TPKT_A_DIR_ANOMALIES], v[NF_TPKT_A_DIR_EDITS]);
		}
		nd++;
	}
	if (jf) {
		json_object_object_add(jf, "directions", jdirs);
		json_object_array_add(fc->arr, jf);
	} else {
		printf("\n");
	}
	return 0;
}

int verb_flows(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct flows_ctx fc = { .o = o };
	bool flush = false;
	struct tnl t;

	if (argc > 0 && !strcmp(argv[0], "flush")) {
		flush = true;
		argc--, argv++;
	}
	if (no_args("flows", verb_flows_usage, argc, argv))
		return TPKTCTL_EXIT_USAGE;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	if (flush) {
		if (tnl_request(&t, NF_TPKT_CMD_FLUSH_FLOWS, 0, NULL, NULL,
				NULL, NULL)) {
			tnl_perror(&t, "flows flush");
			tnl_close(&t);
			return TPKTCTL_EXIT_RUNTIME;
		}
		tnl_close(&t);
		return TPKTCTL_EXIT_OK;
	}
	if (o->json)
		fc.arr = json_object_new_array();
	if (tnl_request(&t, NF_TPKT_CMD_GET_FLOWS, NLM_F_DUMP, NULL, NULL,
			print_flow, &fc)) {
		tnl_perror(&t, "flows");
		tnl_close(&t);
		json_object_put(fc.arr);
		return TPKTCTL_EXIT_RUNTIME;
	}
	tnl_close(&t);
	if (o->json)
		print_json(o, fc.arr);
	return TPKTCTL_EXIT_OK;
}

/* ---- monitor -------------------------------------------------------- */

static void on_sigint(int sig)
{
	/* stdout is line buffered, journal entries are sent whole */
	_exit(TPKTCTL_EXIT_OK);
}

enum monitor_format { MON_TEXT, MON_JSON, MON_JOURNAL };

struct monitor_ctx {
	const struct tpktctl_opts *o;
	enum monitor_format fmt;
	bool show_time;
	bool wait;		/* --wait: for the module, again and again */
	struct tnl req;		/* lookups and GET_STATS */
	struct tnl_events ev;
	bool has_netns;
	unsigned int netns;	/* ours, for notices */
	bool journal_failing;	/* said once, until a send works again */
	/* events_suppressed as last read, and when */
	bool have_suppressed;
	u64 suppressed;
	struct timespec suppressed_at;
	bool events_since;	/* an event came since it was read */
	bool trailing;		/* read after events: once more a second on */
};

static unsigned int attr_u32(struct nlattr **tb, int type, bool *has)
{
	*has = tb[type];
	return *has ? nla_get_u32(tb[type]) : 0;
}

/* A kernel event as event.h has it; false if it is not one. */
static bool event_from_nl(struct tpktctl_event *e, struct nlattr **top,
			  char *dev, size_t dev_len)
{
	struct nlattr *tb[NF_TPKT_A_EVENT_MAX + 1], *a;
	u8 check = 255, tpdu = TPKT_TPDU_NONE;
	u64 ns;

	memset(e, 0, sizeof(*e));
	if (!top[NF_TPKT_A_EVENT] ||
	    nla_parse_nested(tb, NF_TPKT_A_EVENT_MAX, top[NF_TPKT_A_EVENT], NULL))
		return false;
	endpoints(e->src, e->dst, sizeof(e->src), tb, NF_TPKT_A_EVENT_FAMILY);
	if (tb[NF_TPKT_A_EVENT_CHECK])
		check = nla_get_u8(tb[NF_TPKT_A_EVENT_CHECK]);
	e->check = name_or(TPKT_NAMES_CHECK, check);
	e->action = name_or(TPKT_NAMES_ACTION, tb[NF_TPKT_A_EVENT_ACTION] ?
			    nla_get_u8(tb[NF_TPKT_A_EVENT_ACTION]) : 255);
	if (tb[NF_TPKT_A_EVENT_TPDU])
		tpdu = nla_get_u8(tb[NF_TPKT_A_EVENT_TPDU]);
	e->tpdu = tpdu == TPKT_TPDU_NONE ? NULL : name_or(TPKT_NAMES_TPDU, tpdu);
	e->offset = attr_u32(tb, NF_TPKT_A_EVENT_OFFSET, &e->has_offset);
	e->tpkt_offset = attr_u32(tb, NF_TPKT_A_EVENT_TPKT_OFFSET,
				  &e->has_tpkt_offset);
	/* a desynchronised stream has no TPKT to point at, as in inspect */
	if (check == NF_TPKT_CHECK_DESYNC)
		e->has_tpkt_offset = false;
	e->value = attr_u32(tb, NF_TPKT_A_EVENT_VALUE, &e->has_value);
	a = tb[NF_TPKT_A_EVENT_ORIG];
	if (a) {
		e->orig_len = nla_len(a) < (int)sizeof(e->orig) ?
			      (unsigned int)nla_len(a) : sizeof(e->orig);
		memcpy(e->orig, nla_data(a), e->orig_len);
	}
	/* older modules send no time: then it is when we got it */
	if (tb[NF_TPKT_A_EVENT_TIME]) {
		ns = nla_get_u64(tb[NF_TPKT_A_EVENT_TIME]);
		e->time.tv_sec = ns / 1000000000;
		e->time.tv_nsec = ns % 1000000000;
	} else {
		clock_gettime(CLOCK_REALTIME, &e->time);
	}
	e->has_time = true;
	e->netns = attr_u32(tb, NF_TPKT_A_EVENT_NETNS, &e->has_netns);
	if (tb[NF_TPKT_A_EVENT_HOOK])
		e->hook = event_hook_name(nla_get_u8(tb[NF_TPKT_A_EVENT_HOOK]));
	if (tb[NF_TPKT_A_EVENT_IFNAME]) {
		snprintf(dev, dev_len, "%.*s", nla_len(tb[NF_TPKT_A_EVENT_IFNAME]),
			 (const char *)nla_data(tb[NF_TPKT_A_EVENT_IFNAME]));
		e->dev = dev;
	}
	return true;
}

/* Hand @j to the journal; a failure is said once, not per event. */
static void monitor_journal(struct monitor_ctx *m, struct journal_entry *j)
{
	int err = journal_send(j);

	if (err && !m->journal_failing)
		tpktctl_err("monitor: cannot write to the journal: %s",
			    strerror(-err));
	m->journal_failing = err;
}

static int print_event(struct nlattr **top, void *arg)
{
	struct monitor_ctx *m = arg;
	struct journal_entry j;
	struct tpktctl_event e;
	char dev[IF_NAMESIZE + 1];
	json_object *o;

	if (!event_from_nl(&e, top, dev, sizeof(dev)))
		return 0;
	m->events_since = true;
	switch (m->fmt) {
	case MON_TEXT:
		event_print_text(stdout, &e, m->show_time);
		break;
	case MON_JSON:
		/* JSON Lines: one object a line (indented with -p) */
		o = event_json(&e);
		if (!o) {
			tpktctl_err("monitor: out of memory");
			break;
		}
		print_json(m->o, o);
		break;
	case MON_JOURNAL:
		journal_event(&j, &e);
		monitor_journal(m, &j);
		break;
	}
	return 0;
}

/* To the journal with -o journal, else on standard error. */
static void monitor_notice(struct monitor_ctx *m, enum event_notice_kind kind,
			   unsigned long long count)
{
	struct event_notice n = {
		.kind = kind, .count = count, .wait = m->wait,
		.has_netns = m->has_netns, .netns = m->netns,
	};
	struct journal_entry j;
	char text[256];

	if (m->fmt == MON_JOURNAL) {
		journal_notice(&j, &n);
		monitor_journal(m, &j);
	} else if (kind != EVENT_NOTICE_LOADED) {
		/* "monitoring nf_tpkt events" says that one here */
		tpktctl_err("monitor: %s", event_notice_text(&n, text,
							     sizeof(text)));
	}
}

/* The events_suppressed counter, or false if it cannot be read. */
static bool read_suppressed(struct monitor_ctx *m, u64 *v)
{
	struct stats_reply s = {};

	if (tnl_request(&m->req, NF_TPKT_CMD_GET_STATS, 0, NULL, NULL,
			parse_stats, &s) || !s.ok)
		return false;
	*v = s.c.ctr[NF_TPKT_CTR_EVENTS_SUPPRESSED];
	return true;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * The kernel sends no word of the events it suppresses; its counter
 * says how many.  It is read at most once a second, and only after
 * events, so an idle monitor sleeps; once more a second after a read
 * that events caused, since a burst's suppressed events come after the
 * last one let through.  A counter lower than before was reset (stats
 * reset): all of it is new.  Counted are the namespace's suppressions,
 * whichever monitor they were kept from.
 */
static void check_suppressed(struct monitor_ctx *m, bool base)
{
	u64 v;

	if (!read_suppressed(m, &v)) {
		m->have_suppressed = false;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &m->suppressed_at);
	m->trailing = !base && m->events_since;
	m->events_since = false;
	if (!base && m->have_suppressed && v != m->suppressed &&
	    (v > m->suppressed || v))
		monitor_notice(m, EVENT_NOTICE_SUPPRESSED,
			       v > m->suppressed ? v - m->suppressed : v);
	m->suppressed = v;
	m->have_suppressed = true;
}

/* How long the next read may wait for: a pending counter check, or ever. */
static int monitor_timeout(struct monitor_ctx *m)
{
	long left;

	if ((!m->events_since && !m->trailing) || !m->have_suppressed)
		return -1;
	left = 1000 - ms_since(&m->suppressed_at);
	return left > 0 ? (int)left : 0;
}

/*
 * The module's events group joined; 0, -ENOENT (gone meanwhile), -1.
 * @fresh: not joined before, so what was suppressed until now is not news.
 */
static int monitor_join(struct monitor_ctx *m, bool fresh)
{
	int err = tnl_resolve(&m->req);

	if (!err)
		err = tnl_events_join(&m->ev, &m->req);
	if (!err && fresh)
		check_suppressed(m, true);
	return err;
}

static void notify_systemd(const char *status)
{
	/* Type=notify: ready once it listens, whether or not to events */
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/* The module went away: said; -1 if that ends the monitor (no --wait). */
static int monitor_gone(struct monitor_ctx *m)
{
	m->ev.family = 0;
	m->have_suppressed = m->events_since = m->trailing = false;
	monitor_notice(m, EVENT_NOTICE_UNLOADED, 0);
	if (!m->wait)
		return -1;
	notify_systemd("waiting for nf_tpkt");
	return 0;
}

/*
 * Events until interrupted.  The module's family coming and going is
 * seen on nlctrl's notify group (the socket just falls silent when the
 * module goes): without --wait that ends the monitor, with it the
 * monitor says so and joins again when the module is back, all of it
 * blocked in poll().  A receive buffer that overflowed may have lost a
 * notice too: the family is then looked up again.
 */
static int monitor_run(struct monitor_ctx *m)
{
	bool joined = false, waiting = false, lookup = true;
	unsigned int change;
	int err;

	for (;;) {
		if (lookup) {
			lookup = false;
			err = monitor_join(m, !joined);
			if (err == -ENOENT && joined) {
				/* gone, its notice lost with the events */
				joined = false;
				if (monitor_gone(m))
					return TPKTCTL_EXIT_RUNTIME;
				waiting = true;
			} else if (err == -ENOENT && !waiting) {
				if (!m->wait) {
					tpktctl_err("nf_tpkt is not loaded: run "
						    "modprobe nf_tpkt");
					return TPKTCTL_EXIT_RUNTIME;
				}
				monitor_notice(m, EVENT_NOTICE_WAITING, 0);
				waiting = true;
				notify_systemd("waiting for nf_tpkt");
			} else if (err && err != -ENOENT) {
				return TPKTCTL_EXIT_RUNTIME;
			} else if (!err && !joined) {
				joined = true;
				if (waiting)
					monitor_notice(m, EVENT_NOTICE_LOADED, 0);
				waiting = false;
				/* a script waiting for us: events from now on */
				fprintf(stderr,
					"tpktctl: monitoring nf_tpkt events\n");
				notify_systemd("monitoring nf_tpkt events");
			}
		}
		err = tnl_events_read(&m->ev, joined ? monitor_timeout(m) : -1,
				      print_event, m, &change);
		if (err == -ENOBUFS) {
			monitor_notice(m, EVENT_NOTICE_LOST, 0);
			lookup = true;
		} else if (err) {
			tpktctl_err("monitor: %s", strerror(-err));
			return TPKTCTL_EXIT_RUNTIME;
		}
		if ((change & TNL_FAMILY_GONE) && joined) {
			joined = false;
			if (monitor_gone(m))
				return TPKTCTL_EXIT_RUNTIME;
			waiting = true;
		}
		if (change & TNL_FAMILY_BACK)
			lookup = true;
		if (joined && !monitor_timeout(m))
			check_suppressed(m, false);
	}
}

static int monitor_args(struct monitor_ctx *m, int argc, char **argv)
{
	static const char *const formats[] = { "text", "json", "journal" };
	bool fmt_given = false;
	int i, k;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-t") || !strcmp(a, "--timestamp")) {
			m->show_time = true;
			continue;
		}
		if (!strcmp(a, "-w") || !strcmp(a, "--wait")) {
			m->wait = true;
			continue;
		}
		if (!is_output_opt(a) || fmt_given) {
			tpktctl_err("monitor: unexpected word \"%s\" (usage: "
				    "tpktctl %s)", a, verb_monitor_usage);
			return -1;
		}
		if (output_arg(m->o, "monitor", argc, argv, &i, formats,
			       sizeof(formats) / sizeof(formats[0]), &k))
			return -1;
		m->fmt = k;
		fmt_given = true;
	}
	return 0;
}

int verb_monitor(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct monitor_ctx *m;
	struct stat st;
	int rc = TPKTCTL_EXIT_RUNTIME;

	m = calloc(1, sizeof(*m));
	if (!m) {
		tpktctl_err("out of memory");
		return TPKTCTL_EXIT_RUNTIME;
	}
	m->o = o;
	m->fmt = o->json ? MON_JSON : MON_TEXT;
	if (monitor_args(m, argc, argv)) {
		free(m);
		return TPKTCTL_EXIT_USAGE;
	}
	/* sd_journal_sendv() drops entries silently when nobody listens */
	if (m->fmt == MON_JOURNAL && !journal_available()) {
		tpktctl_err("monitor: -o journal: systemd-journald is not "
			    "running (no /run/systemd/journal/socket)");
		goto out;
	}
	if (o->netns && tnl_enter_netns(o->netns))
		goto out;
	if (!stat("/proc/self/ns/net", &st)) {
		m->has_netns = true;
		m->netns = st.st_ino;
	}
	/* nlctrl's notices first: a module loaded after the lookup is seen */
	if (tnl_connect(&m->req))
		goto out;
	if (tnl_events_open(&m->ev, &m->req))
		goto close_req;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	rc = monitor_run(m);
	tnl_events_close(&m->ev);
close_req:
	tnl_close(&m->req);
out:
	free(m);
	return rc;
}

/* ---- batch ---------------------------------------------------------- */

#define BATCH_MAX_WORDS	64

/* Later lines win, field by field and check by check. */
static void merge_words(struct policy_words *dst,
			const struct policy_words *src)
{
	unsigned int i;

	if (src->given & PW_MODE)
		dst->mode = src->mode;
	if (src->given & PW_OOO)
		dst->ooo = src->ooo;
	if (src->given & PW_PICKUP)
		dst->pickup = src->pickup;
	if (src->given & PW_FULL)
		dst->full = src->full;
	if (src->given & PW_HOOKS)
		dst->hooks = src->hooks;
	if (src->given & PW_MAX_FLOWS)
		dst->max_flows = src->max_flows;
	if (src->given & PW_TIMEOUT)
		dst->timeout = src->timeout;
	if (src->given & PW_EVENT_RATE)
		dst->event_rate = src->event_rate;
	if (src->given & PW_PORTS) {
		dst->n_ports = src->n_ports;
		memcpy(dst->ports, src->ports, sizeof(dst->ports));
	}
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		if (src->checks_given & (1U << i))
			dst->action[i] = src->action[i];
	dst->given |= src->given;
	dst->checks_given |= src->checks_given;
}

enum batch_action { A_RESET, A_FLUSH };

#define BATCH_MAX_ACTIONS 256

/* A batch file as read: one combined set, then the actions in order. */
struct batch {
	const char *file;
	struct policy_words pw;
	struct origin org;
	bool any_set;
	int n_actions;
	enum batch_action actions[BATCH_MAX_ACTIONS];
};

/* One line's words (at least one); 0 or PW_ERR_USAGE (message printed). */
static int batch_line(struct batch *b, int lineno, char **words, int nw)
{
	struct policy_words one;
	unsigned int bit;

	if (!strcmp(words[0], "set") && nw > 1) {
		/* parse alone first, so that the error names this line */
		pw_init(&one);
		if (pw_parse(&one, nw - 1, words + 1))
			return PW_ERR_USAGE;
		merge_words(&b->pw, &one);
		for (bit = 0; bit < 16; bit++)
			if (one.given & (1U << bit))
				b->org.field_line[bit] = lineno;
		for (bit = 0; bit < __NF_TPKT_CHECK_MAX; bit++)
			if (one.checks_given & (1U << bit))
				b->org.check_line[bit] = lineno;
		b->any_set = true;
		return 0;
	}
	if (nw == 2 && ((!strcmp(words[0], "stats") &&
			 !strcmp(words[1], "reset")) ||
			(!strcmp(words[0], "flows") &&
			 !strcmp(words[1], "flush")))) {
		if (b->n_actions == BATCH_MAX_ACTIONS) {
			tpktctl_err("too many commands: at most %d \"stats "
				    "reset\" and \"flows flush\" lines",
				    BATCH_MAX_ACTIONS);
			return PW_ERR_USAGE;
		}
		b->actions[b->n_actions++] = words[0][0] == 's' ? A_RESET :
					     A_FLUSH;
		return 0;
	}
	tpktctl_err("\"%s\" cannot be batched: expected \"set WORDS...\", "
		    "\"stats reset\" or \"flows flush\"", words[0]);
	return PW_ERR_USAGE;
}

/*
 * Read and check every line of @f.  Errors are one line each,
 * "FILE:LINE: what", the policy words' own messages included.  Returns
 * an exit code.
 */
static int batch_read(struct batch *b, FILE *f)
{
	char line[4096], where[320];
	int lineno = 0, rc = TPKTCTL_EXIT_OK;

	pw_init(&b->pw);
	while (rc == TPKTCTL_EXIT_OK && fgets(line, sizeof(line), f)) {
		char *words[BATCH_MAX_WORDS], *save, *w;
		int nw = 0;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", b->file, lineno);
		tpktctl_err_context(where);
		if (!strchr(line, '\n') && !feof(f)) {
			tpktctl_err("line too long: at most %zu bytes",
				    sizeof(line) - 2);
			rc = TPKTCTL_EXIT_USAGE;
			break;
		}
		if ((w = strchr(line, '#')))
			*w = '\0';
		for (w = strtok_r(line, " \t\r\n", &save); w;
		     w = strtok_r(NULL, " \t\r\n", &save)) {
			if (nw == BATCH_MAX_WORDS) {
				tpktctl_err("too many words: at most %d",
					    BATCH_MAX_WORDS);
				rc = TPKTCTL_EXIT_USAGE;
				break;
			}
			words[nw++] = w;
		}
		if (rc == TPKTCTL_EXIT_OK && nw &&
		    batch_line(b, lineno, words, nw))
			rc = TPKTCTL_EXIT_USAGE;
	}
	tpktctl_err_context(NULL);
	if (rc == TPKTCTL_EXIT_OK && ferror(f)) {
		tpktctl_err("batch: error reading %s", b->file);
		rc = TPKTCTL_EXIT_RUNTIME;
	}
	return rc;
}

static int batch_apply(const struct tpktctl_opts *o, struct batch *b)
{
	int i, rc = TPKTCTL_EXIT_OK;
	struct tnl t;

	if (!b->any_set && !b->n_actions)
		return TPKTCTL_EXIT_OK;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	if (b->any_set && send_set(&t, &b->pw, &b->org, b->file))
		rc = TPKTCTL_EXIT_RUNTIME;
	for (i = 0; !rc && i < b->n_actions; i++) {
		struct stats_reply s = {};

		if (b->actions[i] == A_RESET) {
			if (stats_request(&t, true, &s))
				rc = TPKTCTL_EXIT_RUNTIME;
		} else if (tnl_request(&t, NF_TPKT_CMD_FLUSH_FLOWS, 0, NULL,
				       NULL, NULL, NULL)) {
			tnl_perror(&t, "flows flush");
			rc = TPKTCTL_EXIT_RUNTIME;
		}
	}
	tnl_close(&t);
	return rc;
}

/*
 * Every line is checked before anything is sent; all "set" lines become
 * one request, so the policy changes all at once or not at all.  "stats
 * reset" and "flows flush" run after it, in file order.  With -c nothing
 * is sent: netlink is not even opened, so a file can be checked where
 * the module is not loaded, or by a user without CAP_NET_ADMIN.
 */
int verb_batch(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct batch *b;
	bool check = false;
	int rc;
	FILE *f;

	if (argc > 0 && (!strcmp(argv[0], "-c") ||
			 !strcmp(argv[0], "--check"))) {
		check = true;
		argc--, argv++;
	}
	if (argc != 1) {
		tpktctl_err("batch: expected one file (usage: tpktctl %s)",
			    verb_batch_usage);
		return TPKTCTL_EXIT_USAGE;
	}
	f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f) {
		tpktctl_err("batch: cannot read %s: %s", argv[0], strerror(errno));
		return TPKTCTL_EXIT_RUNTIME;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		tpktctl_err("out of memory");
		rc = TPKTCTL_EXIT_RUNTIME;
		goto out;
	}
	b->file = argv[0];
	rc = batch_read(b, f);
	if (rc == TPKTCTL_EXIT_OK && !check)
		rc = batch_apply(o, b);
	free(b);
out:
	if (f != stdin)
		fclose(f);
	return rc;
}

/* ---- save ----------------------------------------------------------- */

/*
 * The policy as a batch file: every field the kernel reports, one "set"
 * line each, so that "tpktctl -b FILE" gives this policy back whatever
 * the policy in force then.
 */
int verb_save(const struct tpktctl_opts *o, int argc, char **argv)
{
	struct policy_reply p = {};
	struct tnl t;

	if (no_args("save", verb_save_usage, argc, argv))
		return TPKTCTL_EXIT_USAGE;
	if (open_nl(o, &t))
		return TPKTCTL_EXIT_RUNTIME;
	if (tnl_request(&t, NF_TPKT_CMD_GET_POLICY, 0, NULL, NULL,
			parse_policy, &p) || !p.ok) {
		tnl_perror(&t, "save");
		tnl_close(&t);
		return TPKTCTL_EXIT_RUNTIME;
	}
	tnl_close(&t);
	printf("# nf_tpkt policy, saved by tpktctl %s from %s%s\n",
	       NF_TPKT_VERSION, o->netns ? "network namespace " :
	       "the network namespace of tpktctl", o->netns ? o->netns : "");
	printf("# restore with: tpktctl%s%s -b FILE\n", o->netns ? " -n " : "",
	       o->netns ? o->netns : "");
	/* a full disk must not leave a file that restores half a policy */
	if (policy_print(stdout, &p.pw, "set ") || fflush(stdout)) {
		tpktctl_err("save: cannot write the output: %s",
			    strerror(errno));
		return TPKTCTL_EXIT_RUNTIME;
	}
	return TPKTCTL_EXIT_OK;
}
