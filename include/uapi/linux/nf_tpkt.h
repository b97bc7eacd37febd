/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nf_tpkt: inspection and normalization of ISO-on-TCP (RFC 1006 TPKT,
 * ISO 8073 / X.224 COTP) traffic in the netfilter fast path.
 *
 * This header is the whole user-visible API of the module: the names of the
 * checks, actions, TPDU types and counters that the kernel, tpktctl and the
 * documentation share, and the generic netlink family that configures it.
 *
 * Generic netlink family
 * ----------------------
 *
 * Family name NF_TPKT_GENL_NAME ("nf_tpkt"), version NF_TPKT_GENL_VERSION,
 * attributes of enum nf_tpkt_attr at the top level.  Every request acts on
 * the network namespace of the requesting socket.  Requests marked "admin"
 * need CAP_NET_ADMIN in the user namespace that owns that network namespace
 * (GENL_UNS_ADMIN_PERM), held both by the task that opened the socket and
 * by the one sending: root in a user namespace that owns a network
 * namespace manages that namespace only, and a socket opened in another
 * namespace, or by another task, carries no rights along.  The others are
 * open to any user; a refused admin request fails with -EPERM.
 *
 * Requests are validated strictly, and a refused request changes nothing.
 * genlmsghdr.reserved must be 0 and nlmsg_flags hold nothing but
 * NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP.  An attribute the
 * command does not take, an unknown one, one given twice (at the top level
 * or in a nest), one of the wrong length or with NLA_F_NESTED where it does
 * not belong (or without it on a nest), and bytes left over, fail with
 * -EINVAL (a flag with a payload: -ERANGE); values out of range with
 * -ERANGE (bits outside NF_TPKT_HOOK_ALL: -EINVAL; more than
 * NF_TPKT_MAX_PORT_RANGES port ranges: -E2BIG); each with an extended ack
 * message and, where one attribute is to blame, its offset.  From the
 * genetlink core and without a message: -EOPNOTSUPP for an unknown command
 * and for a dump of a do-only command or the reverse, -EINVAL for a
 * message shorter than its genlmsghdr.
 *
 * Nested arrays (actions, counters) use attribute type = index + 1, so that
 * type 0 stays reserved as netlink requires.  In the 64-bit counter nests
 * type 0 may still appear: the padding nla_put_u64_64bit() inserts where
 * the architecture needs the values aligned.  Skip it.
 *
 * NF_TPKT_CMD_GET_POLICY (any user, do)
 *     Request: no attributes (any is refused).
 *     Reply:   NF_TPKT_CMD_GET_POLICY with every NF_TPKT_A_POLICY_*
 *              attribute.
 *
 * NF_TPKT_CMD_SET_POLICY (admin, do)
 *     Request: one or more NF_TPKT_A_POLICY_* attributes; absent ones keep
 *              their current value.  The new policy is validated as a whole
 *              and replaces the old one atomically (RCU): on any error the
 *              policy in force is unchanged.
 *
 *     NF_TPKT_A_POLICY_MODE: NLA_U8, enum nf_tpkt_mode.
 *     NF_TPKT_A_POLICY_ACTIONS: nest; NLA_U8 enum nf_tpkt_action at type
 *         (enum nf_tpkt_check + 1), at least one.  Checks not given keep
 *         their action.
 *         NF_TPKT_ACT_FIX is refused for checks that have no fix.
 *     NF_TPKT_A_POLICY_PORTS: nest of NF_TPKT_A_PORTS_RANGE, NLA_U32 each,
 *         (first port << 16 | last port), first <= last, 1 to
 *         NF_TPKT_MAX_PORT_RANGES ranges.  Replaces the whole set.
 *     NF_TPKT_A_POLICY_HOOKS: NLA_U32, NF_TPKT_HOOK_* bits, at least one.
 *     NF_TPKT_A_POLICY_MAX_FLOWS: NLA_U32, 1..NF_TPKT_MAX_FLOWS_LIMIT.
 *         Above the module parameter userns_max_flows (65536) only with
 *         CAP_NET_ADMIN in the initial user namespace, else -EPERM; a
 *         namespace owned by another user namespace starts at most there.
 *     NF_TPKT_A_POLICY_TIMEOUT: NLA_U32, idle timeout in seconds, 1..86400.
 *     NF_TPKT_A_POLICY_FULL: NLA_U8, enum nf_tpkt_full.
 *     NF_TPKT_A_POLICY_PICKUP: NLA_U8, enum nf_tpkt_pickup.
 *     NF_TPKT_A_POLICY_OOO: NLA_U8, enum nf_tpkt_ooo.
 *     NF_TPKT_A_POLICY_EVENT_RATE: NLA_U32, events per second, 0 = none,
 *         at most NF_TPKT_MAX_EVENT_RATE.
 *
 * NF_TPKT_CMD_GET_STATS (any user; admin with NF_TPKT_A_STATS_RESET, do)
 *     Request: optional NF_TPKT_A_STATS_RESET (NLA_FLAG): the counters are
 *              read and then zeroed.
 *     Reply:   NF_TPKT_A_STATS_COUNTERS, NF_TPKT_A_STATS_TPDUS and
 *              NF_TPKT_A_STATS_ANOMALIES, nests of NLA_U64 indexed by
 *              enum nf_tpkt_counter, enum nf_tpkt_tpdu and
 *              enum nf_tpkt_check, and NF_TPKT_A_STATS_FLOWS_ACTIVE
 *              (NLA_U32).
 *
 * NF_TPKT_CMD_GET_FLOWS (admin, dump)
 *     Request: no attributes.
 *     One NF_TPKT_CMD_GET_FLOWS message per tracked flow with
 *     NF_TPKT_A_FLOW (nest of NF_TPKT_A_FLOW_*):
 *     FAMILY (NLA_U8, AF_INET or AF_INET6), SADDR and DADDR (NLA_BINARY,
 *     4 or 16 bytes; the side that opened the flow is the source), SPORT
 *     and DPORT (NLA_U16, host order), AGE_MS and IDLE_MS (NLA_U32), CLASS
 *     (NLA_U8, negotiated class, 255 unknown), MAX_TPDU (NLA_U32, 0
 *     unknown), and two NF_TPKT_A_FLOW_DIR nests, the first from source to
 *     destination, the second back, each with NF_TPKT_A_DIR_STATE (NLA_U8,
 *     enum nf_tpkt_dir_state), PACKETS (NLA_U32), STREAM_BYTES (NLA_U32,
 *     modulo 2^32), ANOMALIES and EDITS (NLA_U32).
 *
 * NF_TPKT_CMD_FLUSH_FLOWS (admin, do)
 *     Request: no attributes.
 *     Forget every tracked flow of the namespace (counted as evicted).
 *     Their connections go on untracked unless loose pickup finds them
 *     again.
 *
 * Multicast group NF_TPKT_MCGRP_EVENTS ("events"; the task subscribing
 * needs CAP_NET_ADMIN in the user namespace that owns the socket's network
 * namespace (GENL_MCAST_CAP_NET_ADMIN), else -EPERM)
 *     NF_TPKT_CMD_EVENT, one per reported anomaly, at most
 *     NF_TPKT_A_POLICY_EVENT_RATE per second (the rest counted in
 *     NF_TPKT_CTR_EVENTS_SUPPRESSED), with NF_TPKT_A_EVENT (nest of
 *     NF_TPKT_A_EVENT_*): FAMILY, SADDR, DADDR, SPORT, DPORT as for flows
 *     but in the direction of the offending segment, CHECK (NLA_U8, enum
 *     nf_tpkt_check), ACTION (NLA_U8, enum nf_tpkt_action taken), TPDU
 *     (NLA_U8, enum nf_tpkt_tpdu, 255 if not yet parsed), OFFSET and
 *     TPKT_OFFSET (NLA_U32, stream offsets of the offending byte and of its
 *     TPKT), VALUE (NLA_U32, the offending value) and ORIG (NLA_BINARY, up
 *     to 6 bytes: TPKT header, LI and code as received).  Where and when:
 *     TIME (NLA_U64, CLOCK_REALTIME in ns when the anomaly was found; its
 *     padding, where the architecture needs it, is NF_TPKT_A_EVENT_PAD:
 *     skip it), NETNS (NLA_U32, the network namespace's inode number, as
 *     lsns lists it and ip netns identify names it), HOOK (NLA_U8, the
 *     NF_INET_*
 *     hook number that parsed the segment), and IFINDEX (NLA_U32) and
 *     IFNAME (NLA_NUL_STRING) of the device the segment came in on, or goes
 *     out on in the local-out and post-routing hooks; both absent when
 *     there is none.  A segment held ahead of a gap (ooo hold) is parsed,
 *     and so reported, in the hook of the segment that filled the gap.
 *     Anomalies whose action is "ignore" are never reported.
 */
