// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * "tpktctl stats -o prometheus" without a kernel: the formatter fed with
 * made-up counters.  Every counter, TPDU type and check is there with its
 * value, under # HELP and # TYPE, with the names of the shared tables.
 *
 * With --write-samples DIR it writes a few expositions there instead, for
 * tests/userspace/check_prometheus.sh to run through promtool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>

#include "helpers.h"
#include "names.h"
#include "prometheus.h"

/* Every value different, so a value printed under the wrong name shows. */
static void fill(struct tpkt_counts *c)
{
	unsigned int i;

	for (i = 0; i < __NF_TPKT_CTR_MAX; i++)
		c->ctr[i] = 1000 * i + 7;
	for (i = 0; i < __NF_TPKT_TPDU_MAX; i++)
		c->tpdu[i] = 100 + i;
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		c->anomaly[i] = 200 + i;
}

static char *format(const struct tpkt_counts *c, u32 flows_active,
		    const struct prom_policy *p, const char *netns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(prom_write_stats(f, c, flows_active, p, netns), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* How many lines of @text are exactly @line. */
static unsigned int count_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	unsigned int k = 0;
	const char *p;

	for (p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			k++;
	return k;
}

static void assert_line(const char *text, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void assert_line(const char *text, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (count_line(text, line) != 1)
		fail_msg("want exactly one line \"%s\" in:\n%s", line, text);
}

/*
 * The exposition format's rules that promtool also checks, here so that
 * a break shows without promtool: every sample belongs to a family
 * announced by # HELP then # TYPE before it, each family is announced
 * once, counters end in _total.  Returns the number of samples.
 */
static unsigned int check_structure(const char *text)
{
	char fam[64][96], type[64][16];
	unsigned int nfam = 0, samples = 0, i;
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, '\n');
		char line[512], name[96];
		size_t n;

		assert_non_null(end);
		n = end - p;
		assert_true(n > 0 && n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = end + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			assert_true(nfam < 64);
			assert_int_equal(sscanf(line + 7, "%95s", fam[nfam]), 1);
			for (i = 0; i < nfam; i++)
				assert_string_not_equal(fam[i], fam[nfam]);
			type[nfam][0] = '\0';
			nfam++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_true(nfam > 0 && !type[nfam - 1][0]);
			assert_int_equal(sscanf(line + 7, "%95s %15s", name,
						type[nfam - 1]), 2);
			assert_string_equal(name, fam[nfam - 1]);
			assert_true(!strcmp(type[nfam - 1], "counter") ||
				    !strcmp(type[nfam - 1], "gauge"));
			if (!strcmp(type[nfam - 1], "counter"))
				assert_string_equal(name + strlen(name) - 6,
						    "_total");
			continue;
		}
		assert_true(line[0] != '#');
		/* a sample of the family announced last */
		assert_true(nfam > 0 && type[nfam - 1][0]);
		n = strcspn(line, "{ ");
		assert_int_equal(n, strlen(fam[nfam - 1]));
		assert_memory_equal(line, fam[nfam - 1], n);
		assert_int_equal(strncmp(line, "nf_tpkt_", 8), 0);
		samples++;
	}
	return samples;
}

static void test_every_counter(void **state)
{
	struct tpkt_counts c = {};
	unsigned int i;
	char *out;

	fill(&c);
	out = format(&c, 42, NULL, NULL);
	for (i = 0; i < __NF_TPKT_CTR_MAX; i++) {
		const char *n = counter_name(i);

		assert_line(out, "nf_tpkt_%s_total %" PRIu64, n, c.ctr[i]);
		assert_line(out, "# TYPE nf_tpkt_%s_total counter", n);
	}
	assert_line(out, "# TYPE nf_tpkt_tpdus_total counter");
	for (i = 0; i < __NF_TPKT_TPDU_MAX; i++)
		assert_line(out, "nf_tpkt_tpdus_total{tpdu=\"%s\"} %" PRIu64,
			    tpdu_name(i), c.tpdu[i]);
	assert_line(out, "# TYPE nf_tpkt_anomalies_total counter");
	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++)
		assert_line(out, "nf_tpkt_anomalies_total{check=\"%s\"} %" PRIu64,
			    check_name(i), c.anomaly[i]);
	assert_line(out, "# TYPE nf_tpkt_flows_active gauge");
	assert_line(out, "nf_tpkt_flows_active 42");
	/* the names the field report is about, spelled out once */
	assert_line(out, "nf_tpkt_anomalies_total{check=\"tpkt-reserved\"} 200");
	assert_line(out, "nf_tpkt_tpdus_total{tpdu=\"CC\"} 101");
	assert_line(out, "nf_tpkt_edits_total 3007");
	assert_line(out, "nf_tpkt_flows_created_total 13007");
	/* nothing about the policy when none was given */
	assert_null(strstr(out, "nf_tpkt_policy_info"));
	assert_null(strstr(out, "flows_max"));
	assert_int_equal(check_structure(out), __NF_TPKT_CTR_MAX +
			 __NF_TPKT_TPDU_MAX + __NF_TPKT_CHECK_MAX + 1);
	free(out);
}

