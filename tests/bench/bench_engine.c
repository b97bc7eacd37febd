// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Engine benchmark, userspace, one core.
 *
 * Streams of DT TPDUs of several TPKT sizes, delivered in 1448-byte and in
 * 64 KiB segments, clean or with every reserved byte to fix, are fed to the
 * engine; in the same run, memcpy over the same buffers and segments gives
 * the baseline.  Variants run interleaved (A B C ... A B C ...) for
 * ROUNDS rounds; medians, minimums and maximums are reported.  No timing
 * is asserted: this prints figures, tests live elsewhere.
 *
 *   bench_engine [OUT.json]
 *   bench_engine --passes N PDU SEGMENT
 *
 * The second form runs N untimed passes of one clean stream, for a
 * profiler: valgrind --tool=callgrind bench_engine --passes 4 1024 1448.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tpkt/engine.h>

#define ROUNDS		21
/*
 * Streams fit the 1 MiB L2 cache of one core here, and a sample runs a
 * stream again and again for at least SAMPLE_S seconds: the figures are
 * the engine's own cost per pass.  With streams larger than the caches
 * every header is a cache miss, which costs more than parsing it (see
 * Documentation/performance.rst).
 */
#define STREAM_BYTES	(512U << 10)
#define SAMPLE_S	0.01
#define HIST_CAP	256

static const unsigned int pdu_sizes[] = { 16, 64, 256, 1024, 8192, 65535 };
static const unsigned int seg_sizes[] = { 1448, 65536 };
#define N_PDU	(sizeof(pdu_sizes) / sizeof(pdu_sizes[0]))
#define N_SEG	(sizeof(seg_sizes) / sizeof(seg_sizes[0]))

struct stream {
	u8 *buf;
	size_t len;
	unsigned long headers;
};

struct sample {
	double v[ROUNDS];
};

static u8 scratch[65536];
static struct tpkt_hist *hist;
static volatile unsigned long sink_count;

static void on_edit(void *ctx, u32 seg_off, u8 val)
{
	/* what a caller does: write the byte into the segment */
	scratch[seg_off & 0xffff] = val;
}

static void on_anomaly(void *ctx, const struct tpkt_anomaly *a)
{
	sink_count++;
}

static struct tpkt_hist *on_hist(void *ctx)
{
	tpkt_hist_init(hist, HIST_CAP);
	return hist;
}

static const struct tpkt_sink sink = {
	.edit = on_edit, .anomaly = on_anomaly, .hist_alloc = on_hist,
};