#ifndef _UAPI_LINUX_NF_TPKT_H
#define _UAPI_LINUX_NF_TPKT_H

#include <linux/types.h>

#define NF_TPKT_GENL_NAME	"nf_tpkt"
#define NF_TPKT_GENL_VERSION	1
#define NF_TPKT_MCGRP_EVENTS	"events"

/*
 * enum nf_tpkt_check - what the stream engine checks, one action each.
 *
 * Names in brackets are the ones tpktctl and the documentation use.
 *
 * @NF_TPKT_CHECK_RESERVED: [tpkt-reserved] TPKT reserved byte is not 0.
 *	Fixable: the byte is rewritten to 0.
 * @NF_TPKT_CHECK_VERSION: [tpkt-version] TPKT version is not 3.  The stream
 *	cannot be framed any more: it is desynchronised as well.
 * @NF_TPKT_CHECK_LENGTH: [tpkt-length] TPKT length below 7.  Lengths below 4
 *	cannot be framed: the stream is desynchronised as well.
 * @NF_TPKT_CHECK_COTP_LI: [cotp-li] COTP length indicator is 255, 0, larger
 *	than the TPKT holds, or too small for the TPDU's fixed part.
 * @NF_TPKT_CHECK_COTP_CODE: [cotp-code] unknown TPDU code.
 * @NF_TPKT_CHECK_COTP_CLASS_TPDU: [cotp-class-tpdu] TPDU type not permitted
 *	in the protocol class negotiated by CR/CC (ISO 8073 table 2).
 * @NF_TPKT_CHECK_COTP_CLASS_OPTION: [cotp-class-option] CR/CC class-option
 *	byte with reserved bits (0x0c) set or a class above 4.  Fixable when
 *	only reserved bits are set: they are cleared.
 * @NF_TPKT_CHECK_COTP_PARAM: [cotp-param] malformed CR/CC/DR/ER parameter:
 *	truncated, wrong length for its code, or TPDU-size code out of range
 *	(7..13; 7..11 in class 0).
 * @NF_TPKT_CHECK_COTP_OVERSIZE: [cotp-oversize] TPDU larger than the
 *	maximum negotiated by CR/CC.
 * @NF_TPKT_CHECK_DESYNC: [desync] the byte stream cannot be framed any more
 *	(after a version or length error, or data lost out of order).  The
 *	engine never edits bytes of a desynchronised stream.
 */
