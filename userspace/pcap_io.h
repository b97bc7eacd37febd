/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Capture files in and out, and decoding of the link, IP and TCP headers
 * down to the TCP payload that the stream engine is fed.
 *
 * Input: classic pcap and pcapng; link types Ethernet (with
 * up to two 802.1Q/802.1ad tags), Linux cooked SLL and SLL2, raw IP
 * (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6) and BSD loopback (DLT_NULL,
 * DLT_LOOP).  libpcap opens every input; a classic pcap file that is a
 * regular file is then mapped and its records walked here, the way
 * libpcap reads them (same packets, same errors) without its two fread()
 * calls and copy per packet.  pcapng, stdin and pipes are read by libpcap.
 *
 * Output: classic pcap with the input's link type and snaplen, packets
 * written with their original record headers, so that an unedited packet
 * is byte-identical.  A pcapng input is written as classic pcap (libpcap
 * cannot write pcapng).
 */
#ifndef TPKTCTL_PCAP_IO_H
#define TPKTCTL_PCAP_IO_H

#include <signal.h>
#include <stdbool.h>
#include <pcap/pcap.h>

#include <tpkt/port.h>

struct pcap_in {
	pcap_t *p;		/* open for every input (filters compile on it) */
	const char *path;
	int linktype;		/* DLT_* */
	int snaplen;
	unsigned int precision;	/* PCAP_TSTAMP_PRECISION_* as stored */
	bool pcapng;
	unsigned long frame;	/* number of the last packet read, from 1 */
	/* if set and non-zero, a failed read is an interruption: no error */
	const volatile sig_atomic_t *stop;

	/* a mapped classic pcap file: records are walked from @off */
	const u8 *map;		/* NULL: libpcap reads (or nothing to map) */
	size_t map_len;
	size_t off;
	size_t populated;	/* up to where the pages are mapped in */
	size_t prefetched;	/* up to where the walk asked for the cache */
	bool mapped;
	bool swapped;		/* the file's byte order is not ours */
	struct pcap_pkthdr hdr;	/* what pcap_in_next() hands out */
};

/*
 * Open @path for reading.  Returns 0, or -1 after printing an error naming
 * the file (unreadable, not a capture, unsupported link type).
 */
int pcap_in_open(struct pcap_in *in, const char *path);

/*
 * Read the next packet.  Returns 1 with *@hdr and *@data set (valid until
 * the next call), 0 at the end of the file, -1 after printing an error
 * naming the file and the frame (truncated or corrupt file), or -2 if the
 * read failed because *@in->stop was set (a signal): nothing printed.
 */
int pcap_in_next(struct pcap_in *in, struct pcap_pkthdr **hdr,
		 const u8 **data);

void pcap_in_close(struct pcap_in *in);

/*
 * Compile the pcap-filter @expr for @in's link type and snaplen (see
 * pcap_compile(3), optimised, netmask unknown).  Returns 0, or -1 with the
 * reason in pcap_in_geterr().
 */
int pcap_in_compile(struct pcap_in *in, struct bpf_program *prog,
		    const char *expr);

/* libpcap's last error for @in (after pcap_in_compile()). */
const char *pcap_in_geterr(struct pcap_in *in);

/*
 * Whether @in is not a regular file (a pipe, a terminal, a socket): its
 * reader wants output as soon as it is found.
 */
bool pcap_in_live(const struct pcap_in *in);

/* Whether tpktctl can decode link type @dlt. */
bool pcap_linktype_supported(int dlt);

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *d;
	const char *path;
};

/*
 * Create @path as a classic pcap file with the link type, snaplen and
 * timestamp precision of @in.  Returns 0 or -1 (error printed).
 */
int pcap_out_open(struct pcap_out *out, const struct pcap_in *in,
		  const char *path);

/* Write one packet as is.  Returns 0 or -1 (error printed). */
int pcap_out_write(struct pcap_out *out, const struct pcap_pkthdr *hdr,
		   const u8 *data);

