// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Capture file I/O and header decoding for tpktctl inspect.
 *
 * Every length read from a packet is checked against what was captured
 * before it is used: captures are input from anywhere, and a malformed one
 * must give an error or a skipped packet, never a read past the buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pcap/dlt.h>

#include "pcap_io.h"
#include "util.h"

#define PCAP_MAGIC_US	0xa1b2c3d4U
#define PCAP_MAGIC_NS	0xa1b23c4dU
#define PCAPNG_MAGIC	0x0a0d0d0aU

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8

#define IPPROTO_TCP_	6
#define SLL_HDR_LEN	16
#define SLL2_HDR_LEN	20

static u16 get16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

bool pcap_linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/*
 * The timestamp precision the file stores, so that the output is written
 * with the same one and its record headers come out byte-identical.
 * libpcap converts to whatever precision it is asked for and cannot tell
 * which one the file had, so look at the magic number ourselves.
 */
static int sniff_format(FILE *f, unsigned int *precision, bool *pcapng,
			bool *classic)
{
	u8 m[4];
	u32 be, le;

	if (fread(m, 1, sizeof(m), f) != sizeof(m))
		return -1;
	be = get32(m);
	le = (u32)m[3] << 24 | m[2] << 16 | m[1] << 8 | m[0];
	*pcapng = be == PCAPNG_MAGIC;
	/* not the variants (Kuznetzov's, Navtel's): libpcap reads those */
	*classic = be == PCAP_MAGIC_US || le == PCAP_MAGIC_US ||
		   be == PCAP_MAGIC_NS || le == PCAP_MAGIC_NS;
	/*
	 * pcapng timestamps may be finer than microseconds (if_tsresol):
	 * read them in nanoseconds so that none is lost.
	 */
	*precision = *pcapng || be == PCAP_MAGIC_NS || le == PCAP_MAGIC_NS ?
		     PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO;
	return 0;
}

/* The file header of a classic pcap file: the records follow it. */
#define PCAP_FILE_HDR_LEN	24
#define PCAP_REC_HDR_LEN	16
/*
 * libpcap's largest sane caplen for the link types decoded here
 * (MAXIMUM_SNAPLEN, max_snaplen_for_dlt()): a bigger one is corrupt.
 */
#define PCAP_MAX_CAPLEN		262144U

/*
 * Map a classic pcap file that libpcap has opened, when its records can
 * be walked exactly as libpcap would: version 2.4 (older versions may
 * have caplen and len the other way round), and no pseudo-header that
 * libpcap byte-swaps in the packet data (the CAN frames of Linux cooked
 * captures in the other byte order).  Anything else stays with libpcap.
 */
static void map_classic(struct pcap_in *in, FILE *f)
{
	struct stat st;
	void *m;

	in->swapped = pcap_is_swapped(in->p);
	if (pcap_major_version(in->p) != 2 || pcap_minor_version(in->p) != 4)
		return;
	if (in->swapped && (in->linktype == DLT_LINUX_SLL ||
			    in->linktype == DLT_LINUX_SLL2))
		return;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    st.st_size < PCAP_FILE_HDR_LEN ||
	    (unsigned long long)st.st_size > SIZE_MAX)
		return;
	in->map_len = st.st_size;
	in->off = PCAP_FILE_HDR_LEN;
	if (in->map_len > PCAP_FILE_HDR_LEN) {
		m = mmap(NULL, in->map_len, PROT_READ, MAP_PRIVATE,
			 fileno(f), 0);
		if (m == MAP_FAILED)
			return;		/* libpcap reads it then */
		madvise(m, in->map_len, MADV_SEQUENTIAL);
		in->map = m;
	}
	in->mapped = true;
}

