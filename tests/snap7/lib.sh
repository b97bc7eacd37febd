# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154  # $tmp and $here are the caller's
# Sourced by the loopback self-tests of the S7 peers (selftest.sh,
# nodes7_selftest.sh): PASS/FAIL counting, the servers they start and stop,
# free ports.  The caller sets $tmp (removed on exit) and $here (this
# directory).

pass=0 fail=0
pids=()

ok()  { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# a port nobody listens on: the kernel picks one, we release it
free_port() {
	timeout 10 node -e '
		const s = require("net").createServer().listen(0, "127.0.0.1",
			() => { console.log(s.address().port); s.close(); });'
}

# server NAME PORT ARGS...: server.js on 127.0.0.1:PORT until READY; its
# pid is the last of $pids
server() {
	local name=$1 port=$2; shift 2
	timeout 300 node "$here/server.js" "$port" --addr 127.0.0.1 "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q '^READY' "$tmp/$name.out" 2>/dev/null && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  /' "$tmp/$name.out" "$tmp/$name.err" | tail -n5
	return 1
}
