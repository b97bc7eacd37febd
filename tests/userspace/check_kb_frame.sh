#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The very frame of Microsoft KB Q151626 (tests/data/kb-q151626.pcap is the
# article's hex dump of the CONNECT CONFIRM as one Ethernet frame): inspect
# finds the reserved byte, --fix rewrites it and the TCP checksum, and
# nothing else.
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
IN=tests/data/kb-q151626.pcap
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {
	if eval "$2"; then echo "PASS $1"; passed=$((passed + 1));
	else echo "FAIL $1"; failed=$((failed + 1)); fi
}

"$TPKTCTL" inspect -j --fix "$tmp/out.pcap" mode normalize "$IN" >"$tmp/out.json"
check inspect-ok '[ $? = 0 ]'
check one-reserved-anomaly-on-the-CC "python3 -c '
import sys
sys.path.insert(0, \"$here\")
import inspect_json
d = inspect_json.load(\"$tmp/out.json\")
assert d[\"anomalies\"][\"tpkt-reserved\"] == 1 and d[\"tpdus\"][\"CC\"] == 1
assert sum(d[\"anomalies\"].values()) == 1 and d[\"edits\"] == 1
e = d[\"event_list\"][0]
assert e[\"tpdu\"] == \"CC\" and e[\"orig\"] == \"0311002c27d0\" and e[\"offset\"] == 1
assert e[\"src\"] == \"134.38.52.77:102\"'"
# bytes 0x24 + 16 + 0x32..0x33 (TCP checksum) and 0x24 + 16 + 0x37 (reserved)
check only-checksum-and-reserved-changed \
	"[ \"\$(cmp -l $IN $tmp/out.pcap | awk '{print \$1}' | tr '\n' ' ')\" = '92 96 ' ]"
check reserved-now-zero "[ \"\$(od -An -tx1 -j95 -N1 $tmp/out.pcap | tr -d ' ')\" = 00 ]"
check tshark-checksum-good \
	"[ \"\$(tshark -r $tmp/out.pcap -o tcp.check_checksum:TRUE -T fields -e tpkt.reserved -e tcp.checksum.status 2>/dev/null)\" = \"\$(printf '0\t1')\" ]"
check tshark-input-checksum-was-good \
	"[ \"\$(tshark -r $IN -o tcp.check_checksum:TRUE -T fields -e tpkt.reserved -e tcp.checksum.status 2>/dev/null)\" = \"\$(printf '17\t1')\" ]"
"$TPKTCTL" inspect -j --fix "$tmp/mon.pcap" mode monitor "$IN" >/dev/null
check monitor-changes-nothing "cmp -s $IN $tmp/mon.pcap"

echo "kb frame: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