int pcap_in_open(struct pcap_in *in, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	bool classic = false;
	FILE *f;

	memset(in, 0, sizeof(*in));
	in->path = path;
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		tpktctl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (f != stdin) {
		if (sniff_format(f, &in->precision, &in->pcapng, &classic)) {
			tpktctl_err("%s: not a pcap or pcapng file (too short)",
				    path);
			fclose(f);
			return -1;
		}
		rewind(f);
	} else {
		/* a pipe cannot be rewound: take libpcap's default */
		in->precision = PCAP_TSTAMP_PRECISION_MICRO;
	}
	in->p = pcap_fopen_offline_with_tstamp_precision(f, in->precision,
							 errbuf);
	if (!in->p) {
		tpktctl_err("%s: %s", path, errbuf);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	in->linktype = pcap_datalink(in->p);
	in->snaplen = pcap_snapshot(in->p);
	if (!pcap_linktype_supported(in->linktype)) {
		const char *name = pcap_datalink_val_to_name(in->linktype);

		tpktctl_err("%s: link type %d (%s) is not supported: expected "
			    "Ethernet, Linux cooked (SLL, SLL2), raw IP or BSD "
			    "loopback", path, in->linktype,
			    name ? name : "unknown");
		pcap_in_close(in);
		return -1;
	}
	if (classic && f != stdin)
		map_classic(in, f);
	return 0;
}

static u32 rec32(const struct pcap_in *in, const u8 *b)
{
	u32 v;

	memcpy(&v, b, sizeof(v));
	return in->swapped ? __builtin_bswap32(v) : v;
}

/*
 * The records are read once, in order, mostly from the page cache.  Map
 * the pages in ahead of the walk a chunk at a time (one page fault each
 * would cost more), and ask for the cache lines a little ahead of it,
 * which the hardware prefetcher does not do across pages (and a prefetch
 * of a page not mapped in yet does nothing).  Not the whole file at once
 * (MAP_POPULATE): a file bigger than the memory would be read twice.
 */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14 */
#endif
#define POPULATE_CHUNK	(1U << 20)
#define PREFETCH_AHEAD	4096

static void prefetch_ahead(struct pcap_in *in)
{
	size_t to = in->off + PREFETCH_AHEAD;

	if (to > in->map_len)
		to = in->map_len;
	if (to > in->populated) {
		size_t n = in->map_len - in->populated;

		if (n > POPULATE_CHUNK)
			n = POPULATE_CHUNK;
		/* an older kernel, or an error the walk will meet: faults */
		if (madvise((void *)(in->map + in->populated), n,
			    MADV_POPULATE_READ))
			in->populated = in->map_len;
		else
			in->populated += n;
	}
	if (in->prefetched < in->off)
		in->prefetched = in->off;
	for (; in->prefetched < to; in->prefetched += 64)
		__builtin_prefetch(in->map + in->prefetched);
}

/*
 * The next record of a mapped file, as libpcap's pcap_next_packet() in
 * sf-pcap.c reads it, errors and all; after an error the position is
 * where libpcap's would be (the end of the file, or past a record header
 * with a corrupt length).
 */
static int map_next(struct pcap_in *in, struct pcap_pkthdr **hdr,
		    const u8 **data)
{
	size_t rest = in->map_len - in->off, avail;
	const u8 *r = in->map + in->off;
	u32 caplen, len;

	if (!rest)
		return 0;
	prefetch_ahead(in);
	if (rest < PCAP_REC_HDR_LEN) {
		in->off = in->map_len;
		tpktctl_err("%s: frame %lu: truncated dump file; tried to read "
			    "%u header bytes, only got %zu", in->path,
			    in->frame + 1, PCAP_REC_HDR_LEN, rest);
		return -1;
	}
	caplen = rec32(in, r + 8);
	len = rec32(in, r + 12);
	avail = rest - PCAP_REC_HDR_LEN;
	if (caplen > PCAP_MAX_CAPLEN) {
		in->off += PCAP_REC_HDR_LEN;
		if (caplen > (u32)in->snaplen)
			tpktctl_err("%s: frame %lu: invalid packet capture "
				    "length %u, bigger than snaplen of %d",
				    in->path, in->frame + 1, caplen,
				    in->snaplen);
		else
			tpktctl_err("%s: frame %lu: invalid packet capture "
				    "length %u, bigger than maximum of %u",
				    in->path, in->frame + 1, caplen,
				    PCAP_MAX_CAPLEN);
		return -1;
	}
	if (avail < caplen) {
		/*
		 * A caplen above the snaplen: libpcap reads the snaplen's
		 * worth first, then the rest, and names what failed.
		 */
		u32 want = caplen > (u32)in->snaplen && avail < (u32)in->snaplen ?
			   (u32)in->snaplen : caplen;

		in->off = in->map_len;
		tpktctl_err("%s: frame %lu: truncated dump file; tried to read "
			    "%u captured bytes, only got %zu", in->path,
			    in->frame + 1, want, avail);
		return -1;
	}
	/*
	 * As libpcap 1.10 has them: signed in our byte order (its struct
	 * pcap_timeval), unsigned in the other (its SWAPLONG()).
	 * test_pcap_io checks this against the libpcap it links.
	 */
	if (in->swapped) {
		in->hdr.ts.tv_sec = rec32(in, r);
		in->hdr.ts.tv_usec = rec32(in, r + 4);
	} else {
		in->hdr.ts.tv_sec = (int32_t)rec32(in, r);
		in->hdr.ts.tv_usec = (int32_t)rec32(in, r + 4);
	}
	/* more than the snaplen is cut to it, as libpcap does */
	in->hdr.caplen = caplen > (u32)in->snaplen ? (u32)in->snaplen : caplen;
	in->hdr.len = len;
	in->off += PCAP_REC_HDR_LEN + caplen;
	in->frame++;
	*hdr = &in->hdr;
	*data = r + PCAP_REC_HDR_LEN;
	return 1;
}

int pcap_in_next(struct pcap_in *in, struct pcap_pkthdr **hdr,
		 const u8 **data)
{
	const u_char *d;
	int ret;

	if (in->mapped)
		return map_next(in, hdr, data);
	ret = pcap_next_ex(in->p, hdr, &d);
	if (ret == 1) {
		in->frame++;
		*data = d;
		return 1;
	}
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (in->stop && *in->stop)
		return -2;
	/* libpcap says "truncated dump file; tried to read ..." and such */
	tpktctl_err("%s: frame %lu: %s", in->path, in->frame + 1,
		    pcap_geterr(in->p));
	return -1;
}

void pcap_in_close(struct pcap_in *in)
{
	if (in->map)
		munmap((void *)in->map, in->map_len);
	in->map = NULL;
	in->mapped = false;
	if (in->p)
		pcap_close(in->p);	/* closes the FILE too */
	in->p = NULL;
}

int pcap_in_compile(struct pcap_in *in, struct bpf_program *prog,
		    const char *expr)
{
	/* the pcap_t has the file's link type and snaplen, mapped or not */
	return pcap_compile(in->p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) ?
	       -1 : 0;
}

const char *pcap_in_geterr(struct pcap_in *in)
{
	return pcap_geterr(in->p);
}

bool pcap_in_live(const struct pcap_in *in)
{
	struct stat st;

	if (in->mapped)
		return false;
	return fstat(fileno(pcap_file(in->p)), &st) || !S_ISREG(st.st_mode);
}

int pcap_out_open(struct pcap_out *out, const struct pcap_in *in,
		  const char *path)
{
	memset(out, 0, sizeof(*out));
	out->path = path;
	out->dead = pcap_open_dead_with_tstamp_precision(in->linktype,
							 in->snaplen,
							 in->precision);
	if (!out->dead) {
		tpktctl_err("%s: cannot set up a capture writer", path);
		return -1;
	}
	out->d = pcap_dump_open(out->dead, path);
	if (!out->d) {
		tpktctl_err("%s: %s", path, pcap_geterr(out->dead));
		pcap_close(out->dead);
		out->dead = NULL;
		return -1;
	}
	return 0;
}

int pcap_out_write(struct pcap_out *out, const struct pcap_pkthdr *hdr,
		   const u8 *data)
{
	pcap_dump((u_char *)out->d, hdr, data);
	/* pcap_dump() cannot fail visibly; the stream remembers errors */
	if (ferror(pcap_dump_file(out->d))) {
		tpktctl_err("%s: write error", out->path);
		return -1;
	}
	return 0;
}

int pcap_out_close(struct pcap_out *out)
{
	int ret = 0;

	if (out->d) {
		if (pcap_dump_flush(out->d) ||
		    ferror(pcap_dump_file(out->d))) {
			tpktctl_err("%s: write error: %s", out->path,
				    strerror(errno ? errno : EIO));
			ret = -1;
		}
		pcap_dump_close(out->d);
	}
	if (out->dead)
		pcap_close(out->dead);
	out->d = NULL;
	out->dead = NULL;
	return ret;
}

/* ---- decoding ---------------------------------------------------------- */

/* TCP behind an IP header at @off; @end is where the IP packet ends. */
static enum pkt_kind tcp_decode(const u8 *f, u32 caplen, u32 off, u32 end,
				struct pkt *p)
{
	u32 doff;

	if (end - off < 20)
		return PKT_MALFORMED;
	if (caplen < off + 4)
		return PKT_TRUNCATED;
	p->sport = get16(f + off);
	p->dport = get16(f + off + 2);
	p->ports_known = true;
	if (caplen < off + 20)
		return PKT_TRUNCATED;
	doff = (f[off + 12] >> 4) * 4U;
	if (doff < 20 || doff > end - off)
		return PKT_MALFORMED;
	if (caplen < off + doff)
		return PKT_TRUNCATED;
	p->seq = get32(f + off + 4);
	p->ack = get32(f + off + 8);
	p->tcp_flags = f[off + 13];
	p->tcp_off = off;
	p->data_off = off + doff;
	p->len = end - p->data_off;
	/* Ethernet padding lies past @end: it is no payload */
	p->caplen = caplen >= end ? p->len : caplen - p->data_off;
	return PKT_TCP;
}

static enum pkt_kind ipv4_decode(const u8 *f, u32 caplen, u32 off,
				 struct pkt *p)
{
	u32 ihl, tot;

	if (caplen < off + 20)
		return PKT_TRUNCATED;
	if (f[off] >> 4 != 4)
		return PKT_MALFORMED;
	ihl = (f[off] & 0x0f) * 4U;
	tot = get16(f + off + 2);
	/* a total length of 0 (TSO on the capturing host) is no length */
	if (ihl < 20 || tot < ihl)
		return PKT_MALFORMED;
	if (f[off + 9] != IPPROTO_TCP_)
		return PKT_OTHER;
	p->family = 4;
	memcpy(p->saddr, f + off + 12, 4);
	memcpy(p->daddr, f + off + 16, 4);
	/*
	 * MF set or a fragment offset: part of a fragmented packet.  The
	 * header length may not be captured: defrag checks the data is.
	 */
	if (get16(f + off + 6) & 0x3fff) {
		p->ip_off = off;
		p->frag_id = get16(f + off + 4);
		p->frag_offset = (get16(f + off + 6) & 0x1fff) * 8U;
		p->frag_more = f[off + 6] & 0x20;
		p->frag_df = f[off + 6] & 0x40;
		p->frag_proto = IPPROTO_TCP_;
		p->frag_data_off = off + ihl;
		p->frag_len = tot - ihl;
		p->frag_unfrag_len = ihl;
		return PKT_FRAGMENT;
	}
	if (caplen < off + ihl)
		return PKT_TRUNCATED;
	return tcp_decode(f, caplen, off + ihl, off + tot, p);
}

static enum pkt_kind ipv6_decode(const u8 *f, u32 caplen, u32 off,
				 struct pkt *p)
{
	u32 end, ip = off, nh_off = off + 6;
	u8 nh;

	if (caplen < off + 40)
		return PKT_TRUNCATED;
	if (f[off] >> 4 != 6)
		return PKT_MALFORMED;
	/* payload length 0 is a jumbogram (or TSO): not for us */
	if (!get16(f + off + 4))
		return PKT_MALFORMED;
	end = off + 40 + get16(f + off + 4);
	nh = f[off + 6];
	memcpy(p->saddr, f + off + 8, 16);
	memcpy(p->daddr, f + off + 24, 16);
	p->family = 6;
	off += 40;
	/* every extension header is at least 8 bytes: the walk ends */
	for (;;) {
		u32 hlen;

		switch (nh) {
		case IPPROTO_TCP_:
			return tcp_decode(f, caplen, off, end, p);
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 51:	/* authentication header */
			if (end - off < 8)
				return PKT_MALFORMED;
			if (caplen < off + 2)
				return PKT_TRUNCATED;
			hlen = nh == 51 ? (f[off + 1] + 2U) * 4 :
					  (f[off + 1] + 1U) * 8;
			break;
		case 44:	/* fragment */
			if (end - off < 8)
				return PKT_MALFORMED;
			if (caplen < off + 8)
				return PKT_TRUNCATED;
			/*
			 * An "atomic fragment" (offset 0, no M flag, RFC
			 * 6946) is a whole packet; anything else is part of
			 * one and never parsed.
			 */
			if (get16(f + off + 2) & 0xfff9) {
				if (f[off] != IPPROTO_TCP_)
					return PKT_OTHER;
				p->ip_off = ip;
				p->frag_id = get32(f + off + 4);
				p->frag_offset = get16(f + off + 2) & 0xfff8;
				p->frag_more = f[off + 3] & 1;
				p->frag_proto = f[off];
				p->frag_data_off = off + 8;
				p->frag_len = end - (off + 8);
				p->frag_unfrag_len = off - ip;
				p->frag_nh_off = nh_off;
				return PKT_FRAGMENT;
			}
			hlen = 8;
			break;
		default:
			return PKT_OTHER;
		}
		if (hlen > end - off)
			return PKT_MALFORMED;
		nh = f[off];
		nh_off = off;
		off += hlen;
	}
}

/* IPv4 or IPv6 by ethertype, behind up to two VLAN tags. */
static enum pkt_kind ether_decode(const u8 *f, u32 caplen, u32 off, u16 type,
				  struct pkt *p)
{
	unsigned int tags = 0;

	while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && tags++ < 2) {
		if (caplen < off + 4)
			return PKT_OTHER;
		type = get16(f + off + 2);
		off += 4;
	}
	if (type == ETH_P_IP)
		return ipv4_decode(f, caplen, off, p);
	if (type == ETH_P_IPV6)
		return ipv6_decode(f, caplen, off, p);
	return PKT_OTHER;
}

