/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Names of the uapi enums, shared by the module (module parameters), tpktctl
 * and the documentation, so that all three spell them the same way.
 */
#ifndef _TPKT_NAMES_H
#define _TPKT_NAMES_H

#include "port.h"

enum tpkt_name_kind {
	TPKT_NAMES_CHECK,	/* enum nf_tpkt_check: "tpkt-reserved", ... */
	TPKT_NAMES_ACTION,	/* enum nf_tpkt_action: "ignore", ... */
	TPKT_NAMES_MODE,	/* enum nf_tpkt_mode: "off", ... */
	TPKT_NAMES_TPDU,	/* enum nf_tpkt_tpdu: "CR", ... */
	TPKT_NAMES_COUNTER,	/* enum nf_tpkt_counter: "packets", ... */
	TPKT_NAMES_OOO,		/* enum nf_tpkt_ooo: "drop", "pass" */
	TPKT_NAMES_PICKUP,	/* enum nf_tpkt_pickup: "strict", "loose" */
	TPKT_NAMES_FULL,	/* enum nf_tpkt_full: "fail-open", ... */
	TPKT_NAMES_HOOK,	/* bit numbers of NF_TPKT_HOOK_*: "forward" ... */
	TPKT_NAMES_DIR_STATE,	/* enum nf_tpkt_dir_state */
	__TPKT_NAMES_KIND_MAX
};

/* Name of @value, or NULL if out of range. */
const char *tpkt_name(enum tpkt_name_kind kind, unsigned int value);
/* Number of values of @kind. */
unsigned int tpkt_name_count(enum tpkt_name_kind kind);
/* Value named @name (exact match), or -1. */
int tpkt_name_lookup(enum tpkt_name_kind kind, const char *name);

#endif /* _TPKT_NAMES_H */
