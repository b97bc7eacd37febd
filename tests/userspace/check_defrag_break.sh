#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Every test of test_defrag can fail: DEFRAG_BREAK=<test> turns one of its
# expectations wrong, and that test, and only that one, must then fail.
set -u
. tests/userspace/lib.sh
BIN=$(dirname "${TPKTCTL:-build/tpktctl}")/unit/test_defrag
[ -x "$BIN" ] || { echo "no $BIN"; exit 1; }

tests=$(grep -o 'cmocka_unit_test_setup(test_[a-z_0-9]*,' \
	tests/userspace/test_defrag.c | sed "s/.*(\\(test_[a-z_0-9]*\\),.*/\\1/")
for t in $tests; do
	# the failing test leaves its allocations behind (cmocka longjmps)
	out=$(DEFRAG_BREAK=$t ASAN_OPTIONS=detect_leaks=0 "$BIN" 2>&1)
	rc=$?
	failed_tests=$(echo "$out" | sed -n 's/^\[  FAILED  \] \(test_[a-z_0-9]*\)$/\1/p' |
		       sort -u | tr '\n' ' ')
	if [ $rc -ne 0 ] && [ "$failed_tests" = "$t " ]; then
		ok "$t-can-fail"
	else
		ko "$t-can-fail" "rc $rc, failed: [$failed_tests]"
	fi
done
echo "defrag break: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
