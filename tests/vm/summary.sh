#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The table make check-vm-all ends with: one line per kernel from the
# result files tests/vm/run.sh writes (KVER PASSED FAILED SKIPPED SECONDS
# TESTS), and the total wall time.  A kernel whose guest died before its
# tally shows "-".  The dkms column: tests/dkms/check_all.sh's build for
# that kernel (in BUILD/dkms, beside the result files), if it ran.
#
#   tests/vm/summary.sh RESULT-FILE...
set -u

total=0
printf '%-28s %-14s %6s %6s %7s %9s %6s\n' kernel tests passed failed skipped time dkms
for f in "$@"; do
	[ -r "$f" ] || continue
	read -r kver passed failed skipped secs set <"$f"
	dkms=$(cat "$(dirname "$f")/dkms/$kver.result" 2>/dev/null || echo -)
	printf '%-28s %-14s %6s %6s %7s %5dm%02ds %6s\n' "$kver" "$set" "$passed" "$failed" \
		"$skipped" $((secs / 60)) $((secs % 60)) "$dkms"
	total=$((total + secs))
done
printf '%-28s %-14s %6s %6s %7s %5dm%02ds\n' "all kernels" "" "" "" "" \
	$((total / 60)) $((total % 60))
