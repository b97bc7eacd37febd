#!/usr/bin/env bash
# Loopback self-test of nodes7_client.js against server.js (no VM, no
# kernel module): nodes7 (pure JavaScript) against snap7's S7Server on free
# high ports of 127.0.0.1.
#
#   tests/snap7/nodes7_selftest.sh
#
# Needs nodes7 and node-snap7 installed by scripts/deps.sh (install_nodes7,
# install_snap7); NODES7_DIR and SNAP7_DIR override where they are.  Prints
# PASS/FAIL lines and "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export SNAP7_DIR=${SNAP7_DIR:-/opt/nf_tpkt-deps/snap7/node_modules/node-snap7}
export NODES7_DIR=${NODES7_DIR:-/opt/nf_tpkt-deps/nodes7/node_modules/nodes7}
tmp=$(mktemp -d /tmp/nodes7-selftest.XXXXXX)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

# run NAME EXPECT(ok|fail) ARGS...: nodes7_client.js; checks the exit code
# and the RESULT line's status, leaves the line in $line
run() {
	local name=$1 expect=$2; shift 2
	local rc=0
	timeout 120 node "$here/nodes7_client.js" 127.0.0.1 --timeout 60 "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	line=$(grep '^RESULT ' "$tmp/$name.out" | tail -n1)
	echo "  $name: rc=$rc $line"
	if [ "$expect" = ok ]; then
		[ "$rc" -eq 0 ] && [[ $line == "RESULT peer=nodes7 status=ok "* ]]
	else
		[ "$rc" -eq 1 ] && [[ $line == "RESULT peer=nodes7 status=fail "* ]]
	fi
}

# field KEY: the value of KEY= in $line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }

# 1. both libraries load
for m in "$NODES7_DIR" "$SNAP7_DIR"; do
	if timeout 30 node -e "require(process.argv[1])" "$m" 2>"$tmp/load.err"; then
		ok "loads: $m"
	else
		sed 's/^/  /' "$tmp/load.err" | tail -n5
		bad "loads: $m (install it: scripts/deps.sh)"
		finish
	fi
done

# 2. a server with a DB per run (the gaps between a run's regions must still
# hold the initial pattern) and one that forces PDU 480
port=$(free_port)
port480=$(free_port)
if server main "$port" --db 1,2,3,4,5 && server pdu480 "$port480" --pdu 480; then
	ok "servers READY on 127.0.0.1:$port and :$port480 (--pdu 480)"
else
	bad "servers READY"
	finish
fi

# 3. the default run: nodes7 proposes PDU 960 and TPDU 1024, snap7 accepts
# both; every size up to the PDU, the split boundaries, items of 4096 and
# 8192.  What was written (the sizes' sum) went out, what was read (the sum
# again and the span) came in, each with its headers.
if run default ok --port "$port" --db 1 &&
   [ "$(field pdu)" = 960 ] && [ "$(field cr_tpdu)" = 1024 ] &&
   [ "$(field sizes)" = 18 ] && [ "$(field writes)" = 18 ] &&
   sum=$((($(field bytes) - $(field span)) / 2)) &&
   [ "$(field tx)" -gt "$sum" ] && [ "$(field rx)" -gt $((sum + $(field span))) ]; then
	ok "default sizes at PDU 960, TPDU 1024 proposed"
else
	tail -n3 "$tmp/default.err" | sed 's/^/  /'
	bad "default sizes at PDU 960, TPDU 1024 proposed"
fi

# 4. other PDUs nodes7 proposes: snap7's minimum and the largest nodes7's
# 1500-byte request buffers can carry
for p in 240:2 1493:3; do
	if run "pdu${p%:*}" ok --port "$port" --pdu "${p%:*}" --db "${p#*:}" &&
	   [ "$(field pdu)" = "${p%:*}" ]; then
		ok "default sizes at PDU ${p%:*}"
	else
		tail -n3 "$tmp/pdu${p%:*}.err" | sed 's/^/  /'
		bad "default sizes at PDU ${p%:*}"
	fi
done

# 5. the server's answer is what counts: nodes7 proposes 960, gets 480
if run force480 ok --port "$port480" && [ "$(field pdu)" = 480 ] &&
   [ "$(field max_write_item)" = 448 ] && [ "$(field max_read_item)" = 460 ]; then
	ok "PDU 480 forced by the server"
else
	bad "PDU 480 forced by the server"
fi

# 6. explicit sizes, another rack and slot
if run sizes ok --port "$port" --db 4 --sizes 1,931,932,933,8192 --rack 0 --slot 2 &&
   [ "$(field sizes)" = 5 ] && [ "$(field writes)" = 5 ] &&
   [ "$(field reads)" = $((5 + ($(field span) + 8191) / 8192)) ]; then
	ok "--sizes 1,931,932,933,8192 --rack 0 --slot 2"
else
	bad "--sizes 1,931,932,933,8192 --rack 0 --slot 2"
fi

# 7. failures are reported, not hidden: a DB whose gaps hold another run's
# writes (DB1 after step 3, other sizes), an unregistered DB, a closed port
if run dirty fail --port "$port" --db 1 --sizes 5000 &&
   [[ $line == *'reason="DB1,BYTE0.5017: DB1.DBB'* ]]; then
	ok "a byte that is not what the client expects is a failure"
else
	bad "a byte that is not what the client expects is a failure"
fi
if run nodb fail --port "$port" --db 9 --sizes 1 && [[ $line == *'reason="writeItems'* ]]; then
	ok "status=fail for an unregistered DB9"
else
	bad "status=fail for an unregistered DB9"
fi
if run closed fail --port "$(free_port)" --timeout 20 && [[ $line == *'ECONNREFUSED'* ]]; then
	ok "status=fail for a closed port"
else
	bad "status=fail for a closed port"
fi

finish
