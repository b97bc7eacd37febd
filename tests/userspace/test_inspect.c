// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tpktctl inspect end to end, on captures built here: the field report's
 * CONNECT CONFIRM on every link type, split at every byte, retransmitted,
 * over IPv6 with an extension header, many TPKTs per segment, fragments,
 * snaplen truncation, mid-stream captures, drops in enforce mode, and the
 * --fix output checked byte by byte.
 */
#define _GNU_SOURCE	/* memmem */
#include "helpers.h"
#include "names.h"
#include "pcap_io.h"

static char IN[256], OUT[256];

static int setup(void **state)
{
	tmp_path(IN, sizeof(IN), "in.pcap");
	tmp_path(OUT, sizeof(OUT), "out.pcap");
	unlink(OUT);
	return 0;
}

/*
 * The report's exchange: handshake (frames 1-3), CR from the client
 * (frame 4), the server's CC with reserved byte 0x11 (frame 5).
 */
static void write_kb(const char *path, int dlt, int family, bool dstopts,
		     bool zero_csum)
{
	struct gen_file f;
	struct conv c;

	gen_open(&f, path, dlt, 65535);
	conv_init(&c, &f, family);
	c.dstopts = dstopts;
	c.zero_csum = zero_csum;
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	gen_close(&f);
}

#define INSPECT(r, ...) run_verb(r, inspect_main, false, __VA_ARGS__, NULL)

static json_object *event(json_object *j, size_t i)
{
	json_object *ev;

	assert_true(json_object_object_get_ex(j, "event_list", &ev));
	assert_true(i < json_object_array_length(ev));
	return json_object_array_get_idx(ev, i);
}

static size_t n_events(json_object *j)
{
	json_object *ev;

	assert_true(json_object_object_get_ex(j, "event_list", &ev));
	return json_object_array_length(ev);
}

/*
 * JSON Lines on stdout ending with the summary, and on stderr nothing but
 * warnings.
 */
static void assert_json_ok(struct run_out *r)
{
	size_t n = strlen(r->out);
	const char *l;

	if (r->rc)
		fail_msg("rc %d: %s", r->rc, r->err);
	for (l = r->err; *l; l = strchr(l, '\n') + 1)
		if (strncmp(l, "tpktctl: warning: ", 18) || !strchr(l, '\n'))
			fail_msg("stderr: %s", r->err);
	assert_non_null(r->json);
	assert_true(n > 2 && r->out[0] == '{' && r->out[n - 2] == '}' &&
		    r->out[n - 1] == '\n');
	assert_string_equal(jstrget(r->json, "type"), "summary");
}

/* Only these anomalies, the rest 0. */
static void assert_anomalies(json_object *j, unsigned int check, long n)
{
	unsigned int i;

	for (i = 0; i < __NF_TPKT_CHECK_MAX; i++) {
		char path[64];

		snprintf(path, sizeof(path), "anomalies.%s",
			 tpkt_name(TPKT_NAMES_CHECK, i));
		assert_int_equal(jget(j, path), i == check ? n : 0);
	}
}

/*
 * Every byte of @out equals @in except at the positions of @allowed
 * (@n of them); returns how many of those differ.
 */
static unsigned int diff_only(const char *in, const char *out,
			      const size_t *allowed, unsigned int n)
{
	size_t la, lb, i;
	u8 *a = read_file(in, &la), *b = read_file(out, &lb);
	unsigned int k, d = 0;

	assert_int_equal(la, lb);
	for (i = 0; i < la; i++) {
		if (a[i] == b[i])
			continue;
		for (k = 0; k < n && allowed[k] != i; k++)
			;
		if (k == n)
			fail_msg("byte %zu differs: %02x -> %02x", i, a[i],
				 b[i]);
		d++;
	}
	free(a);
	free(b);
	return d;
}

/* File offsets of every copy of @pat in @path (up to @max). */
static unsigned int find_all(const char *path, const u8 *pat, size_t plen,
			     size_t *at, unsigned int max)
{
	size_t len, i;
	u8 *b = read_file(path, &len);
	unsigned int n = 0;

	for (i = 0; i + plen <= len && n < max; i++)
		if (!memcmp(b + i, pat, plen))
			at[n++] = i;
	free(b);
	return n;
}

/* Every TCP packet of @path has a right checksum. */
static void assert_checksums(const char *path, bool right)
{
	struct pcap_pkthdr *h;
	struct pcap_in in;
	const u8 *d;
	int rc;

	assert_int_equal(pcap_in_open(&in, path), 0);
	while ((rc = pcap_in_next(&in, &h, &d)) == 1) {
		struct pkt p;

		if (pkt_decode(in.linktype, d, h->caplen, &p) != PKT_TCP ||
		    p.caplen < p.len)
			continue;
		if (tcp_csum_check(&p, d) != right)
			fail_msg("%s frame %lu: checksum %s", path, in.frame,
				 right ? "wrong" : "right");
	}
	assert_int_equal(rc, 0);
	pcap_in_close(&in);
}