enum nf_tpkt_check {
	NF_TPKT_CHECK_RESERVED,
	NF_TPKT_CHECK_VERSION,
	NF_TPKT_CHECK_LENGTH,
	NF_TPKT_CHECK_COTP_LI,
	NF_TPKT_CHECK_COTP_CODE,
	NF_TPKT_CHECK_COTP_CLASS_TPDU,
	NF_TPKT_CHECK_COTP_CLASS_OPTION,
	NF_TPKT_CHECK_COTP_PARAM,
	NF_TPKT_CHECK_COTP_OVERSIZE,
	NF_TPKT_CHECK_DESYNC,
	__NF_TPKT_CHECK_MAX
};
#define NF_TPKT_CHECK_MAX (__NF_TPKT_CHECK_MAX - 1)

/*
 * enum nf_tpkt_action - what to do when a check fails.
 *
 * @NF_TPKT_ACT_IGNORE: nothing, not even a count.
 * @NF_TPKT_ACT_COUNT: count and report an event.
 * @NF_TPKT_ACT_FIX: count, report and rewrite the offending bytes (only for
 *	checks that have a meaningful fix).
 * @NF_TPKT_ACT_DROP: count, report, and drop the segment holding the
 *	offending TPKT and every later segment of that direction (including
 *	retransmissions): the stream is blocked from that TPKT on.
 *
 * The mode caps the configured action: monitor acts at most as count,
 * normalize at most as fix, enforce as configured.
 */