static enum pkt_kind ip_decode(const u8 *f, u32 caplen, u32 off, int version,
			       struct pkt *p)
{
	if (caplen <= off)
		return PKT_OTHER;
	if (!version)
		version = f[off] >> 4;
	if (version == 4)
		return ipv4_decode(f, caplen, off, p);
	if (version == 6)
		return ipv6_decode(f, caplen, off, p);
	return PKT_OTHER;
}

/*
 * BSD loopback: a 4-byte address family, in the byte order of the machine
 * that captured (DLT_NULL) or in network order (DLT_LOOP).  AF_INET6 is 24
 * on NetBSD/OpenBSD, 28 on FreeBSD and 30 on macOS.
 */
static int loop_version(const u8 *f, bool host_order)
{
	u32 af = get32(f);

	if (host_order && (af & 0xffff0000))
		af = (u32)f[3] << 24 | f[2] << 16 | f[1] << 8 | f[0];
	if (af == 2)
		return 4;
	if (af == 24 || af == 28 || af == 30)
		return 6;
	return -1;
}

enum pkt_kind pkt_decode(int dlt, const u8 *f, u32 caplen, struct pkt *p)
{
	int v;

	memset(p, 0, sizeof(*p));
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return PKT_OTHER;
		return ether_decode(f, caplen, 14, get16(f + 12), p);
	case DLT_LINUX_SLL:
		if (caplen < SLL_HDR_LEN)
			return PKT_OTHER;
		return ether_decode(f, caplen, SLL_HDR_LEN, get16(f + 14), p);
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HDR_LEN)
			return PKT_OTHER;
		return ether_decode(f, caplen, SLL2_HDR_LEN, get16(f), p);
	case DLT_RAW:
		return ip_decode(f, caplen, 0, 0, p);
	case DLT_IPV4:
		return ip_decode(f, caplen, 0, 4, p);
	case DLT_IPV6:
		return ip_decode(f, caplen, 0, 6, p);
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			return PKT_OTHER;
		v = loop_version(f, dlt == DLT_NULL);
		return v < 0 ? PKT_OTHER : ip_decode(f, caplen, 4, v, p);
	default:
		return PKT_OTHER;
	}
}