/* The TCP payloads sent from port @sport in @path, concatenated. */
static size_t stream_of(const char *path, u16 sport, u8 *buf, size_t cap)
{
	struct pcap_pkthdr *h;
	struct pcap_in in;
	size_t len = 0;
	const u8 *d;

	assert_int_equal(pcap_in_open(&in, path), 0);
	while (pcap_in_next(&in, &h, &d) == 1) {
		struct pkt p;

		if (pkt_decode(in.linktype, d, h->caplen, &p) != PKT_TCP ||
		    p.sport != sport)
			continue;
		assert_true(len + p.caplen <= cap);
		memcpy(buf + len, d + p.data_off, p.caplen);
		len += p.caplen;
	}
	pcap_in_close(&in);
	return len;
}

/* The KB check of the task, on one link type. */
static void kb_case(int dlt, int family, bool dstopts)
{
	const char *src = family == 4 ? "10.0.0.2:102" : "[2001:db8::2]:102";
	const char *dst = family == 4 ? "10.0.0.1:49152" :
					"[2001:db8::1]:49152";
	char flow[128];
	size_t at[4], allowed[3];
	struct run_out r;
	json_object *e;

	write_kb(IN, dlt, family, dstopts, false);
	/* the external checks' exact command line */
	INSPECT(&r, "-j", "--fix", OUT, "mode", "normalize", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 1);
	assert_int_equal(jget(r.json, "flows_picked_up"), 0);
	assert_int_equal(jget(r.json, "tpkts"), 2);
	assert_int_equal(jget(r.json, "tpdus.CR"), 1);
	assert_int_equal(jget(r.json, "tpdus.CC"), 1);
	assert_int_equal(jget(r.json, "tpdus.DT"), 0);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	assert_int_equal(jget(r.json, "edits"), 1);
	assert_int_equal(jget(r.json, "drops"), 0);
	assert_int_equal(jget(r.json, "desyncs"), 0);
	assert_int_equal(n_events(r.json), 1);
	e = event(r.json, 0);
	assert_int_equal(jget(e, "frame"), 5);
	snprintf(flow, sizeof(flow), "%s > %s", dst, src);
	assert_string_equal(jstrget(e, "flow"), flow);
	assert_string_equal(jstrget(e, "src"), src);
	assert_string_equal(jstrget(e, "dst"), dst);
	assert_string_equal(jstrget(e, "check"), "tpkt-reserved");
	assert_string_equal(jstrget(e, "action"), "fix");
	assert_string_equal(jstrget(e, "tpdu"), "CC");
	assert_int_equal(jget(e, "offset"), 1);
	assert_int_equal(jget(e, "tpkt_offset"), 0);
	assert_string_equal(jstrget(e, "orig"), "0311002c27d0");
	assert_string_equal(jstrget(e, "file"), IN);
	run_free(&r);

	/* only the reserved byte and the TCP checksum changed */
	assert_int_equal(find_all(IN, kb_cc, sizeof(kb_cc), at, 4), 1);
	allowed[0] = at[0] + 1;
	allowed[1] = at[0] - 20 + 16;
	allowed[2] = at[0] - 20 + 17;
	assert_true(diff_only(IN, OUT, allowed, 3) >= 2);
	{
		size_t len;
		u8 *b = read_file(OUT, &len);

		assert_int_equal(b[at[0] + 1], 0);
		free(b);
	}
	assert_checksums(IN, true);
	assert_checksums(OUT, true);
}

static void test_kb_ethernet(void **state)
{
	kb_case(DLT_EN10MB, 4, false);
}

static void test_kb_vlan(void **state)
{
	kb_case(GEN_ETH_VLAN, 4, false);
}

static void test_kb_sll(void **state)
{
	kb_case(DLT_LINUX_SLL, 4, false);
}

static void test_kb_sll2(void **state)
{
	kb_case(DLT_LINUX_SLL2, 4, false);
}

static void test_kb_raw(void **state)
{
	kb_case(DLT_RAW, 4, false);
	kb_case(DLT_IPV4, 4, false);
}

static void test_kb_loopback(void **state)
{
	kb_case(DLT_NULL, 4, false);
	kb_case(DLT_LOOP, 4, false);
	kb_case(DLT_NULL, 6, false);
}

static void test_kb_ipv6_dstopts(void **state)
{
	kb_case(DLT_EN10MB, 6, true);
	kb_case(DLT_IPV6, 6, true);
	kb_case(DLT_LINUX_SLL2, 6, false);
}

