// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Capture file I/O and header decoding for tpktctl inspect.
 *
 * Every length read from a packet is checked against what was captured
 * before it is used: captures are input from anywhere, and a malformed one
 * must give an error or a skipped packet, never a read past the buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
static int sniff_format(FILE *f, unsigned int *precision, bool *pcapng)
{
	u8 m[4];
	u32 be, le;

	if (fread(m, 1, sizeof(m), f) != sizeof(m))
		return -1;
	be = get32(m);
	le = (u32)m[3] << 24 | m[2] << 16 | m[1] << 8 | m[0];
	*pcapng = be == PCAPNG_MAGIC;
	/*
	 * pcapng timestamps may be finer than microseconds (if_tsresol):
	 * read them in nanoseconds so that none is lost.
	 */
	*precision = *pcapng || be == PCAP_MAGIC_NS || le == PCAP_MAGIC_NS ?
		     PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO;
	return 0;
}

int pcap_in_open(struct pcap_in *in, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f;

	memset(in, 0, sizeof(*in));
	in->path = path;
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		tpktctl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (f != stdin) {
		if (sniff_format(f, &in->precision, &in->pcapng)) {
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
	return 0;
}

int pcap_in_next(struct pcap_in *in, struct pcap_pkthdr **hdr,
		 const u8 **data)
{
	const u_char *d;
	int ret = pcap_next_ex(in->p, hdr, &d);

	if (ret == 1) {
		in->frame++;
		*data = d;
		return 1;
	}
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	/* libpcap says "truncated dump file; tried to read ..." and such */
	tpktctl_err("%s: frame %lu: %s", in->path, in->frame + 1,
		    pcap_geterr(in->p));
	return -1;
}

void pcap_in_close(struct pcap_in *in)
{
	if (in->p)
		pcap_close(in->p);	/* closes the FILE too */
	in->p = NULL;
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
