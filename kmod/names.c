// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Names of the uapi enums.  The order of each table is the enum's order;
 * the static asserts keep them in step with include/uapi/linux/nf_tpkt.h.
 */
#include <tpkt/names.h>
#include "../include/uapi/linux/nf_tpkt.h"

static const char *const check_names[] = {
	"tpkt-reserved", "tpkt-version", "tpkt-length", "cotp-li", "cotp-code",
	"cotp-class-tpdu", "cotp-class-option", "cotp-param", "cotp-oversize",
	"desync",
};

static const char *const action_names[] = {
	"ignore", "count", "fix", "drop",
};

static const char *const mode_names[] = {
	"off", "monitor", "normalize", "enforce",
};

static const char *const tpdu_names[] = {
	"CR", "CC", "DR", "DC", "DT", "ED", "AK", "EA", "RJ", "ER", "unknown",
};

static const char *const counter_names[] = {
	"packets", "bytes", "tpkts", "edits", "drops", "desyncs", "resyncs",
	"ooo", "rexmits", "rexmit_unfixed", "pickups", "untracked",
	"fragments", "flows_created", "flows_expired", "flows_evicted",
	"flows_refused", "events_suppressed", "ooo_held", "ooo_drops",
	"urgent", "edit_drops", "rsts_ignored", "bad_checksums",
};

static const char *const ooo_names[] = { "drop", "pass", "hold" };
static const char *const pickup_names[] = { "strict", "loose" };
static const char *const full_names[] = { "fail-open", "fail-closed" };
static const char *const hook_names[] = { "forward", "input", "output" };
static const char *const dir_state_names[] = {
	"unsynced", "tracking", "desync", "blocked", "closed",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(N(check_names) == __NF_TPKT_CHECK_MAX, "check names");
_Static_assert(N(action_names) == __NF_TPKT_ACT_MAX, "action names");
_Static_assert(N(mode_names) == __NF_TPKT_MODE_MAX, "mode names");
_Static_assert(N(tpdu_names) == __NF_TPKT_TPDU_MAX, "tpdu names");
_Static_assert(N(counter_names) == __NF_TPKT_CTR_MAX, "counter names");
_Static_assert(N(ooo_names) == __NF_TPKT_OOO_MAX, "ooo names");
_Static_assert(N(pickup_names) == __NF_TPKT_PICKUP_MAX, "pickup names");
_Static_assert(N(full_names) == __NF_TPKT_FULL_MAX, "full names");
_Static_assert(1U << N(hook_names) == NF_TPKT_HOOK_ALL + 1, "hook names");
_Static_assert(N(dir_state_names) == __NF_TPKT_DIR_STATE_MAX, "dir states");

static const struct {
	const char *const *names;
	unsigned int n;
} tables[__TPKT_NAMES_KIND_MAX] = {
	[TPKT_NAMES_CHECK] = { check_names, N(check_names) },
	[TPKT_NAMES_ACTION] = { action_names, N(action_names) },
	[TPKT_NAMES_MODE] = { mode_names, N(mode_names) },
	[TPKT_NAMES_TPDU] = { tpdu_names, N(tpdu_names) },
	[TPKT_NAMES_COUNTER] = { counter_names, N(counter_names) },
	[TPKT_NAMES_OOO] = { ooo_names, N(ooo_names) },
	[TPKT_NAMES_PICKUP] = { pickup_names, N(pickup_names) },
	[TPKT_NAMES_FULL] = { full_names, N(full_names) },
	[TPKT_NAMES_HOOK] = { hook_names, N(hook_names) },
	[TPKT_NAMES_DIR_STATE] = { dir_state_names, N(dir_state_names) },
};

const char *tpkt_name(enum tpkt_name_kind kind, unsigned int value)
{
	if ((unsigned int)kind >= __TPKT_NAMES_KIND_MAX ||
	    value >= tables[kind].n)
		return NULL;
	return tables[kind].names[value];
}

unsigned int tpkt_name_count(enum tpkt_name_kind kind)
{
	return (unsigned int)kind < __TPKT_NAMES_KIND_MAX ? tables[kind].n : 0;
}

int tpkt_name_lookup(enum tpkt_name_kind kind, const char *name)
{
	unsigned int i;

	if ((unsigned int)kind >= __TPKT_NAMES_KIND_MAX || !name)
		return -1;
	for (i = 0; i < tables[kind].n; i++)
		if (!strcmp(tables[kind].names[i], name))
			return i;
	return -1;
}
