/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The iproute2-style policy words shared by "tpktctl set" and
 * "tpktctl inspect":
 *
 *	mode off|monitor|normalize|enforce
 *	ports P[-Q][,P[-Q]...]		at most PW_MAX_PORT_RANGES ranges
 *	check NAME ignore|count|fix|drop	repeatable, once per check
 *	ooo drop|pass
 *	pickup strict|loose
 *	hooks forward,input,output
 *	max-flows N
 *	timeout SECONDS
 *	full fail-open|fail-closed
 *	event-rate N
 *
 * The result records which words were given, so that "set" can send only
 * those (the kernel keeps the rest) and "inspect" can apply its own
 * defaults to the others.
 */
#ifndef TPKTCTL_POLICY_WORDS_H
#define TPKTCTL_POLICY_WORDS_H

#include <stdbool.h>

#include <tpkt/engine.h>

#define PW_MAX_PORT_RANGES	NF_TPKT_MAX_PORT_RANGES

/* struct policy_words.given */
enum {
	PW_MODE		= 1U << 0,
	PW_PORTS	= 1U << 1,
	PW_CHECKS	= 1U << 2,	/* at least one; see checks_given */
	PW_OOO		= 1U << 3,
	PW_PICKUP	= 1U << 4,
	PW_HOOKS	= 1U << 5,
	PW_MAX_FLOWS	= 1U << 6,
	PW_TIMEOUT	= 1U << 7,
	PW_FULL		= 1U << 8,
	PW_EVENT_RATE	= 1U << 9,
};

/* Return value of the parsers for a bad command line (message printed). */
#define PW_ERR_USAGE	(-1)

struct pw_port_range {
	u16 lo;
	u16 hi;
};

struct policy_words {
	unsigned int given;		/* PW_* */
	unsigned int checks_given;	/* 1 << enum nf_tpkt_check */
	u8 mode;			/* enum nf_tpkt_mode */
	u8 ooo;				/* enum nf_tpkt_ooo */
	u8 pickup;			/* enum nf_tpkt_pickup */
	u8 full;			/* enum nf_tpkt_full */
	u8 action[__NF_TPKT_CHECK_MAX];	/* enum nf_tpkt_action */
	unsigned int n_ports;
	struct pw_port_range ports[PW_MAX_PORT_RANGES];
	u32 hooks;			/* NF_TPKT_HOOK_* */
	u32 max_flows;
	u32 timeout;			/* seconds */
	u32 event_rate;			/* events per second */
};

void pw_init(struct policy_words *pw);

/*
 * Parse the policy word at @argv[0] and its values (@argc words left).
 * Returns the number of words used (> 0), 0 if @argv[0] is not a policy
 * word (nothing printed: the caller may have other uses for it), or
 * PW_ERR_USAGE after printing what is wrong and what is allowed.
 */
int pw_parse_word(struct policy_words *pw, int argc, char *const *argv);

/*
 * Parse @argc words that must all be policy words.  Returns 0 or
 * PW_ERR_USAGE (message printed).
 */
int pw_parse(struct policy_words *pw, int argc, char *const *argv);

/* Whether @port is in the ranges of @pw (which must have PW_PORTS). */
bool pw_port_in_set(const struct policy_words *pw, u16 port);

/* "mode, ports, check, ..." for messages and help. */
extern const char pw_word_list[];

#endif /* TPKTCTL_POLICY_WORDS_H */
