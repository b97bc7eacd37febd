#!/usr/bin/env bash
# Loopback self-test of the snap7 peers (no VM, no kernel module):
# server.js on a free high port of 127.0.0.1, client.js against it.
#
#   tests/snap7/selftest.sh
#
# Needs node-snap7 built by scripts/deps.sh (install_snap7); SNAP7_DIR
# overrides where it is.  Prints PASS/FAIL lines and "N passed, N failed";
# exits 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export SNAP7_DIR=${SNAP7_DIR:-/opt/nf_tpkt-deps/snap7/node_modules/node-snap7}
tmp=$(mktemp -d /tmp/snap7-selftest.XXXXXX)
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

# The last "SNAP7 ..." line of a client output file.
snap7_line() { grep '^SNAP7 ' "$1" | tail -n1; }

# run_client NAME EXPECT(ok|fail) ARGS...: run client.js, check exit code and
# the SNAP7 line; the line is left in $line.
run_client() {
	local name=$1 expect=$2; shift 2
	local rc=0
	timeout 120 node "$here/client.js" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	line=$(snap7_line "$tmp/$name.out")
	echo "  $name: rc=$rc $line"
	if [ "$expect" = ok ]; then
		[ "$rc" -eq 0 ] && [[ $line == "SNAP7 status=ok "* ]]
	else
		[ "$rc" -eq 1 ] && [[ $line == "SNAP7 status=fail "* ]]
	fi
}

# 1. the addon is there and loads
if timeout 30 node -e "require(process.env.SNAP7_DIR)" 2>"$tmp/load.err"; then
	ok "node-snap7 loads from $SNAP7_DIR"
else
	sed 's/^/  /' "$tmp/load.err" | tail -n5
	bad "node-snap7 loads from $SNAP7_DIR (build it: scripts/deps.sh)"
	finish
fi

# 2. a free port: the kernel picks one, we release it and reuse the number.
port=$(free_port)
if [[ $port =~ ^[0-9]+$ ]]; then ok "free port $port"; else bad "free port"; finish; fi

# 3. server up: READY on stdout and the port listening
if server server "$port" &&
   timeout 5 ss -Hltn "sport = :$port" | grep -q "127.0.0.1:$port"; then
	ok "server READY on 127.0.0.1:$port ($(head -n1 "$tmp/server.out"))"
else
	sed 's/^/  /' "$tmp/server.out" "$tmp/server.err" | tail -n5
	bad "server READY on 127.0.0.1:$port"
	finish
fi
srv_pid=${pids[-1]}

# 4. default run: every single-PDU size, the split boundaries, multi-PDU sizes
if run_client default ok 127.0.0.1 --port "$port" && [[ $line == *" pdu=480 "* ]]; then
	ok "client default sizes at PDU 480 ($(grep -c '^size=' "$tmp/default.out") sizes)"
else
	tail -n3 "$tmp/default.out" "$tmp/default.err" | sed 's/^/  /'
	bad "client default sizes at PDU 480"
fi

# 5. other PDU sizes: an S7-400's 960 and snap7's minimum 240
for pdu in 960 240; do
	if run_client "pdu$pdu" ok 127.0.0.1 --port "$port" --pdu "$pdu" &&
	   [[ $line == *" pdu=$pdu "* ]]; then
		ok "client default sizes at PDU $pdu"
	else
		tail -n3 "$tmp/pdu$pdu.out" "$tmp/pdu$pdu.err" | sed 's/^/  /'
		bad "client default sizes at PDU $pdu"
	fi
done

# 5b. the largest PDU snap7 can carry: its ISO layer takes TPKTs of at most
# 4096 bytes, so PDU 4089 (+7 bytes TPKT/COTP); 4090..4096 negotiate but a
# full write then times out.  Boundary sizes only.
if run_client pdu4089 ok 127.0.0.1 --port "$port" --pdu 4089 \
	--sizes 1,4061,4062,4071,4072,65535 && [[ $line == *" pdu=4089 "* ]]; then
	ok "client boundary sizes at PDU 4089 (4096-byte TPKTs)"
else
	tail -n3 "$tmp/pdu4089.out" "$tmp/pdu4089.err" | sed 's/^/  /'
	bad "client boundary sizes at PDU 4089 (4096-byte TPKTs)"
fi

# 6. explicit --sizes and rack/slot
if run_client sizes ok 127.0.0.1 --port "$port" --sizes 1,452,453,4096,65000 \
	--rack 0 --slot 2 && [[ $line == *" sizes=5 "* ]]; then
	ok "client --sizes 1,452,453,4096,65000 --rack 0 --slot 2"
else
	bad "client --sizes 1,452,453,4096,65000 --rack 0 --slot 2"
fi

# 7. failures are reported, not hidden: an unregistered DB, a closed port
if run_client nodb fail 127.0.0.1 --port "$port" --db 2 --sizes 1; then
	ok "client reports status=fail for an unregistered DB2"
else
	bad "client reports status=fail for an unregistered DB2"
fi
if run_client closed fail 127.0.0.1 --port "$(free_port)" --timeout 20; then
	ok "client reports status=fail for a closed port"
else
	bad "client reports status=fail for a closed port"
fi

# 8. the server stops on SIGTERM with exit code 0
kill -TERM "$srv_pid"
rc=0
timeout 10 bash -c "while kill -0 $srv_pid 2>/dev/null; do sleep 0.1; done" || rc=124
if [ "$rc" -eq 0 ]; then
	wait "$srv_pid"; rc=$?
fi
if [ "$rc" -eq 0 ]; then
	ok "server exits 0 on SIGTERM"
else
	bad "server exits 0 on SIGTERM (rc=$rc)"
fi

finish
