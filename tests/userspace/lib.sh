# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Shared by the tests/userspace/check_*.sh scripts that source it: PASS and
# FAIL lines with their tally, and drivers for tpktctl and its bash
# completion.  The sourcing script sets TPKTCTL (and COMP for comp).

passed=0
failed=0

ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
# check NAME CMD...: PASS if CMD succeeds
check() { local n=$1; shift; if "$@"; then ok "$n"; else ko "$n"; fi; }
not() { ! "$@"; }

# same NAME WANT GOT: two texts equal, else both shown
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		ko "$1" "want [$(echo $2)] got [$(echo $3)]"
	fi
}

# expect NAME RC PATTERN -- ARGS...: tpktctl ARGS exits RC and says PATTERN
expect() {
	local name=$1 want=$2 pattern=$3 out rc
	shift 4
	out=$("$TPKTCTL" "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
		ok "$name"
	else
		ko "$name" "exit $rc (want $want): $out"
	fi
}

# comp WORD...: what the completion in $COMP offers for the last WORD of
# "tpktctl WORD...", sorted, one a line
comp() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_tpktctl
		printf "%s\n" "${COMPREPLY[@]}"' comp "$COMP" "$TPKTCTL" "$@" |
		grep . | LC_ALL=C sort
}

# finish WHAT: the tally line, and the exit status
finish() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