static void test_kb_text(void **state)
{
	struct run_out r;

	write_kb(IN, DLT_EN10MB, 4, false, false);
	INSPECT(&r, "--fix", OUT, IN);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	/* the capture's time first: frame 5 is written at 1000004.004 */
	assert_memory_equal(r.out, "1970-01-12T13:46:44.004000Z "
			    "frame 5: 10.0.0.2:102 > 10.0.0.1:49152 "
			    "tpkt-reserved fix CC offset 1 tpkt-offset 0 "
			    "orig 0311002c27d0\n", 28 + 92);
	assert_non_null(strstr(r.out, "\nverdict: 1 anomaly in 1 of 1 flows\n"
			       "policy: mode normalize ports 102 ooo drop "
			       "pickup loose max-flows 65536 timeout 600\n"
			       "capture: 5 frames, 1970-01-12T13:46:40.000000Z "
			       "to 1970-01-12T13:46:44.004000Z\n"
			       "flows with anomalies:\n"
			       "  10.0.0.1:49152 > 10.0.0.2:102: 2 tpkts, 2 "
			       "tpdus, anomalies tpkt-reserved 1; frame 1 "
			       "1970-01-12T13:46:40.000000Z to frame 5 "
			       "1970-01-12T13:46:44.004000Z\n"));
	assert_non_null(strstr(r.out, "\nflows: 1 (0 picked up mid-stream, 0 "
			       "ended idle, 0 evicted)\n"));
	assert_non_null(strstr(r.out, "\ntpkts: 2\n"));
	assert_non_null(strstr(r.out, "\ntpdus: CR 1, CC 1\n"));
	assert_non_null(strstr(r.out, "\nanomalies: tpkt-reserved 1\n"));
	assert_non_null(strstr(r.out, "\nedits: 1\n"));
	assert_non_null(strstr(r.out, "\nwrote "));
	assert_non_null(strstr(r.out, ": 5 packets, 1 edited, 0 dropped\n"));
	run_free(&r);
}

/* Without --fix the default mode is monitor: count, never edit. */
static void test_kb_monitor_default(void **state)
{
	struct run_out r;

	write_kb(IN, DLT_EN10MB, 4, false, false);
	INSPECT(&r, "-j", IN);
	assert_json_ok(&r);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	assert_int_equal(jget(r.json, "edits"), 0);
	assert_string_equal(jstrget(event(r.json, 0), "action"), "count");
	run_free(&r);

	/* the global -j works as well as inspect's own */
	run_verb(&r, inspect_main, true, IN, NULL);
	assert_json_ok(&r);
	run_free(&r);

	/* and so does the check's own action */
	INSPECT(&r, "-j", "--fix", OUT, "check", "tpkt-reserved", "count",
		IN);
	assert_json_ok(&r);
	assert_string_equal(jstrget(event(r.json, 0), "action"), "count");
	assert_int_equal(jget(r.json, "edits"), 0);
	run_free(&r);
	assert_int_equal(diff_only(IN, OUT, NULL, 0), 0);

	INSPECT(&r, "-j", "--fix", OUT, "check", "tpkt-reserved", "ignore",
		IN);
	assert_json_ok(&r);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 0);
	assert_int_equal(n_events(r.json), 0);
	run_free(&r);

	/* mode off: nothing tracked, nothing changed */
	INSPECT(&r, "-j", "--fix", OUT, "mode", "off", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 0);
	assert_int_equal(jget(r.json, "tpkts"), 0);
	run_free(&r);
	assert_int_equal(diff_only(IN, OUT, NULL, 0), 0);
}

/*
 * Checksums offloaded at capture time (0): the edited packet's checksum
 * stays as wrong as it was, every other byte stays.
 */
static void test_kb_offloaded_checksum(void **state)
{
	size_t at[2], allowed[3];
	struct run_out r;

	write_kb(IN, DLT_EN10MB, 4, false, true);
	assert_checksums(IN, false);
	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "edits"), 1);
	run_free(&r);
	assert_int_equal(find_all(IN, kb_cc, sizeof(kb_cc), at, 2), 1);
	allowed[0] = at[0] + 1;
	allowed[1] = at[0] - 4;
	allowed[2] = at[0] - 3;
	assert_true(diff_only(IN, OUT, allowed, 3) >= 2);
	assert_checksums(OUT, false);
}

/* The CC cut in two segments at every byte: the same single fix. */
static void test_split_every_byte(void **state)
{
	size_t cut;

	for (cut = 1; cut < sizeof(kb_cc); cut++) {
		u8 out[sizeof(kb_cc) + 1];
		struct gen_file f;
		struct run_out r;
		struct conv c;
		json_object *e;
		size_t len;

		gen_open(&f, IN, DLT_EN10MB, 65535);
		conv_init(&c, &f, 4);
		conv_handshake(&c);
		conv_send(&c, 0, good_cr, sizeof(good_cr));
		conv_send(&c, 1, kb_cc, cut);
		conv_send(&c, 1, kb_cc + cut, sizeof(kb_cc) - cut);
		gen_close(&f);

		INSPECT(&r, "-j", "--fix", OUT, IN);
		assert_json_ok(&r);
		assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
		assert_int_equal(jget(r.json, "tpdus.CC"), 1);
		assert_int_equal(jget(r.json, "edits"), 1);
		e = event(r.json, 0);
		/* reported once the TPDU code is known (byte 5) */
		assert_int_equal(jget(e, "frame"), cut >= 6 ? 5 : 6);
		assert_string_equal(jstrget(e, "tpdu"), "CC");
		assert_string_equal(jstrget(e, "orig"), "0311002c27d0");
		run_free(&r);
		assert_checksums(OUT, true);

		/* the reserved byte is fixed in whichever piece holds it */
		len = stream_of(OUT, 102, out, sizeof(out));
		assert_int_equal(len, sizeof(kb_cc));
		assert_int_equal(out[1], 0);
		assert_memory_equal(out + 2, kb_cc + 2, sizeof(kb_cc) - 2);
	}
}

