# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host-side scripts that boot a guest (run.sh, demo.sh).
#
# boot_guest LOG PATTERN CMD...: run CMD, a vng boot, with its output
# shown and kept in LOG; returns CMD's exit status.  Under TCG a kernel can
# die while it boots, before anything of this project runs: 6.12 once hit
# "Oops: int3" in sched_clock_cpu() from an initcall, the emulator racing
# the kernel's own text patching (see tcg-jump-label.sh).  A guest whose
# output lacks PATTERN, which the guest script prints once the kernel's
# own static keys have flipped, is booted again, at most twice, and said
# so, its output kept in LOG.bootN; one that died after printing it is not
# retried.
boot_guest() {
	local log=$1 pattern=$2 boot rc oops

	shift 2
	for boot in 1 2 3; do
		"$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		grep -q "$pattern" "$log" && break
		[ $boot -lt 3 ] || break
		cp "$log" "$log.boot$boot"
		oops=$(grep -m1 -E 'Oops:|BUG:|Kernel panic' "$log" | sed 's/^\[ *[0-9.]*\] //')
		echo "$(basename "$0"): the guest died before it started (exit $rc;" \
		     "${oops:-no oops in its output}): booting again, output kept in" \
		     "$log.boot$boot" >&2
	done
	return "$rc"
}