enum nf_tpkt_action {
	NF_TPKT_ACT_IGNORE,
	NF_TPKT_ACT_COUNT,
	NF_TPKT_ACT_FIX,
	NF_TPKT_ACT_DROP,
	__NF_TPKT_ACT_MAX
};
#define NF_TPKT_ACT_MAX (__NF_TPKT_ACT_MAX - 1)

/*
 * enum nf_tpkt_mode - per-namespace operating mode.
 *
 * @NF_TPKT_MODE_OFF: hooks return at once; nothing is tracked.
 * @NF_TPKT_MODE_MONITOR: track, count, report; never change a packet.
 * @NF_TPKT_MODE_NORMALIZE: also apply fix actions.
 * @NF_TPKT_MODE_ENFORCE: also apply drop actions.
 */
enum nf_tpkt_mode {
	NF_TPKT_MODE_OFF,
	NF_TPKT_MODE_MONITOR,
	NF_TPKT_MODE_NORMALIZE,
	NF_TPKT_MODE_ENFORCE,
	__NF_TPKT_MODE_MAX
};
#define NF_TPKT_MODE_MAX (__NF_TPKT_MODE_MAX - 1)

/*
 * enum nf_tpkt_tpdu - COTP TPDU types (ISO 8073 / X.224), as counted.
 * The code is the high nibble of the TPDU code octet.
 */
enum nf_tpkt_tpdu {
	NF_TPKT_TPDU_CR,	/* 0xe0 connection request */
	NF_TPKT_TPDU_CC,	/* 0xd0 connection confirm */
	NF_TPKT_TPDU_DR,	/* 0x80 disconnect request */
	NF_TPKT_TPDU_DC,	/* 0xc0 disconnect confirm */
	NF_TPKT_TPDU_DT,	/* 0xf0 data */
	NF_TPKT_TPDU_ED,	/* 0x10 expedited data */
	NF_TPKT_TPDU_AK,	/* 0x60 data acknowledgement */
	NF_TPKT_TPDU_EA,	/* 0x20 expedited data acknowledgement */
	NF_TPKT_TPDU_RJ,	/* 0x50 reject */
	NF_TPKT_TPDU_ER,	/* 0x70 TPDU error */
	NF_TPKT_TPDU_UNKNOWN,	/* any other code */
	__NF_TPKT_TPDU_MAX
};
#define NF_TPKT_TPDU_MAX (__NF_TPKT_TPDU_MAX - 1)

/*
 * enum nf_tpkt_ooo - what to do with a segment that arrives ahead of a gap
 * which may hide a TPKT header (a gap inside a known TPDU body is harmless
 * and always passes).
 *
 * @NF_TPKT_OOO_DROP: drop it; the sender retransmits it in order.
 * @NF_TPKT_OOO_PASS: pass it unparsed and count it; if its framing cannot be
 *	recovered once the gap is filled, the stream is desynchronised there.
 * @NF_TPKT_OOO_HOLD: keep it in the kernel until the gap is filled, then
 *	parse it in order and send it on; dropped (and counted) only when the
 *	flow's or the module's bound on held data is reached, or the gap stays
 *	open too long.  The default: ordinary reordering costs no drop.
 */
enum nf_tpkt_ooo {
	NF_TPKT_OOO_DROP,
	NF_TPKT_OOO_PASS,
	NF_TPKT_OOO_HOLD,
	__NF_TPKT_OOO_MAX
};
#define NF_TPKT_OOO_MAX (__NF_TPKT_OOO_MAX - 1)

/*
 * enum nf_tpkt_pickup - connections whose SYN was not seen, and
 * resynchronisation after a desync.
 *
 * @NF_TPKT_PICKUP_STRICT: only connections seen from their SYN are tracked;
 *	a desynchronised direction stays so.
 * @NF_TPKT_PICKUP_LOOSE: start (or restart) parsing at a segment that begins
 *	with a plausible TPKT + COTP header.
 */