/* A hundred TPKTs in one segment, every third one non-conforming. */
static void test_many_tpkts_per_segment(void **state)
{
	static u8 seg[20000];
	size_t len = 0, n_bad = 0, i, hits[200];
	struct gen_file f;
	struct run_out r;
	struct conv c;

	for (i = 0; i < 100; i++) {
		size_t tl = 7 + (i * 37) % 150, k;

		seg[len] = 3;
		seg[len + 1] = i % 3 ? 0 : 0x42;
		seg[len + 2] = tl >> 8;
		seg[len + 3] = tl & 0xff;
		seg[len + 4] = 2;
		seg[len + 5] = 0xf0;
		seg[len + 6] = 0x80;
		for (k = 7; k < tl; k++)
			seg[len + k] = 0x03;	/* looks like headers */
		n_bad += !(i % 3);
		len += tl;
	}
	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, seg, len);
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "tpkts"), 100);
	assert_int_equal(jget(r.json, "tpdus.DT"), 100);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, n_bad);
	assert_int_equal(jget(r.json, "edits"), n_bad);
	assert_int_equal(n_events(r.json), n_bad);
	/* each named by its TPKT, though reported before its code */
	for (i = 0; i < n_bad; i++)
		assert_string_equal(jstrget(event(r.json, i), "tpdu"), "DT");
	run_free(&r);
	assert_checksums(OUT, true);
	assert_int_equal(find_all(OUT, (const u8 *)"\x03\x42", 2, hits, 200),
			 0);
	assert_int_equal(find_all(IN, (const u8 *)"\x03\x42", 2, hits, 200),
			 n_bad);
}

/* A retransmitted CC gets the same fix as the first copy. */
static void test_retransmission(void **state)
{
	struct gen_file f;
	struct run_out r;
	struct conv c;
	size_t at[4];

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	conv_seg_at(&c, 1, 0, kb_cc, sizeof(kb_cc), 0x18);
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	assert_int_equal(jget(r.json, "tpdus.CC"), 1);
	/* edits counts the replayed one too */
	assert_int_equal(jget(r.json, "edits"), 2);
	run_free(&r);
	assert_int_equal(find_all(IN, kb_cc, sizeof(kb_cc), at, 4), 2);
	assert_int_equal(find_all(OUT, kb_cc, sizeof(kb_cc), at, 4), 0);
	assert_int_equal(find_all(OUT, (const u8 *)"\x03\x00\x00\x2c\x27\xd0",
				  6, at, 4), 2);
	assert_checksums(OUT, true);
}

/*
 * A first IPv4 fragment whose others never come is never parsed: the
 * gateway's defrag would drop it, and so does --fix (reassembly itself is
 * checked in test_defrag.c, and against tshark in inspect_streams.py).
 */
static void test_ipv4_fragment(void **state)
{
	struct gen_file f;
	struct gen_pkt g = { 0 };
	struct run_out r;
	struct conv c;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	/* a first fragment that would hold the bad CC */
	g.family = 4;
	memcpy(g.src, c.addr[1], 4);
	memcpy(g.dst, c.addr[0], 4);
	g.sport = 102;
	g.dport = 49152;
	g.seq = c.isn[1] + 1;
	g.flags = 0x18;
	g.data = kb_cc;
	g.len = sizeof(kb_cc);
	g.frag = true;
	gen_write(&f, &g);
	gen_close(&f);

	INSPECT(&r, "--fix", OUT, IN);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\nfragments: 1 (0 datagrams "
			       "reassembled, 1 not)\n"));
	assert_non_null(strstr(r.out, "\ntpkts: 1\n"));
	assert_non_null(strstr(r.out, "\nanomalies: none\n"));
	assert_non_null(strstr(r.out, ": 4 packets, 0 edited, 0 dropped\n"));
	assert_non_null(strstr(r.err, "incomplete at the end 1"));
	run_free(&r);
}