/* ---- checksums --------------------------------------------------------- */

static u32 fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

void tcp_csum_replace_byte(u8 *csum, bool odd, u8 old, u8 new)
{
	/*
	 * HC' = ~(~HC + ~m + m').  Only the changed byte of the 16-bit word
	 * matters: the other byte's contributions to m and m' cancel.
	 */
	u32 hc = get16(csum);
	u32 m = odd ? old : (u32)old << 8;
	u32 m1 = odd ? new : (u32)new << 8;
	u32 sum = fold((~hc & 0xffff) + (~m & 0xffff) + m1);

	hc = ~sum & 0xffff;
	csum[0] = hc >> 8;
	csum[1] = hc & 0xff;
}

static u32 sum_bytes(u32 sum, const u8 *b, u32 n)
{
	u32 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(b + i);
	if (n & 1)
		sum += (u32)b[n - 1] << 8;
	return fold(sum);
}

/* One's complement sum of the pseudo-header and the whole segment. */
static u32 tcp_sum(const struct pkt *p, const u8 *f)
{
	u32 tlen = p->data_off - p->tcp_off + p->len, alen;
	u32 sum = 0;

	alen = p->family == 4 ? 4 : 16;
	sum = sum_bytes(sum, p->saddr, alen);
	sum = sum_bytes(sum, p->daddr, alen);
	sum += IPPROTO_TCP_ + (tlen >> 16) + (tlen & 0xffff);
	return sum_bytes(fold(sum), f + p->tcp_off, tlen);
}

int tcp_csum_check(const struct pkt *p, const u8 *f)
{
	if (p->caplen < p->len)
		return -1;
	return tcp_sum(p, f) == 0xffff;
}

void tcp_csum_set(const struct pkt *p, u8 *f)
{
	u32 sum;

	f[p->tcp_off + 16] = 0;
	f[p->tcp_off + 17] = 0;
	sum = ~tcp_sum(p, f) & 0xffff;
	f[p->tcp_off + 16] = sum >> 8;
	f[p->tcp_off + 17] = sum & 0xff;
}