enum nf_tpkt_pickup {
	NF_TPKT_PICKUP_STRICT,
	NF_TPKT_PICKUP_LOOSE,
	__NF_TPKT_PICKUP_MAX
};
#define NF_TPKT_PICKUP_MAX (__NF_TPKT_PICKUP_MAX - 1)

/*
 * enum nf_tpkt_full - what happens to a new connection when the flow table
 * is full.
 *
 * @NF_TPKT_FULL_FAIL_OPEN: pass it untracked (counted as refused).
 * @NF_TPKT_FULL_FAIL_CLOSED: drop its SYN (counted as refused).
 */
enum nf_tpkt_full {
	NF_TPKT_FULL_FAIL_OPEN,
	NF_TPKT_FULL_FAIL_CLOSED,
	__NF_TPKT_FULL_MAX
};
#define NF_TPKT_FULL_MAX (__NF_TPKT_FULL_MAX - 1)

/* Hook selection bits for NF_TPKT_A_POLICY_HOOKS. */
#define NF_TPKT_HOOK_FORWARD	(1U << 0)
#define NF_TPKT_HOOK_INPUT	(1U << 1)	/* NF_INET_LOCAL_IN */
#define NF_TPKT_HOOK_OUTPUT	(1U << 2)	/* NF_INET_LOCAL_OUT */
#define NF_TPKT_HOOK_ALL	(NF_TPKT_HOOK_FORWARD | NF_TPKT_HOOK_INPUT | \
				 NF_TPKT_HOOK_OUTPUT)

/*
 * enum nf_tpkt_counter - per-namespace counters (64-bit, monotonic until
 * reset).
 *
 * @NF_TPKT_CTR_PACKETS: TCP segments on the port set seen by a hook.
 * @NF_TPKT_CTR_BYTES: their TCP payload bytes.
 * @NF_TPKT_CTR_TPKTS: TPKT headers parsed.
 * @NF_TPKT_CTR_EDITS: bytes rewritten by fix actions (retransmissions
 *	included).
 * @NF_TPKT_CTR_DROPS: segments dropped by a drop action or a fail-closed
 *	table (see NF_TPKT_CTR_OOO_DROPS and NF_TPKT_CTR_EDIT_DROPS).
 * @NF_TPKT_CTR_DESYNCS: directions that lost framing.
 * @NF_TPKT_CTR_RESYNCS: directions that found framing again (loose pickup).
 * @NF_TPKT_CTR_OOO: segments that arrived ahead of a gap.
 * @NF_TPKT_CTR_REXMITS: segments carrying data already parsed.
 * @NF_TPKT_CTR_REXMIT_UNFIXED: retransmitted segments that may hold a byte
 *	once fixed whose edit was forgotten (edit history full or not
 *	allocatable); they pass unedited.
 * @NF_TPKT_CTR_PICKUPS: directions picked up mid-stream (loose pickup).
 * @NF_TPKT_CTR_UNTRACKED: segments passed without parsing (no flow, or a
 *	direction not synchronised).
 * @NF_TPKT_CTR_FRAGMENTS: IP fragments on the port set (never parsed).
 * @NF_TPKT_CTR_FLOWS_CREATED: flows created.
 * @NF_TPKT_CTR_FLOWS_EXPIRED: flows removed after idle timeout, FIN or RST.
 * @NF_TPKT_CTR_FLOWS_EVICTED: flows removed by NF_TPKT_CMD_FLUSH_FLOWS (a full
 *     table refuses new flows, it never evicts tracked ones).
 * @NF_TPKT_CTR_FLOWS_REFUSED: new connections not tracked: table full.
 * @NF_TPKT_CTR_EVENTS_SUPPRESSED: events not sent because of the rate limit.
 * @NF_TPKT_CTR_OOO_HELD: segments held ahead of a gap (ooo hold) and sent on
 *	once it was filled.
 * @NF_TPKT_CTR_OOO_DROPS: segments dropped because they could not be judged
 *	yet: ahead of a gap with ooo drop, or with ooo hold when no more could
 *	be held or the gap stayed open too long.  Not in NF_TPKT_CTR_DROPS.
 * @NF_TPKT_CTR_URGENT: segments with the URG flag (urgent data leaves the
 *	stream a BSD socket's application reads): counted in monitor, URG and
 *	the urgent pointer cleared in normalize, dropped in enforce.
 * @NF_TPKT_CTR_EDIT_DROPS: segments dropped because a fix could not be
 *	written (no memory for a private copy of the bytes); the sender
 *	retransmits them.  Not in NF_TPKT_CTR_DROPS.
 * @NF_TPKT_CTR_RSTS_IGNORED: RSTs the receiver does not take for one
 *	(RFC 5961: not at exactly the sequence number it expects next); they
 *	pass, and neither close the flow nor end its normalization.
 * @NF_TPKT_CTR_BAD_CHECKSUMS: segments whose TCP checksum is wrong, which
 *	the receiver discards: never parsed, passed in monitor and normalize,
 *	dropped in enforce.
 */