/* Enforce: the offending segment and the rest of its direction go. */
static void test_enforce_drops(void **state)
{
	static const u8 bad_version[] = {
		0x04, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x80,
	};
	static const u8 dt[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x80 };
	struct gen_file f;
	struct run_out r;
	struct conv c;
	json_object *e;
	size_t lin, lout;
	u8 *b;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));	/* 4 */
	conv_send(&c, 0, dt, sizeof(dt));		/* 5 */
	conv_send(&c, 0, bad_version, sizeof(bad_version));	/* 6 */
	conv_send(&c, 0, dt, sizeof(dt));		/* 7: blocked */
	conv_send(&c, 1, dt, sizeof(dt));		/* 8: other way */
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, "mode", "enforce", IN);
	assert_json_ok(&r);
	assert_anomalies(r.json, NF_TPKT_CHECK_VERSION, 1);
	assert_int_equal(jget(r.json, "drops"), 2);
	assert_int_equal(n_events(r.json), 2);
	e = event(r.json, 0);
	assert_int_equal(jget(e, "frame"), 6);
	assert_string_equal(jstrget(e, "check"), "tpkt-version");
	assert_string_equal(jstrget(e, "action"), "drop");
	assert_int_equal(jget(e, "offset"), 29);
	assert_string_equal(jstrget(e, "orig"), "04");
	e = event(r.json, 1);
	assert_int_equal(jget(e, "frame"), 7);
	assert_string_equal(jstrget(e, "check"), "blocked");
	assert_string_equal(jstrget(e, "action"), "drop");
	run_free(&r);

	/* two records (16 + 14 + 20 + 20 + 7 bytes each) fewer */
	b = read_file(IN, &lin);
	free(b);
	b = read_file(OUT, &lout);
	free(b);
	assert_int_equal(lin - lout, 2 * (16 + 61));
	assert_checksums(OUT, true);

	/* normalize caps drop at count: nothing is dropped */
	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "drops"), 0);
	assert_int_equal(jget(r.json, "desyncs"), 1);
	assert_string_equal(jstrget(event(r.json, 0), "action"), "count");
	assert_string_equal(jstrget(event(r.json, 1), "check"), "desync");
	run_free(&r);
	assert_int_equal(diff_only(IN, OUT, NULL, 0), 0);
}

/* A segment ahead of a gap that may hide a header: ooo drop / pass. */
static void test_out_of_order(void **state)
{
	static const u8 dt[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x80 };
	struct gen_file f;
	struct run_out r;
	struct conv c;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	conv_seg_at(&c, 0, 22 + 7, dt, sizeof(dt), 0x18);	/* ahead */
	conv_seg_at(&c, 0, 22, dt, sizeof(dt), 0x18);		/* the gap */
	conv_seg_at(&c, 0, 22 + 7, dt, sizeof(dt), 0x18);	/* again */
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	/* not judged yet is not malformed */
	assert_int_equal(jget(r.json, "drops"), 0);
	assert_int_equal(jget(r.json, "ooo_drops"), 1);
	assert_int_equal(jget(r.json, "tpkts"), 3);
	assert_int_equal(n_events(r.json), 1);
	assert_string_equal(jstrget(event(r.json, 0), "check"), "ooo");
	assert_int_equal(jget(event(r.json, 0), "frame"), 5);
	assert_int_equal(jget(event(r.json, 0), "offset"), 29);
	run_free(&r);

	INSPECT(&r, "-j", "--fix", OUT, "ooo", "pass", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "drops"), 0);
	assert_int_equal(jget(r.json, "ooo_drops"), 0);
	run_free(&r);

	/* holding is the kernel's: a clear refusal, nothing written */
	INSPECT(&r, "--fix", OUT, "ooo", "hold", IN);
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "ooo hold"));
	run_free(&r);
	assert_int_equal(diff_only(IN, OUT, NULL, 0), 0);
}

/* A capture that starts mid-stream: loose pickup parses it, strict not. */
static void test_pickup(void **state)
{
	struct gen_file f;
	struct run_out r;
	struct conv c;
	json_object *bd, *d;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	c.next[0] = 5000;
	c.next[1] = 7000;
	/* the server speaks first in the capture: still direction 1 */
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	gen_close(&f);

	INSPECT(&r, "-j", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 1);
	assert_int_equal(jget(r.json, "flows_picked_up"), 1);
	assert_int_equal(jget(r.json, "tpkts"), 2);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	/* offsets count from the first byte seen */
	assert_int_equal(jget(event(r.json, 0), "offset"), 1);
	assert_string_equal(jstrget(event(r.json, 0), "flow"),
			    "10.0.0.1:49152 > 10.0.0.2:102");
	assert_true(json_object_object_get_ex(r.json, "flow_list", &bd));
	assert_int_equal(json_object_array_length(bd), 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(bd, 0),
					      "directions", &bd));
	assert_int_equal(json_object_array_length(bd), 2);
	d = json_object_array_get_idx(bd, 0);
	assert_string_equal(jstrget(d, "src"), "10.0.0.1:49152");
	assert_int_equal(jget(d, "tpdus.CR"), 1);
	assert_int_equal(jget(d, "tpdus.CC"), 0);
	d = json_object_array_get_idx(bd, 1);
	assert_string_equal(jstrget(d, "src"), "10.0.0.2:102");
	assert_int_equal(jget(d, "tpdus.CC"), 1);
	run_free(&r);

	INSPECT(&r, "-j", "pickup", "strict", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 1);
	assert_int_equal(jget(r.json, "flows_picked_up"), 0);
	assert_int_equal(jget(r.json, "tpkts"), 0);
	assert_int_equal(n_events(r.json), 0);
	run_free(&r);
}