static void test_help_text(void **state)
{
	struct tpkt_counts c = {};
	char *out = format(&c, 0, NULL, NULL);

	assert_line(out, "# HELP nf_tpkt_drops_total Segments dropped by a drop "
		    "action, a fail-closed flow table or an edit that could "
		    "not be made.");
	assert_line(out, "# HELP nf_tpkt_ooo_drops_total Segments dropped "
		    "because they could not be judged yet (ahead of a gap, "
		    "nothing more could be held, or the gap stayed open).");
	assert_line(out, "# HELP nf_tpkt_tpdus_total COTP TPDUs parsed, by TPDU type.");
	free(out);
}

static void test_policy_and_netns(void **state)
{
	const struct prom_policy p = {
		.mode = NF_TPKT_MODE_NORMALIZE, .pickup = NF_TPKT_PICKUP_LOOSE,
		.ooo = NF_TPKT_OOO_PASS, .full = NF_TPKT_FULL_FAIL_CLOSED,
		.max_flows = 65536,
	};
	struct tpkt_counts c = {};
	char *out;

	fill(&c);
	out = format(&c, 3, &p, "gw");
	assert_line(out, "nf_tpkt_packets_total{netns=\"gw\"} 7");
	assert_line(out, "nf_tpkt_tpdus_total{netns=\"gw\",tpdu=\"CR\"} 100");
	assert_line(out, "nf_tpkt_anomalies_total{netns=\"gw\",check=\"desync\"} 209");
	assert_line(out, "nf_tpkt_flows_active{netns=\"gw\"} 3");
	assert_line(out, "# TYPE nf_tpkt_flows_max gauge");
	assert_line(out, "nf_tpkt_flows_max{netns=\"gw\"} 65536");
	assert_line(out, "# TYPE nf_tpkt_policy_info gauge");
	assert_line(out, "nf_tpkt_policy_info{netns=\"gw\",mode=\"normalize\","
		    "pickup=\"loose\",ooo=\"pass\",full=\"fail-closed\"} 1");
	assert_int_equal(check_structure(out), __NF_TPKT_CTR_MAX +
			 __NF_TPKT_TPDU_MAX + __NF_TPKT_CHECK_MAX + 3);
	free(out);

	/* a policy value tpktctl does not know is not a crash */
	{
		const struct prom_policy odd = { .mode = 9, .max_flows = 1 };

		out = format(&c, 0, &odd, NULL);
		assert_line(out, "nf_tpkt_policy_info{mode=\"unknown\","
			    "pickup=\"strict\",ooo=\"drop\",full=\"fail-open\"} 1");
		free(out);
	}
}

static void test_u64_max(void **state)
{
	struct tpkt_counts c;
	char *out;

	memset(&c, 0xff, sizeof(c));
	out = format(&c, UINT32_MAX, NULL, NULL);
	assert_line(out, "nf_tpkt_bytes_total 18446744073709551615");
	assert_line(out, "nf_tpkt_tpdus_total{tpdu=\"unknown\"} 18446744073709551615");
	assert_line(out, "nf_tpkt_flows_active 4294967295");
	free(out);
}

static void test_label_escape(void **state)
{
	struct tpkt_counts c = {};
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	prom_write_label_value(f, "a\"b\\c\nd");
	fclose(f);
	assert_string_equal(buf, "a\\\"b\\\\c\\nd");
	free(buf);
	out = format(&c, 0, NULL, "x\"y");
	assert_line(out, "nf_tpkt_flows_active{netns=\"x\\\"y\"} 0");
	free(out);
}

/* A full disk must be an error: the file would be published half written. */
static void test_write_error(void **state)
{
	struct tpkt_counts c = {};
	FILE *f = fopen("/dev/full", "w");

	assert_non_null(f);
	assert_int_equal(prom_write_stats(f, &c, 0, NULL, NULL), -1);
	fclose(f);
}

static int write_sample(const char *dir, const char *name,
			const struct tpkt_counts *c, u32 active,
			const struct prom_policy *p, const char *netns)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || prom_write_stats(f, c, active, p, netns) || fclose(f)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

/* The expositions check_prometheus.sh gives promtool. */
static int write_samples(const char *dir)
{
	const struct prom_policy p = {
		.mode = NF_TPKT_MODE_ENFORCE, .pickup = NF_TPKT_PICKUP_STRICT,
		.ooo = NF_TPKT_OOO_DROP, .full = NF_TPKT_FULL_FAIL_OPEN,
		.max_flows = 65536,
	};
	struct tpkt_counts zero = {}, some = {}, max;

	fill(&some);
	memset(&max, 0xff, sizeof(max));
	return write_sample(dir, "zero.prom", &zero, 0, NULL, NULL) ||
	       write_sample(dir, "policy.prom", &some, 5, &p, NULL) ||
	       write_sample(dir, "netns.prom", &some, 5, &p, "gw-1") ||
	       write_sample(dir, "max.prom", &max, UINT32_MAX, &p, "gw");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_counter),
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_policy_and_netns),
		cmocka_unit_test(test_u64_max),
		cmocka_unit_test(test_label_escape),
		cmocka_unit_test(test_write_error),
	};

	if (argc == 3 && !strcmp(argv[1], "--write-samples"))
		return write_samples(argv[2]);
	return cmocka_run_group_tests_name("prometheus", tests, NULL, NULL);
}