/*
 * Flush and close; returns 0, or -1 if anything could not be written
 * (error printed).  Safe on a pcap_out that was never opened.
 */
int pcap_out_close(struct pcap_out *out);

/* ---- packet decoding --------------------------------------------------- */

enum pkt_kind {
	PKT_OTHER,	/* not TCP over IPv4/IPv6: passed on unchanged */
	PKT_TCP,	/* a TCP segment whose TCP header was captured whole */
	PKT_FRAGMENT,	/* an IP fragment of a TCP packet: see the frag_* fields */
	PKT_TRUNCATED,	/* TCP, but the IP or TCP header was not captured */
	PKT_MALFORMED,	/* IP or TCP header lengths that do not add up */
};

/* TCP header flags, as on the wire. */
#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_PSH	0x08
#define TCPF_ACK	0x10

struct pkt {
	u8 family;		/* 4 or 6 */
	u8 saddr[16];		/* IPv4 in the first 4 bytes */
	u8 daddr[16];
	bool ports_known;	/* sport/dport valid (also if truncated) */
	u16 sport;
	u16 dport;
	u32 seq;
	u32 ack;
	u8 tcp_flags;		/* TCPF_* */
	u32 tcp_off;		/* frame offset of the TCP header */
	u32 data_off;		/* frame offset of the TCP payload */
	u32 len;		/* payload length, from the IP header */
	u32 caplen;		/* payload bytes captured (<= len) */

	/*
	 * PKT_FRAGMENT only (defrag.c reassembles from these): the fields
	 * come from the IP and fragment headers, not from the frame length,
	 * and the fragment's data may not all be captured (check
	 * frag_data_off + frag_len against the caplen).  The fragmentable
	 * part of a datagram begins with its TCP header; frag_offset counts
	 * from there.
	 */
	u32 ip_off;		/* frame offset of the IP header */
	u32 frag_id;		/* IPv4 identification, IPv6 fragment id */
	u32 frag_offset;	/* offset of the data in the datagram, bytes */
	bool frag_more;		/* MF (IPv4) / M (IPv6) */
	bool frag_df;		/* IPv4: DF set as well */
	u8 frag_proto;		/* IPv4 protocol / fragment header's next hdr */
	u32 frag_data_off;	/* frame offset of the fragment's data */
	u32 frag_len;		/* its length, from the IP header */
	u32 frag_unfrag_len;	/* IPv4 header length; IPv6 header + the
				 * extension headers before the fragment
				 * header */
	u32 frag_nh_off;	/* IPv6: frame offset of the next-header byte
				 * that says 44 (fragment header) */
};

/*
 * Decode the @caplen captured bytes of @frame, of link type @dlt.  Fills
 * @p as far as the headers go; for PKT_TCP every field is valid.  The
 * payload length comes from the IP header (not from the frame length,
 * which may include Ethernet padding), and @p->caplen tells how much of it
 * was captured.
 */
enum pkt_kind pkt_decode(int dlt, const u8 *frame, u32 caplen, struct pkt *p);

/*
 * Incremental TCP checksum update (RFC 1624, eqn. 3) for one payload byte
 * changed from @old to @new.  @csum points at the checksum field; @odd is
 * whether the byte sits at an odd offset from the start of the TCP header.
 * The difference between the stored checksum and the correct one is kept:
 * a right checksum stays right, a wrong one (offloaded capture) stays as
 * wrong as it was.
 */
void tcp_csum_replace_byte(u8 *csum, bool odd, u8 old, u8 new);

/*
 * Whether the TCP checksum of the decoded segment @p of @frame is right:
 * 1 yes, 0 no, -1 cannot tell (payload not captured whole).
 */
int tcp_csum_check(const struct pkt *p, const u8 *frame);

/* Compute and store the correct TCP checksum (tests build packets). */
void tcp_csum_set(const struct pkt *p, u8 *frame);

#endif /* TPKTCTL_PCAP_IO_H */