/*
 * Snaplen: a header byte that was captured is parsed (and fixed); one that
 * was not stops the engine, and the direction is not parsed further (no
 * made-up gaps or desyncs).
 */
static void test_snaplen(void **state)
{
	static u8 two[600];
	struct gen_file f;
	struct run_out r;
	struct conv c;
	size_t i;

	memcpy(two, kb_cc, sizeof(kb_cc));
	for (i = sizeof(kb_cc); i < sizeof(two); i += 100) {
		two[i] = 3;
		two[i + 1] = 0x42;
		two[i + 2] = 0;
		two[i + 3] = 100;
		two[i + 4] = 2;
		two[i + 5] = 0xf0;
		two[i + 6] = 0x80;
	}
	/*
	 * 14 + 20 + 20 + 6: the TPKT header, LI and code of the CR and CC
	 * are captured, their parameters are not.
	 */
	gen_open(&f, IN, DLT_EN10MB, 60);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));	/* 4: cut */
	conv_send(&c, 1, two, sizeof(kb_cc) + 500);	/* 5: cut */
	conv_send(&c, 1, two + sizeof(kb_cc), 100);	/* 6: blind */
	conv_send(&c, 1, two + sizeof(kb_cc), 100);	/* 7: blind */
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	assert_string_equal(jstrget(event(r.json, 0), "tpdu"), "CC");
	assert_int_equal(jget(r.json, "edits"), 1);
	assert_int_equal(jget(r.json, "desyncs"), 0);
	assert_int_equal(jget(r.json, "drops"), 0);
	run_free(&r);
	INSPECT(&r, IN);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\ntruncated: 4 (2 directions no "
			       "longer parsed)\n"));
	assert_non_null(strstr(r.out, "\nout-of-order: 0\n"));
	run_free(&r);
}

/* A snaplen that cuts only TPDU bodies loses nothing the engine needs. */
static void test_snaplen_bodies(void **state)
{
	static u8 dt[300];
	struct gen_file f;
	struct run_out r;
	struct conv c;
	unsigned int i;

	dt[0] = 3;
	dt[2] = sizeof(dt) >> 8;
	dt[3] = sizeof(dt) & 0xff;
	dt[4] = 2;
	dt[5] = 0xf0;
	dt[6] = 0x80;
	/* 54 bytes of headers, then 26 of the segment */
	gen_open(&f, IN, DLT_EN10MB, 80);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 0, good_cr, sizeof(good_cr));
	for (i = 0; i < 10; i++) {
		dt[1] = i == 7 ? 0x11 : 0;
		conv_send(&c, 0, dt, sizeof(dt));
	}
	/* a TPDU body across a cut segment and a whole one */
	conv_send(&c, 0, dt, 290);
	conv_send(&c, 0, dt + 290, 10);
	conv_send(&c, 0, dt, sizeof(dt));
	gen_close(&f);

	INSPECT(&r, "-j", "--fix", OUT, IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "tpkts"), 13);
	assert_int_equal(jget(r.json, "tpdus.DT"), 12);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	assert_int_equal(jget(event(r.json, 0), "frame"), 12);
	assert_string_equal(jstrget(event(r.json, 0), "tpdu"), "DT");
	assert_int_equal(jget(r.json, "edits"), 1);
	run_free(&r);
	INSPECT(&r, IN);
	assert_non_null(strstr(r.out, "\ntruncated: 12 (0 directions no "
			       "longer parsed)\n"));
	run_free(&r);
	/* (the cut packets' checksums cannot be verified from the file) */
	assert_checksums(OUT, true);
}

/* Several files: frame numbers restart, events name their file. */
static void test_multiple_files(void **state)
{
	char in2[256];
	struct run_out r;

	write_kb(IN, DLT_EN10MB, 4, false, false);
	tmp_path(in2, sizeof(in2), "in2.pcap");
	write_kb(in2, DLT_RAW, 6, false, false);
	INSPECT(&r, "-j", IN, "mode", "monitor", in2);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 2);
	assert_int_equal(jget(r.json, "tpkts"), 4);
	assert_int_equal(n_events(r.json), 2);
	assert_int_equal(jget(event(r.json, 0), "frame"), 5);
	assert_string_equal(jstrget(event(r.json, 0), "file"), IN);
	assert_int_equal(jget(event(r.json, 1), "frame"), 5);
	assert_string_equal(jstrget(event(r.json, 1), "file"), in2);
	run_free(&r);

	INSPECT(&r, IN, in2);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, " frame 5: [2001:db8::2]:102 > "));
	run_free(&r);
}

/* Only the port set is inspected. */
static void test_ports(void **state)
{
	struct gen_file f;
	struct run_out r;
	struct conv c;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	c.port[1] = 3001;
	conv_handshake(&c);
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	gen_close(&f);

	INSPECT(&r, "-j", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 0);
	run_free(&r);
	INSPECT(&r, "-j", "ports", "102,3000-3002", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 1);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 1);
	run_free(&r);
}