enum nf_tpkt_counter {
	NF_TPKT_CTR_PACKETS,
	NF_TPKT_CTR_BYTES,
	NF_TPKT_CTR_TPKTS,
	NF_TPKT_CTR_EDITS,
	NF_TPKT_CTR_DROPS,
	NF_TPKT_CTR_DESYNCS,
	NF_TPKT_CTR_RESYNCS,
	NF_TPKT_CTR_OOO,
	NF_TPKT_CTR_REXMITS,
	NF_TPKT_CTR_REXMIT_UNFIXED,
	NF_TPKT_CTR_PICKUPS,
	NF_TPKT_CTR_UNTRACKED,
	NF_TPKT_CTR_FRAGMENTS,
	NF_TPKT_CTR_FLOWS_CREATED,
	NF_TPKT_CTR_FLOWS_EXPIRED,
	NF_TPKT_CTR_FLOWS_EVICTED,
	NF_TPKT_CTR_FLOWS_REFUSED,
	NF_TPKT_CTR_EVENTS_SUPPRESSED,
	NF_TPKT_CTR_OOO_HELD,
	NF_TPKT_CTR_OOO_DROPS,
	NF_TPKT_CTR_URGENT,
	NF_TPKT_CTR_EDIT_DROPS,
	NF_TPKT_CTR_RSTS_IGNORED,
	NF_TPKT_CTR_BAD_CHECKSUMS,
	__NF_TPKT_CTR_MAX
};
#define NF_TPKT_CTR_MAX (__NF_TPKT_CTR_MAX - 1)

#define NF_TPKT_MAX_PORT_RANGES	16
#define NF_TPKT_MAX_FLOWS_LIMIT	(1U << 24)
#define NF_TPKT_MAX_TIMEOUT	86400
#define NF_TPKT_MAX_EVENT_RATE	100000

/* State of one direction of a tracked flow. */
enum nf_tpkt_dir_state {
	NF_TPKT_DIR_UNSYNCED,	/* not parsed: SYN not seen, no pickup yet */
	NF_TPKT_DIR_TRACKING,	/* framing known */
	NF_TPKT_DIR_DESYNC,	/* framing lost */
	NF_TPKT_DIR_BLOCKED,	/* dropping from a drop action on */
	NF_TPKT_DIR_CLOSED,	/* RST seen */
	__NF_TPKT_DIR_STATE_MAX
};

enum nf_tpkt_cmd {
	NF_TPKT_CMD_UNSPEC,
	NF_TPKT_CMD_GET_POLICY,
	NF_TPKT_CMD_SET_POLICY,
	NF_TPKT_CMD_GET_STATS,
	NF_TPKT_CMD_GET_FLOWS,
	NF_TPKT_CMD_FLUSH_FLOWS,
	NF_TPKT_CMD_EVENT,
	__NF_TPKT_CMD_MAX
};
#define NF_TPKT_CMD_MAX (__NF_TPKT_CMD_MAX - 1)

