/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * IPv4/IPv6 fragment reassembly for tpktctl inspect, so that it sees
 * whole datagrams as the module does behind nf_defrag_ipv4/ipv6.
 *
 * What Linux does, and so what this does:
 *  - keys: IPv4 (saddr, daddr, id, protocol), IPv6 (saddr, daddr, id);
 *  - fragments are kept as Linux's "runs" (net/ipv4/inet_fragment.c,
 *    inet_frag_queue_insert()): a fragment inside one run of held data is
 *    a duplicate, ignored (held for the output, counted, not used); any
 *    other overlap discards the whole datagram (RFC 5722, Linux >= 4.19);
 *  - a last fragment that ends before data already held, a second last
 *    fragment with another end, or data past the last fragment's end: the
 *    datagram is discarded for IPv4 (ip_fragment.c), the fragment alone
 *    for IPv6 (nf_conntrack_reasm.c);
 *  - an IPv4 non-last fragment whose length is not a multiple of 8 is cut
 *    down to one (its tail is not used), an IPv6 one discards the
 *    datagram; a fragment left with no data: IPv4 discards the datagram,
 *    IPv6 the fragment;
 *  - at most 65535 bytes: IPv4 total length (the datagram is discarded),
 *    IPv6 offset + length of a fragment (the fragment is) and payload
 *    length of the result (the datagram is);
 *  - ECN (RFC 3168 5.3): Not-ECT mixed with ECT/CE discards the datagram,
 *    CE in any fragment sets CE in the result;
 *  - the reassembled header is the first fragment's (offset 0); IPv4:
 *    offset and MF cleared, DF kept if a fragment had it, total length and
 *    header checksum set; IPv6: fragment header removed, the next-header
 *    byte that pointed at it set to its next header, payload length set;
 *  - a datagram times out 30 s (ipfrag_time) after its first fragment, in
 *    capture time; the next fragment with that key starts a new one.
 * Differences, because a capture is not a host: a fragment whose data was
 * not captured whole (snaplen) cannot be used and is dropped (the
 * datagram stays, to time out); the IPv4 header checksum is not checked;
 * over the limits, Linux drops new fragments while this evicts the
 * oldest datagram, so that a capture's later datagrams are not lost to a
 * flood of old incomplete ones.  IPv6 fragments whose fragment header
 * says other than TCP never get here (pkt_decode() returns PKT_OTHER).
 *
 * Integration (inspect.c):
 *
 *	d = defrag_new(NULL);
 *	for each packet h, frame:
 *		k = pkt_decode(dlt, frame, h->caplen, &p);
 *		defrag_expire(d, &h->ts);       (optional: feed does it too)
 *		drain(d);                       (see below)
 *		if (k != PKT_FRAGMENT) { ...as today...; continue; }
 *		switch (defrag_feed(d, h, frame, &p, &g)) {
 *		case DEFRAG_HELD:       the frame is copied and held: do not
 *					write it now;
 *		case DEFRAG_DROPPED:    not held (defrag_last_reason() says
 *					why): write the frame as is (or drop
 *					it, as the module's host would);
 *		case DEFRAG_DONE:       g->kind/g->p decode g->buf (a raw IP
 *					packet: DLT_RAW offsets); feed the
 *					engine with g->p as a PKT_TCP of frame
 *					g->buf; for each edit at payload
 *					offset o, defrag_apply_edit(g,
 *					g->p.data_off - g->p.tcp_off + o, v);
 *					then write g->frags[i].frame with
 *					g->frags[i].hdr for i < g->n_frags (in
 *					arrival order, edits applied, the
 *					current frame last) and
 *					defrag_dgram_free(g);
 *		}
 *		drain(d);
 *	at the end: defrag_flush(d); drain(d); read defrag_counters(d);
 *	defrag_free(d).
 *
 * drain: with limits.keep_dropped, a datagram that is discarded (overlap,
 * timeout, eviction, flush...) keeps its held fragments, to be written to
 * the output unchanged: while ((g = defrag_take_dropped(d))) { write
 * g->frags[]; defrag_dgram_free(g); } after every call that may drop
 * (feed, expire, flush).  Without keep_dropped they are freed at once.
 *
 * Memory: max_bytes bounds the frame copies held (their caplen); a
 * complete datagram handed out is the caller's and not counted.
 */
#ifndef TPKTCTL_DEFRAG_H
#define TPKTCTL_DEFRAG_H

#include <sys/time.h>

#include "pcap_io.h"

#define DEFRAG_MAX_SIZE		65535U
#define DEFRAG_MAX_PENDING	1024U
#define DEFRAG_MAX_BYTES	(4U << 20)	/* ipfrag_high_thresh */
#define DEFRAG_TIMEOUT_SEC	30		/* ipfrag_time */

/* Zero fields take the defaults above. */
struct defrag_limits {
	u32 max_size;		/* IPv4 total / IPv6 payload length, <= 65535 */
	u32 max_pending;	/* datagrams being reassembled */
	u64 max_bytes;		/* frame bytes held over all of them */
	struct timeval timeout;	/* from a datagram's first fragment */
	bool keep_dropped;	/* defrag_take_dropped() hands them out */
};

enum defrag_result {
	DEFRAG_HELD,		/* held, the datagram is incomplete */
	DEFRAG_DONE,		/* *out is a complete datagram */
	DEFRAG_DROPPED,		/* not held: defrag_last_reason() */
};

enum defrag_reason {
	DEFRAG_R_NONE,
	DEFRAG_R_OVERLAP,	/* fragments overlap: datagram discarded */
	DEFRAG_R_TOO_BIG,	/* past 65535 bytes (or max_size) */
	DEFRAG_R_TRUNCATED,	/* fragment data not captured whole */
	DEFRAG_R_MALFORMED,	/* lengths, offsets or ECN that do not fit */
	DEFRAG_R_OVER_LIMIT,	/* a fragment bigger than max_bytes alone */
	DEFRAG_R_NOMEM,
	DEFRAG_R_TIMEOUT,	/* dropped datagrams only: */
	DEFRAG_R_EVICTED,
	DEFRAG_R_FLUSHED,
};

/* Counts of fragments fed, and of datagrams for the others. */
struct defrag_counters {
	u64 fragments;		/* fed */
	u64 reassembled;	/* datagrams handed out by DEFRAG_DONE */
	u64 duplicates;		/* fragments ignored (DEFRAG_HELD) */
	u64 overlaps;		/* datagrams discarded: */
	u64 timeouts;
	u64 evicted;
	u64 flushed;
	u64 truncated;		/* fragments dropped: */
	u64 too_big;
	u64 malformed;
	u64 over_limit;
	u64 nomem;
};

/* An original fragment as captured, in a datagram. */
struct defrag_frag {
	struct pcap_pkthdr hdr;
	u8 *frame;		/* hdr.caplen bytes, the caller may edit */
	u32 start, end;		/* the datagram bytes [start, end) it carries,
				 * counted from the TCP header (the start of
				 * the fragmentable part) */
	u32 data_off;		/* frame offset of byte @start */
	bool dup;		/* ignored duplicate (its bytes are not in
				 * buf, but edits are applied to it too) */
};

struct defrag_dgram {
	u8 family;		/* 4 or 6 */
	enum defrag_reason reason;	/* dropped ones: why */
	/* complete ones: the reassembled IP packet, and it decoded */
	u8 *buf;
	u32 len;
	enum pkt_kind kind;	/* pkt_decode(DLT_RAW, buf, len, &p) */
	struct pkt p;
	u32 l4_base;		/* offset in buf of the fragmentable part */
	/* the original fragments, in arrival order */
	struct defrag_frag *frags;
	u32 n_frags;
};

struct defrag;

/* @lim may be NULL (defaults).  NULL if out of memory. */
struct defrag *defrag_new(const struct defrag_limits *lim);

/* Frees what is pending and not taken, uncounted. */
void defrag_free(struct defrag *d);

/*
 * Feed a fragment: @p as pkt_decode() filled it for PKT_FRAGMENT, of
 * @frame with record header @h.  Expires what is older than the timeout
 * at @h->ts first.  Returns an enum defrag_result (*@out set for
 * DEFRAG_DONE only, the caller's to free), or -1 if @p is no fragment.
 */
int defrag_feed(struct defrag *d, const struct pcap_pkthdr *h,
		const u8 *frame, const struct pkt *p,
		struct defrag_dgram **out);

/* Why the last DEFRAG_DROPPED was, and a name for it ("overlap"...). */
enum defrag_reason defrag_last_reason(const struct defrag *d);
const char *defrag_reason_name(enum defrag_reason r);

/* Discard the datagrams whose timeout has passed at @now (counted). */
void defrag_expire(struct defrag *d, const struct timeval *now);

/* End of capture: discard all that is pending (counted as flushed). */
void defrag_flush(struct defrag *d);

/* With keep_dropped: the next discarded datagram (oldest first) or NULL. */
struct defrag_dgram *defrag_take_dropped(struct defrag *d);

const struct defrag_counters *defrag_counters(const struct defrag *d);

/* Datagrams pending and frame bytes held, now. */
u32 defrag_pending(const struct defrag *d);
u64 defrag_bytes(const struct defrag *d);

/*
 * Set byte @l4_off of the complete datagram @g's TCP segment (from the
 * start of the TCP header; not the checksum field) to @val, in g->buf and
 * in every fragment copy that carries it, and update the TCP checksum
 * incrementally, in g->buf and in the copies that carry it (a wrong
 * checksum stays as wrong).  Returns 0, or -1 (no complete TCP datagram,
 * offset out of the segment or in the checksum).
 */
int defrag_apply_edit(struct defrag_dgram *g, u32 l4_off, u8 val);

void defrag_dgram_free(struct defrag_dgram *g);

#endif /* TPKTCTL_DEFRAG_H */