/* A new connection on the same addresses and ports is a new flow. */
static void test_connection_reuse(void **state)
{
	struct gen_file f;
	struct run_out r;
	struct conv c;

	gen_open(&f, IN, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	conv_seg_at(&c, 0, 0, NULL, 0, 0x04);	/* RST */
	c.isn[0] += 100000;
	c.isn[1] += 100000;
	c.next[0] = c.next[1] = 0;
	conv_handshake(&c);
	conv_send(&c, 1, kb_cc, sizeof(kb_cc));
	gen_close(&f);

	INSPECT(&r, "-j", IN);
	assert_json_ok(&r);
	assert_int_equal(jget(r.json, "flows"), 2);
	assert_anomalies(r.json, NF_TPKT_CHECK_RESERVED, 2);
	assert_int_equal(jget(event(r.json, 1), "offset"), 1);
	run_free(&r);
}

/*
 * Exit 1 with a message naming @what; with -j the summary still comes,
 * saying it is not complete.
 */
static void expect_runtime(struct run_out *r, const char *what)
{
	if (r->rc != TPKTCTL_EXIT_RUNTIME)
		fail_msg("rc %d, stderr %s", r->rc, r->err);
	assert_non_null(strstr(r->err, what));
	if (r->out[0] == '{') {
		assert_non_null(r->json);
		assert_string_equal(jstrget(r->json, "type"), "summary");
		assert_false(json_object_get_boolean(
			json_object_object_get(r->json, "complete")));
	}
	run_free(r);
}

static void test_runtime_errors(void **state)
{
	char bad[256];
	struct run_out r;
	size_t len;
	FILE *fp;
	u8 *b;

	INSPECT(&r, "-j", "/nonexistent/in.pcap");
	expect_runtime(&r, "tpktctl: /nonexistent/in.pcap: No such file");

	tmp_path(bad, sizeof(bad), "garbage.pcap");
	fp = fopen(bad, "w");
	fputs("GET / HTTP/1.0\r\n\r\n", fp);
	fclose(fp);
	INSPECT(&r, "-j", bad);
	expect_runtime(&r, bad);

	/* cut in the middle of the CC: error, and no half-written output */
	write_kb(IN, DLT_EN10MB, 4, false, false);
	b = read_file(IN, &len);
	tmp_path(bad, sizeof(bad), "cut.pcap");
	fp = fopen(bad, "w");
	fwrite(b, 1, len - 20, fp);
	fclose(fp);
	free(b);
	INSPECT(&r, "-j", "--fix", OUT, bad);
	expect_runtime(&r, "frame 5: truncated dump file");
	assert_int_equal(access(OUT, F_OK), -1);
	INSPECT(&r, "-j", IN, bad);
	expect_runtime(&r, bad);

	INSPECT(&r, "-j", "--fix", "/nonexistent/out.pcap", IN);
	expect_runtime(&r, "/nonexistent/out.pcap");
	INSPECT(&r, "-j", "--fix", "/dev/full", IN);
	expect_runtime(&r, "/dev/full: write error");
}

/* ---- census: conformant sessions raise nothing ------------------------ */

/* One TPKT of COTP header @cotp (@clen bytes) and @body bytes of data. */
static size_t census_tpkt(u8 *p, const u8 *cotp, size_t clen, size_t body)
{
	size_t n = 4 + clen + body;

	p[0] = 3;
	p[1] = 0;
	put16(p + 2, n);
	memcpy(p + 4, cotp, clen);
	memset(p + 4 + clen, 0x5a, body);
	return n;
}

/* @len bytes of direction @dir in segments of at most 1460 bytes. */
static void census_send(struct conv *c, unsigned int dir, const u8 *p,
			size_t len)
{
	size_t o;

	for (o = 0; o < len; o += 1460)
		conv_send(c, dir, p + o, len - o < 1460 ? len - o : 1460);
}

/*
 * A session of class @cls negotiating TPDU size code @code (in 0xc0, or as
 * a preferred maximum in 0xf0 when @pref): CR, CC, then from each side a
 * DT of exactly the negotiated size (or the largest a TPKT holds), a short
 * one, an AK in class 2; a DR and, in class 2, its DC.  Returns the number
 * of TPKTs written.
 */
static unsigned int census_session(const char *path, unsigned int cls,
				   unsigned int code, bool pref)
{
	static u8 buf[65536];
	u32 size = 1U << code;
	u8 cr[] = { 0, 0xe0, 0, 0, 0, 1, (u8)(cls << 4), 0xc1, 2, 0, 1,
		    0xc2, 2, 0, 2, 0xc0, 1, (u8)code };
	u8 prefp[] = { 0xf0, 2, (u8)((size / 128) >> 8), (u8)(size / 128) };
	u8 dt0[] = { 2, 0xf0, 0x80 };
	u8 dt2[] = { 4, 0xf0, 0, 0, 0x80 };
	u8 hdr[32];
	struct gen_file f;
	struct conv c;
	unsigned int dir, n = 0;
	size_t clen, dlen = cls ? sizeof(dt2) : sizeof(dt0), tlen;

	gen_open(&f, path, DLT_EN10MB, 65535);
	conv_init(&c, &f, 4);
	conv_handshake(&c);
	for (dir = 0; dir < 2; dir++) {
		memcpy(hdr, cr, sizeof(cr));
		clen = sizeof(cr);
		if (pref) {
			/* the preferred maximum instead of the size code */
			memcpy(hdr + clen - 3, prefp, sizeof(prefp));
			clen += sizeof(prefp) - 3;
		}
		hdr[0] = clen - 1;
		if (dir) {
			hdr[1] = 0xd0;
			hdr[3] = 1;	/* DST-REF: the CR's source */
		}
		census_send(&c, dir, buf, census_tpkt(buf, hdr, clen, 0));
		n++;
	}
	tlen = size + 4 > 65535 ? 65535 : size + 4;
	for (dir = 0; dir < 2; dir++) {
		const u8 *dt = cls ? dt2 : dt0;

		census_send(&c, dir, buf,
			    census_tpkt(buf, dt, dlen, tlen - 4 - dlen));
		census_send(&c, dir, buf, census_tpkt(buf, dt, dlen, 10));
		n += 2;
		if (cls) {
			static const u8 ak[] = { 4, 0x61, 0, 1, 0x02 };

			census_send(&c, dir, buf,
				    census_tpkt(buf, ak, sizeof(ak), 0));
			n++;
		}
	}
	{
		static const u8 dr[] = { 6, 0x80, 0, 1, 0, 2, 0x80 };
		static const u8 dc[] = { 5, 0xc0, 0, 2, 0, 1 };

		census_send(&c, 0, buf, census_tpkt(buf, dr, sizeof(dr), 0));
		n++;
		if (cls) {
			census_send(&c, 1, buf,
				    census_tpkt(buf, dc, sizeof(dc), 0));
			n++;
		}
	}
	gen_close(&f);
	return n;
}

/*
 * Every legal TPDU size in class 0 and class 2, as a size code and as a
 * preferred maximum, through enforce with every check at drop: not one
 * anomaly, drop or desync, and every TPKT parsed.
 */
static long long n_anomalies(json_object *j)
{
	json_object *a;
	long long n = 0;

	assert_true(json_object_object_get_ex(j, "anomalies", &a));
	json_object_object_foreach(a, k, v) {
		(void)k;
		n += json_object_get_int64(v);
	}
	return n;
}

static void test_census_sizes(void **state)
{
	unsigned int cls, code, pref, tpkts;
	struct run_out r;

	(void)state;
	for (cls = 0; cls <= 2; cls += 2) {
		for (code = 7; code <= 16; code++) {
			for (pref = 0; pref < 2; pref++) {
				tpkts = census_session(IN, cls, code, pref);
				INSPECT(&r, "-j", "mode", "enforce",
					"check", "tpkt-reserved", "drop",
					"check", "tpkt-version", "drop",
					"check", "tpkt-length", "drop",
					"check", "cotp-li", "drop",
					"check", "cotp-code", "drop",
					"check", "cotp-class-tpdu", "drop",
					"check", "cotp-class-option", "drop",
					"check", "cotp-param", "drop",
					"check", "cotp-oversize", "drop",
					"check", "desync", "drop", IN);
				assert_json_ok(&r);
				print_message("census: class %u, %u-byte TPDUs "
					      "(%s): %lld TPKTs, %lld "
					      "anomalies\n", cls, 1U << code,
					      pref ? "0xf0" : "0xc0",
					      jget(r.json, "tpkts"),
					      n_anomalies(r.json));
				assert_int_equal(jget(r.json, "tpkts"), tpkts);
				assert_int_equal(n_anomalies(r.json), 0);
				assert_int_equal(jget(r.json, "drops"), 0);
				assert_int_equal(jget(r.json, "ooo_drops"), 0);
				assert_int_equal(jget(r.json, "desyncs"), 0);
				assert_int_equal(n_events(r.json), 0);
				run_free(&r);
			}
		}
	}
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kb_ethernet),
		T(test_kb_vlan),
		T(test_kb_sll),
		T(test_kb_sll2),
		T(test_kb_raw),
		T(test_kb_loopback),
		T(test_kb_ipv6_dstopts),
		T(test_kb_text),
		T(test_kb_monitor_default),
		T(test_kb_offloaded_checksum),
		T(test_split_every_byte),
		T(test_many_tpkts_per_segment),
		T(test_retransmission),
		T(test_ipv4_fragment),
		T(test_enforce_drops),
		T(test_out_of_order),
		T(test_pickup),
		T(test_snaplen),
		T(test_snaplen_bodies),
		T(test_multiple_files),
		T(test_ports),
		T(test_connection_reuse),
		T(test_runtime_errors),
		T(test_census_sizes),
	};
	int rc = cmocka_run_group_tests_name("inspect", tests, NULL, NULL);

	tmp_dir_remove();
	return rc;
}