enum nf_tpkt_attr {
	NF_TPKT_A_UNSPEC,
	NF_TPKT_A_POLICY_MODE,
	NF_TPKT_A_POLICY_ACTIONS,
	NF_TPKT_A_POLICY_PORTS,
	NF_TPKT_A_POLICY_HOOKS,
	NF_TPKT_A_POLICY_MAX_FLOWS,
	NF_TPKT_A_POLICY_TIMEOUT,
	NF_TPKT_A_POLICY_FULL,
	NF_TPKT_A_POLICY_PICKUP,
	NF_TPKT_A_POLICY_OOO,
	NF_TPKT_A_POLICY_EVENT_RATE,
	NF_TPKT_A_STATS_RESET,
	NF_TPKT_A_STATS_COUNTERS,
	NF_TPKT_A_STATS_TPDUS,
	NF_TPKT_A_STATS_ANOMALIES,
	NF_TPKT_A_STATS_FLOWS_ACTIVE,
	NF_TPKT_A_FLOW,
	NF_TPKT_A_EVENT,
	__NF_TPKT_A_MAX
};
#define NF_TPKT_A_MAX (__NF_TPKT_A_MAX - 1)

enum nf_tpkt_ports_attr {
	NF_TPKT_A_PORTS_UNSPEC,
	NF_TPKT_A_PORTS_RANGE,
	__NF_TPKT_A_PORTS_MAX
};
#define NF_TPKT_A_PORTS_MAX (__NF_TPKT_A_PORTS_MAX - 1)

enum nf_tpkt_flow_attr {
	NF_TPKT_A_FLOW_UNSPEC,
	NF_TPKT_A_FLOW_FAMILY,
	NF_TPKT_A_FLOW_SADDR,
	NF_TPKT_A_FLOW_DADDR,
	NF_TPKT_A_FLOW_SPORT,
	NF_TPKT_A_FLOW_DPORT,
	NF_TPKT_A_FLOW_AGE_MS,
	NF_TPKT_A_FLOW_IDLE_MS,
	NF_TPKT_A_FLOW_CLASS,
	NF_TPKT_A_FLOW_MAX_TPDU,
	NF_TPKT_A_FLOW_DIR,
	__NF_TPKT_A_FLOW_MAX
};
#define NF_TPKT_A_FLOW_MAX (__NF_TPKT_A_FLOW_MAX - 1)

enum nf_tpkt_dir_attr {
	NF_TPKT_A_DIR_UNSPEC,
	NF_TPKT_A_DIR_STATE,
	NF_TPKT_A_DIR_PACKETS,
	NF_TPKT_A_DIR_STREAM_BYTES,
	NF_TPKT_A_DIR_ANOMALIES,
	NF_TPKT_A_DIR_EDITS,
	__NF_TPKT_A_DIR_MAX
};
#define NF_TPKT_A_DIR_MAX (__NF_TPKT_A_DIR_MAX - 1)

enum nf_tpkt_event_attr {
	NF_TPKT_A_EVENT_UNSPEC,
	NF_TPKT_A_EVENT_FAMILY,
	NF_TPKT_A_EVENT_SADDR,
	NF_TPKT_A_EVENT_DADDR,
	NF_TPKT_A_EVENT_SPORT,
	NF_TPKT_A_EVENT_DPORT,
	NF_TPKT_A_EVENT_CHECK,
	NF_TPKT_A_EVENT_ACTION,
	NF_TPKT_A_EVENT_TPDU,
	NF_TPKT_A_EVENT_OFFSET,
	NF_TPKT_A_EVENT_TPKT_OFFSET,
	NF_TPKT_A_EVENT_VALUE,
	NF_TPKT_A_EVENT_ORIG,
	NF_TPKT_A_EVENT_TIME,
	NF_TPKT_A_EVENT_PAD,
	NF_TPKT_A_EVENT_NETNS,
	NF_TPKT_A_EVENT_HOOK,
	NF_TPKT_A_EVENT_IFINDEX,
	NF_TPKT_A_EVENT_IFNAME,
	__NF_TPKT_A_EVENT_MAX
};
#define NF_TPKT_A_EVENT_MAX (__NF_TPKT_A_EVENT_MAX - 1)

#endif /* _UAPI_LINUX_NF_TPKT_H */