static const u8 *read_buf(const struct tpkt_seg *seg, u32 off, u32 n, u8 *b)
{
	return (const u8 *)seg->priv + off;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_stream(struct stream *s, unsigned int pdu, u8 reserved)
{
	size_t off = 0;

	s->buf = malloc(STREAM_BYTES + 65536);
	if (!s->buf) {
		perror("malloc");
		exit(1);
	}
	s->headers = 0;
	while (off + pdu <= STREAM_BYTES || !s->headers) {
		u8 *p = s->buf + off;

		p[0] = 3;
		p[1] = reserved;
		p[2] = pdu >> 8;
		p[3] = pdu & 0xff;
		p[4] = 2;
		p[5] = 0xf0;
		p[6] = 0x80;
		memset(p + 7, (u8)s->headers, pdu - 7);
		off += pdu;
		s->headers++;
	}
	s->len = off;
}

/* One pass of @s through a fresh flow in @seg-byte segments. */
static void one_pass(const struct stream *s, unsigned int seg,
		     const struct tpkt_policy *pol, struct tpkt_counts *cnt)
{
	struct tpkt_flow f;
	struct tpkt_seg sg = { .read = read_buf, .flags = TPKT_SEG_SYN,
			       .seq = 1000 };
	const struct tpkt_env env = { .pol = pol, .sink = &sink, .cnt = cnt };
	size_t off;

	tpkt_flow_init(&f);
	tpkt_flow_segment(&f, 0, &env, &sg);
	sg.flags = TPKT_SEG_ACK;
	for (off = 0; off < s->len; off += seg) {
		sg.seq = 1001 + off;
		sg.len = s->len - off < seg ? s->len - off : seg;
		sg.priv = s->buf + off;
		tpkt_flow_segment(&f, 0, &env, &sg);
	}
}

/* Seconds per pass of @s through a fresh flow in @seg-byte segments. */
static double run_engine(const struct stream *s, unsigned int seg,
			 const struct tpkt_policy *pol)
{
	struct tpkt_counts cnt;
	unsigned int passes = 0;
	double t0;

	memset(&cnt, 0, sizeof(cnt));
	t0 = now();
	do {
		one_pass(s, seg, pol, &cnt);
		passes++;
	} while (now() - t0 < SAMPLE_S);
	t0 = (now() - t0) / passes;
	if (cnt.ctr[NF_TPKT_CTR_TPKTS] != (u64)s->headers * passes) {
		fprintf(stderr, "bench: parsed %llu of %lu headers\n",
			(unsigned long long)cnt.ctr[NF_TPKT_CTR_TPKTS], s->headers);
		exit(1);
	}
	return t0;
}

static u8 *dst;

static double run_memcpy(const struct stream *s, unsigned int seg)
{
	unsigned int passes = 0;
	size_t off;
	double t0 = now();

	do {
		for (off = 0; off < s->len; off += seg)
			memcpy(dst + off, s->buf + off,
			       s->len - off < seg ? s->len - off : seg);
		passes++;
	} while (now() - t0 < SAMPLE_S);
	t0 = (now() - t0) / passes;
	/* keep the copy observable */
	sink_count += dst[s->len / 2];
	return t0;
}

static unsigned int pdu_index(unsigned int pdu)
{
	unsigned int i;

	for (i = 0; i < N_PDU; i++)
		if (pdu_sizes[i] == pdu)
			return i;
	abort();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stats(const struct sample *s, double *med, double *min, double *max)
{
	double v[ROUNDS];

	memcpy(v, s->v, sizeof(v));
	qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
	*med = v[ROUNDS / 2];
	*min = v[0];
	*max = v[ROUNDS - 1];
}

int main(int argc, char **argv)
{
	static struct stream clean[N_PDU], fix[N_PDU];
	static struct sample eng[N_SEG][N_PDU][2], mc[N_SEG][N_PDU];
	u8 act[__NF_TPKT_CHECK_MAX];
	struct tpkt_policy pol;
	double med, min, max, mc_sum = 0;
	unsigned int r, i, j, k, n_mc = 0;
	FILE *out = NULL;

	hist = malloc(tpkt_hist_size(HIST_CAP));
	dst = malloc(STREAM_BYTES + 65536);
	if (!hist || !dst)
		return 1;
	tpkt_policy_default_actions(act);
	tpkt_policy_compile(&pol, NF_TPKT_MODE_NORMALIZE, act, NF_TPKT_OOO_DROP,
			    NF_TPKT_PICKUP_STRICT);
	if (argc == 5 && !strcmp(argv[1], "--passes")) {
		struct tpkt_counts cnt;
		unsigned int n = atoi(argv[2]), pdu = atoi(argv[3]);
		unsigned int seg = atoi(argv[4]);

		if (pdu < 16 || pdu > 65535 || !seg || seg > 65536) {
			fprintf(stderr, "bench_engine: PDU 16..65535, SEGMENT 1..65536\n");
			return 2;
		}
		memset(&cnt, 0, sizeof(cnt));
		make_stream(&clean[0], pdu, 0);
		for (r = 0; r < n; r++)
			one_pass(&clean[0], seg, &pol, &cnt);
		printf("%u passes, %llu headers\n", n,
		       (unsigned long long)cnt.ctr[NF_TPKT_CTR_TPKTS]);
		return 0;
	}
	for (i = 0; i < N_PDU; i++) {
		make_stream(&clean[i], pdu_sizes[i], 0);
		make_stream(&fix[i], pdu_sizes[i], 0x11);
	}
	/* warm up caches and page tables */
	for (i = 0; i < N_PDU; i++) {
		run_engine(&clean[i], 65536, &pol);
		run_memcpy(&clean[i], 65536);
	}
	for (r = 0; r < ROUNDS; r++)
		for (j = 0; j < N_SEG; j++)
			for (i = 0; i < N_PDU; i++) {
				mc[j][i].v[r] = run_memcpy(&clean[i], seg_sizes[j]);
				eng[j][i][0].v[r] = run_engine(&clean[i], seg_sizes[j], &pol);
				eng[j][i][1].v[r] = run_engine(&fix[i], seg_sizes[j], &pol);
			}

	if (argc > 1) {
		out = fopen(argv[1], "w");
		if (!out) {
			perror(argv[1]);
			return 1;
		}
		fprintf(out, "{\n");
	}
	printf("%-8s %-6s %-6s %12s %22s %10s %12s\n", "segment", "pdu", "kind",
	       "ns/header", "(min-max)", "Gbit/s", "memcpy Gb/s");
	for (j = 0; j < N_SEG; j++)
		for (i = 0; i < N_PDU; i++) {
			double mc_med, mc_min, mc_max, mc_gbps;

			stats(&mc[j][i], &mc_med, &mc_min, &mc_max);
			mc_gbps = clean[i].len * 8.0 / mc_med / 1e9;
			mc_sum += mc_gbps;
			n_mc++;
			for (k = 0; k < 2; k++) {
				const struct stream *s = k ? &fix[i] : &clean[i];
				double ns, gbps;

				stats(&eng[j][i][k], &med, &min, &max);
				double hdrs = s->headers;

				ns = med * 1e9 / hdrs;
				gbps = s->len * 8.0 / med / 1e9;
				printf("%-8u %-6u %-6s %12.1f %10.1f-%-10.1f %10.2f %12.2f\n",
				       seg_sizes[j], pdu_sizes[i], k ? "fix" : "clean",
				       ns, min * 1e9 / hdrs, max * 1e9 / hdrs,
				       gbps, mc_gbps);
				if (out)
					fprintf(out, "  \"engine.%u.%u.%s.ns_per_header\": %.2f,\n"
						"  \"engine.%u.%u.%s.gbps\": %.3f,\n",
						seg_sizes[j], pdu_sizes[i],
						k ? "fix" : "clean", ns, seg_sizes[j],
						pdu_sizes[i], k ? "fix" : "clean", gbps);
			}
		}
	printf("memcpy over the same buffers: %.2f Gbit/s (mean of medians)\n",
	       mc_sum / n_mc);
	/*
	 * The target: a header costs about the same whatever the PDU size.
	 * The ratio is taken within each round, of two samples run a few
	 * tens of milliseconds apart, then its median over the rounds: a
	 * slower period of the machine, seconds long, then slows both.
	 */
	for (j = 0; j < N_SEG; j++) {
		unsigned int i64 = pdu_index(64), i1024 = pdu_index(1024);
		struct sample q;

		for (r = 0; r < ROUNDS; r++)
			q.v[r] = eng[j][i1024][0].v[r] / clean[i1024].headers /
				 (eng[j][i64][0].v[r] / clean[i64].headers);
		stats(&q, &med, &min, &max);
		printf("%u-byte segments: a clean header of a 1024-byte PDU costs %.3f (%.3f-%.3f) times one of a 64-byte PDU (target: at most 1.5)\n",
		       seg_sizes[j], med, min, max);
		if (out)
			fprintf(out, "  \"engine.%u.clean.ratio_1024_64\": %.3f,\n",
				seg_sizes[j], med);
	}
	if (out) {
		fprintf(out, "  \"engine.memcpy_gbps\": %.3f\n}\n", mc_sum / n_mc);
		fclose(out);
	}
	return sink_count == (unsigned long)-1;
}
