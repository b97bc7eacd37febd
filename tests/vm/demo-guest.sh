#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The narrated demo, inside the guest.  See demo.sh.
set -u
ROOT=${ROOT:?}
. "$ROOT/tests/vm/lib.sh"
mkdir -p "$OUT"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '  $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }

say "Three network namespaces: a client MTA, a Linux gateway, a server MTA."
topo_up
echo "    client 10.11.0.2  ->  gateway 10.11.0.1 / 10.12.0.1  ->  server 10.12.0.2:102"

say "1. Without help: the server answers the CONNECT REQUEST with the CONNECT"
say "   CONFIRM of KB Q151626 (TPKT reserved byte 0x11); the strict client refuses it."
exchange --cc kb --echo --timeout 5 -- --connect "$SV4:102" --strict --echo \
	--send-bytes 2000 --pdu-size 500 --timeout 5
sed 's/^/    client: /' "$OUT/client.out" | grep -E 'REFUSED|RESULT' | cut -c1-150
[ $CLIENT_RC -eq 3 ] || { echo "unexpected: client exit $CLIENT_RC"; exit 1; }

say "2. Load nf_tpkt and tell the gateway to normalize port 102."
modprobe -a nf_defrag_ipv4 nf_defrag_ipv6
run insmod "$KO"
run "$TPKTCTL" -n gw set mode normalize ports 102 hooks forward check tpkt-reserved fix
run "$TPKTCTL" -n gw show
"$TPKTCTL" -n gw monitor >"$OUT/demo-events" 2>/dev/null &
MON=$!
sleep 1

say "3. The same exchange again, through the gateway."
exchange --cc kb --echo --timeout 5 -- --connect "$SV4:102" --strict --echo \
	--send-bytes 2000 --pdu-size 500 --timeout 5
sed 's/^/    client: /' "$OUT/client.out" | grep RESULT | cut -c1-150
sleep 0.5
kill -INT $MON; wait $MON 2>/dev/null
[ $CLIENT_RC -eq 0 ] || { echo "unexpected: client exit $CLIENT_RC"; exit 1; }
echo "    the client accepted the CONNECT CONFIRM and exchanged data: exit $CLIENT_RC"

say "4. What the gateway saw (tpktctl monitor) and counted (tpktctl stats)."
sed 's/^/    event: /' "$OUT/demo-events"
run "$TPKTCTL" -n gw stats
topo_down
rmmod nf_tpkt
dmesg_clean || { echo "kernel log has warnings"; exit 1; }
echo DEMO-OK
