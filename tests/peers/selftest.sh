#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Loopback self-test of tpkt_peer: no kernel module, no VM, no root needed.
#
#   tests/peers/selftest.sh [PATH/TO/tpkt_peer]     (default build/tpkt_peer)
#
# Every listener binds port 0 (a free high port the kernel picks) and reports
# it through --ready-file, so runs never clash with each other or with other
# services.  Every invocation runs under timeout(1).  Prints PASS/FAIL per
# check, then "N passed, N failed"; exits non-zero on any failure.
set -u

PEER=${1:-build/tpkt_peer}
[ -x "$PEER" ] || { echo "selftest: $PEER not built (make peers)" >&2; exit 2; }
PEER=$(cd "$(dirname "$PEER")" && pwd)/$(basename "$PEER")

T=$(mktemp -d /tmp/tpkt_peer-selftest.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

passed=0
failed=0
errs=()

# ---- helpers ------------------------------------------------------------

# srv NAME ADDR ARGS...: start a listener on ADDR port 0; sets PORT.
srv() {
	local name=$1 addr=$2 i
	shift 2
	rm -f "$T/$name.port"
	timeout 60 "$PEER" --listen "$addr:0" --ready-file "$T/$name.port" \
		"$@" >"$T/$name.srv.out" 2>"$T/$name.srv.err" &
	SRV_PID=$!
	pids+=("$SRV_PID")
	for i in $(seq 100); do
		[ -s "$T/$name.port" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(cat "$T/$name.port" 2>/dev/null || echo 0)
}

# srv_wait: wait for the listener; sets SRV_RC.
srv_wait() {
	wait "$SRV_PID"
	SRV_RC=$?
}

# cli NAME ADDR ARGS...: run a client against ADDR:$PORT; sets CLI_RC.
cli() {
	local name=$1 addr=$2
	shift 2
	timeout 60 "$PEER" --connect "$addr:$PORT" "$@" \
		>"$T/$name.cli.out" 2>"$T/$name.cli.err"
	CLI_RC=$?
}

# get FILE KEY: a field of the (first) RESULT line in FILE
get() {
	sed -n 's/^RESULT .*\<'"$2"'=\([^ ]*\).*/\1/p' "$1" | head -n1
}

# expect NAME: PASS if no condition in $why failed, else FAIL with details
check_begin() { why=(); }
want() {	# want DESCRIPTION ACTUAL EXPECTED (an empty value never matches)
	[ -n "$2" ] && [ "$2" = "$3" ] || why+=("$1: got '$2', want '$3'")
}
want_true() {	# want_true DESCRIPTION COMMAND...
	local d=$1
	shift
	"$@" || why+=("$d")
}
check_end() {
	local name=$1 f
	if [ ${#why[@]} -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
		return
	fi
	echo "FAIL $name"
	failed=$((failed + 1))
	printf '    %s\n' "${why[@]}"
	for f in "$T/$name".*; do
		[ -f "$f" ] || continue
		echo "    --- ${f##*/}"
		sed 's/^/    /' "$f" | tail -n 8
	done
}

now() { echo "${EPOCHREALTIME/./}"; }	# microseconds

# FNV-1a 64 over hex bytes, skipping TPKT byte 1 (one TPKT only)
fnv_skip_reserved() {
	local h=-3750763034362895579 i=0 b	# 0xcbf29ce484222325
	for b in "$@"; do
		if [ $i -ne 1 ]; then
			h=$(((h ^ 0x$b) * 0x100000001b3))
		fi
		i=$((i + 1))
	done
	printf '%016x' "$h"
}

# A data exchange with digests compared across both ends.
# exchange NAME ADDR "SERVER ARGS" CLIENT ARGS...
exchange() {
	local name=$1 addr=$2 sargs=$3
	shift 3
	# shellcheck disable=SC2086
	srv "$name" "$addr" $sargs
	cli "$name" "$addr" "$@"
	srv_wait
	C=$T/$name.cli.out
	S=$T/$name.srv.out
	check_begin
	want "client exit" "$CLI_RC" 0
	want "server exit" "$SRV_RC" 0
	want "client status" "$(get "$C" status)" ok
	want "server status" "$(get "$S" status)" ok
	want "client->server digest" "$(get "$S" digest)" "$(get "$C" tx_digest)"
	want "server->client digest" "$(get "$C" digest)" "$(get "$S" tx_digest)"
	want "client->server tpkts" "$(get "$S" tpkts)" "$(get "$C" tx_tpkts)"
	want "server->client tpkts" "$(get "$C" tpkts)" "$(get "$S" tx_tpkts)"
}

# ---- (a) normal CR/CC/DT exchange with echo ------------------------------

plan=$(timeout 10 "$PEER" --dry-run --send-bytes 20000 --pdu-size 1000)
plan_digest=$(sed -n 's/.*tx_digest=\([0-9a-f]*\).*/\1/p' <<<"$plan")
exchange normal-echo 127.0.0.1 \
	"--echo --send-bytes 20000 --reply-bytes 777 --expect-digest $plan_digest" \
	--echo --send-bytes 20000 --reply-bytes 777 --pdu-size 1000
want "server digest = client --dry-run digest" "$(get "$S" digest)" "$plan_digest"
want "server reserved_nonzero" "$(get "$S" reserved_nonzero)" 0
want "client reserved_nonzero" "$(get "$C" reserved_nonzero)" 0
want "server data_bytes" "$(get "$S" data_bytes)" 20000
want "client data_bytes (echo + reply)" "$(get "$C" data_bytes)" 20777
want "client tpkts (CC + 20 echoed DT + 1 reply DT)" "$(get "$C" tpkts)" 22
want "negotiated TPDU size" "$(get "$C" tpdu_size)" 1024
check_end normal-echo

# the same stream with a wrong --expect-digest must fail verification
srv expect-digest 127.0.0.1 --send-bytes 1000 --expect-digest 0123456789abcdef
cli expect-digest 127.0.0.1 --send-bytes 1000
srv_wait
check_begin
want "server exit" "$SRV_RC" 4
want "server status" "$(get "$T/expect-digest.srv.out" status)" mismatch
want "server reason" "$(get "$T/expect-digest.srv.out" reason)" digest
want "client exit" "$CLI_RC" 0
check_end expect-digest

# ---- (b) field report, no gateway: strict client refuses the KB's CC -------

kb_cc=(03 11 00 2C 27 D0 01 CA 00 29 00 C1 0D 53 57 49 53 53 4C 49 46 45 54
       53 41 50 C2 0D 45 58 43 48 41 4E 47 45 54 53 41 50 31 C0 01 0B)
kb_digest=$(fnv_skip_reserved "${kb_cc[@]}")

srv kb-strict 127.0.0.1 --cc kb --send-bytes 4096
cli kb-strict 127.0.0.1 --strict --send-bytes 4096
srv_wait
C=$T/kb-strict.cli.out
check_begin
want "client exit" "$CLI_RC" 3
want "client status" "$(get "$C" status)" refused
want_true "client stderr has 'REFUSED reserved=0x11 type=CC'" \
	grep -qx 'REFUSED reserved=0x11 type=CC' "$T/kb-strict.cli.err"
want "client reserved_nonzero_cc" "$(get "$C" reserved_nonzero_cc)" 1
want "received bytes = the KB frame" "$(get "$C" bytes)" 44
want "received digest = the KB frame's" "$(get "$C" digest)" "$kb_digest"
want "client sent no data after refusing" "$(get "$C" tx_data_bytes)" 0
want "server exit (peer disconnected)" "$SRV_RC" 3
want "server status" "$(get "$T/kb-strict.srv.out" status)" disconnected
check_end kb-strict

# ---- (c) the same CC to a lenient client: accepted, counted ---------------

exchange kb-lenient 127.0.0.1 "--cc kb --send-bytes 4096 --echo" \
	--lenient --send-bytes 4096 --echo --expect-reserved-nonzero 1
want "client reserved_nonzero" "$(get "$C" reserved_nonzero)" 1
want "client reserved_nonzero_cc" "$(get "$C" reserved_nonzero_cc)" 1
want "client tpdu_size (from the KB CC)" "$(get "$C" tpdu_size)" 2048
want "server reserved_nonzero" "$(get "$S" reserved_nonzero)" 0
check_end kb-lenient

# ---- (d) segmentation: every header byte, one byte, batches ----------------

# 3000 bytes in DTs of 700: CR + 5 DT; the client marks every TPKT's
# reserved byte 0x11 so the (lenient) server counts them across the splits.
for k in 1 2 3 4 5; do
	exchange split-at-$k 127.0.0.1 "--echo --send-bytes 3000 --split-at $k" \
		--echo --send-bytes 3000 --pdu-size 700 --split-at "$k" \
		--reserved cr=0x11,dt=0x11
	want "server reserved_nonzero" "$(get "$S" reserved_nonzero)" 6
	want "client writes (2 pieces per TPKT)" "$(get "$C" tx_writes)" 12
	want "server writes (2 pieces per TPKT)" "$(get "$S" tx_writes)" 12
	check_end split-at-$k
done

exchange split-at-1-5 127.0.0.1 "--echo --send-bytes 2000 --split-at 1,2,3,4,5" \
	--echo --send-bytes 2000 --pdu-size 1000 --split-at 1,2,3,4,5 --pause-ms 5
want "client writes (6 pieces per TPKT)" "$(get "$C" tx_writes)" 18
check_end split-at-1-5

exchange one-byte 127.0.0.1 "--echo --send-bytes 400 --one-byte --pause-ms 1" \
	--echo --send-bytes 400 --pdu-size 60 --one-byte --pause-ms 1
want "client writes = bytes" "$(get "$C" tx_writes)" "$(get "$C" tx_bytes)"
want "server writes = bytes" "$(get "$S" tx_writes)" "$(get "$S" tx_bytes)"
check_end one-byte

exchange batch-500 127.0.0.1 "--echo --send-bytes 50000 --batch 500" \
	--echo --send-bytes 50000 --pdu-size 100 --batch 500
want "client TPKTs (CR + 500 DT)" "$(get "$C" tx_tpkts)" 501
want "client writes (CR, then 500 DT in one)" "$(get "$C" tx_writes)" 2
want "client bytes (44 + 500 * 107)" "$(get "$C" tx_bytes)" 53544
check_end batch-500

# ---- (e) IPv6 ---------------------------------------------------------------

exchange ipv6 "[::1]" "--echo --send-bytes 30000 --split-at 1" \
	--echo --send-bytes 30000 --split-at 1 --pause-ms 2
want_true "client peer is [::1]" grep -q 'peer=\[::1\]:' "$C"
want_true "server peer is [::1]" grep -q 'peer=\[::1\]:' "$S"
check_end ipv6

srv ipv6-kb-json "[::1]" --cc kb --json
cli ipv6-kb-json "[::1]" --strict --json
srv_wait
check_begin
want "client exit" "$CLI_RC" 3
want_true "client JSON says refused" \
	grep -q '^{"type":"result","role":"client","status":"refused",.*"refused_type":"CC","refused_reserved":"0x11"}$' \
	"$T/ipv6-kb-json.cli.out"
check_end ipv6-kb-json

# Without ADDR the listener takes IPv4 and IPv6 clients alike.
srv dual-stack "" --count 2 --send-bytes 1000
cli dual-stack-v4 127.0.0.1 --send-bytes 1000
rc4=$CLI_RC
cli dual-stack-v6 "[::1]" --send-bytes 1000
rc6=$CLI_RC
srv_wait
check_begin
want "client exits (IPv4, IPv6)" "$rc4$rc6" 00
want "server exit" "$SRV_RC" 0
want_true "IPv4 client seen as 127.0.0.1" \
	grep -q '^RESULT role=server conn=1 status=ok .*peer=127\.0\.0\.1:' \
	"$T/dual-stack.srv.out"
want_true "IPv6 client seen as [::1]" \
	grep -q '^RESULT role=server conn=2 status=ok .*peer=\[::1\]:' \
	"$T/dual-stack.srv.out"
check_end dual-stack

# ---- the digest leaves out exactly the reserved bytes -----------------------

check_begin
d0=$(timeout 10 "$PEER" --dry-run --send-bytes 5000)
d1=$(timeout 10 "$PEER" --dry-run --send-bytes 5000 --reserved all=0x11)
d2=$(timeout 10 "$PEER" --dry-run --send-bytes 5000 --seed 7)
d3=$(timeout 10 "$PEER" --dry-run --send-bytes 5000 --tpdu-size 0x0B --pdu-size 1021)
want "reserved 0x11 does not change the digest" "$d1" "$d0"
want_true "the data does change it" test "$d2" != "$d0"
want_true "a header byte (C0) does change it" test "$d3" != "$d0"
want_true "dry run printed a PLAN" grep -q '^PLAN role=client tx_tpkts=6 ' <<<"$d0"
check_end digest-ignores-reserved

# ---- (f) timeouts -----------------------------------------------------------

closed=
for p in $(seq 10101 10199); do
	ss -Htln "sport = :$p" | grep -q . || { closed=$p; break; }
done
t0=$(now)
timeout 20 "$PEER" --connect "127.0.0.1:${closed:-10101}" --timeout 5 \
	>"$T/closed-port.cli.out" 2>"$T/closed-port.cli.err"
rc=$?
ms=$((($(now) - t0) / 1000))
check_begin
want "exit" "$rc" 1
want "status" "$(get "$T/closed-port.cli.out" status)" error
want_true "fails promptly (${ms} ms < 2000 ms)" test "$ms" -lt 2000
check_end closed-port

t0=$(now)
timeout 20 "$PEER" --listen 127.0.0.1:0 --timeout 2 \
	>"$T/accept-timeout.srv.out" 2>"$T/accept-timeout.srv.err"
rc=$?
ms=$((($(now) - t0) / 1000))
check_begin
want "exit" "$rc" 1
want "status" "$(get "$T/accept-timeout.srv.out" status)" timeout
want_true "gives up after ~2 s (${ms} ms)" test "$ms" -ge 1900 -a "$ms" -lt 4000
check_end accept-timeout

# A connection the listener has not accepted yet completes in the kernel but
# never gets a CC: the client's --timeout covers the handshake too.
srv io-timeout 127.0.0.1 --count 2 --timeout 5
cli io-timeout-first 127.0.0.1 --bulk 3 &
first=$!
sleep 0.5
t0=$(now)
cli io-timeout 127.0.0.1 --timeout 1
ms=$((($(now) - t0) / 1000))
wait "$first"
srv_wait
check_begin
want "client exit" "$CLI_RC" 1
want "client status" "$(get "$T/io-timeout.cli.out" status)" timeout
want "client reason" "$(get "$T/io-timeout.cli.out" reason)" handshake
want_true "after ~1 s (${ms} ms)" test "$ms" -ge 900 -a "$ms" -lt 2500
check_end io-timeout

# ---- more behaviour the VM suite relies on ----------------------------------

# A strict listener refuses the first DT.  Its default release (FIN) looks
# like a normal end to a client that expects nothing back, so this client
# expects a 1-byte reply; with --refuse-with rst no expectation is needed.
srv strict-server 127.0.0.1 --strict --send-bytes 5000 --reply-bytes 1
cli strict-server 127.0.0.1 --send-bytes 5000 --reply-bytes 1 \
	--reserved dt=0x11
srv_wait
check_begin
want "server exit" "$SRV_RC" 3
want "server status" "$(get "$T/strict-server.srv.out" status)" refused
want_true "server stderr has 'REFUSED reserved=0x11 type=DT'" \
	grep -qx 'REFUSED reserved=0x11 type=DT' "$T/strict-server.srv.err"
want "client exit (disconnected)" "$CLI_RC" 3
want "client status" "$(get "$T/strict-server.cli.out" status)" disconnected
check_end strict-server

srv strict-rst 127.0.0.1 --strict --refuse-with rst
cli strict-rst 127.0.0.1 --send-bytes 5000 --reserved dt=0x11
srv_wait
check_begin
want "server exit" "$SRV_RC" 3
want "client exit" "$CLI_RC" 3
want "client reason" "$(get "$T/strict-rst.cli.out" reason)" reset
check_end strict-rst

srv early-close 127.0.0.1 --send-bytes 10000
cli early-close 127.0.0.1 --send-bytes 5000
srv_wait
check_begin
want "server exit" "$SRV_RC" 3
want "server reason" "$(get "$T/early-close.srv.out" reason)" eof_early
check_end early-close

srv data-mismatch 127.0.0.1 --send-bytes 5000 --seed 1
cli data-mismatch 127.0.0.1 --send-bytes 5000 --seed 2
srv_wait
check_begin
want "server exit" "$SRV_RC" 4
want "server reason" "$(get "$T/data-mismatch.srv.out" reason)" data
check_end data-mismatch

srv count-3 127.0.0.1 --count 3 --send-bytes 2048
for i in 1 2 3; do
	cli count-3-$i 127.0.0.1 --send-bytes 2048
	eval "rc$i=$CLI_RC"
done
srv_wait
check_begin
want "server exit" "$SRV_RC" 0
want "client exits" "$rc1$rc2$rc3" 000
want "result lines" "$(grep -c '^RESULT role=server conn=[123] status=ok' "$T/count-3.srv.out")" 3
want_true "summary line" grep -qx 'SUMMARY role=server connections=3 ok=3 failed=0 exit=0' \
	"$T/count-3.srv.out"
check_end count-3

exchange bulk 127.0.0.1 "" --bulk 1 --batch 16
want_true "client reports Mbit/s" awk -v v="$(get "$C" tx_mbps)" 'BEGIN { exit !(v > 0) }'
want_true "server reports Mbit/s" awk -v v="$(get "$S" mbps)" 'BEGIN { exit !(v > 0) }'
want "bytes" "$(get "$S" bytes)" "$(get "$C" tx_bytes)"
check_end bulk

check_begin
timeout 10 "$PEER" --help >"$T/usage.out" 2>&1
want "--help exit" "$?" 0
timeout 10 "$PEER" --connect 127.0.0.1 >"$T/usage.bad" 2>&1
want "missing port exit" "$?" 2
timeout 10 "$PEER" --listen 1 --reserved xx=1 >>"$T/usage.bad" 2>&1
want "bad --reserved exit" "$?" 2
timeout 10 "$PEER" >>"$T/usage.bad" 2>&1
want "no role exit" "$?" 2
for o in listen count connect timeout ready-file tpdu-size calling-tsap \
	 called-tsap src-ref cc send-bytes pdu-size seed echo reply-bytes bulk \
	 no-data-check reserved split-at one-byte pause-ms batch strict \
	 lenient refuse-with expect-digest expect-reserved-nonzero expect-tpkts json \
	 dry-run verbose help; do
	want_true "--help documents --$o" grep -q -- "--$o\>" "$T/usage.out"
done
check_end usage

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
