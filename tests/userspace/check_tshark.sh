#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tpktctl as a program: the field report's CONNECT CONFIRM through
# "tpktctl inspect --fix", with the output checked by an independent
# dissector (tshark, TCP checksum validation on), a pcapng input, and the
# exit codes of the command line.
#
# Every tshark check is first shown to fail on a packet that is wrong, so
# that a filter that matches nothing cannot pass for a good result.
#
#   TPKTCTL=build/tpktctl bash tests/userspace/check_tshark.sh
set -uo pipefail

TPKTCTL=${TPKTCTL:-build/tpktctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {	# expect WHAT CONDITION...
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# Count the packets of $1 that match display filter $2.
tshark_count() {
	tshark -n -o tcp.check_checksum:TRUE -r "$1" -Y "$2" -T fields \
		-e frame.number 2>/dev/null | grep -c .
}

command -v tshark >/dev/null || { echo "tshark missing: make deps-unit"; exit 1; }

# The report's exchange, Ethernet/IPv4, right checksums; $2 = "bad"
# corrupts the CC's TCP checksum.
python3 - "$tmp/in.pcap" good <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, dst, sp, dp, seq, ack, flags, data):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + data
    ph = bytes(src) + bytes(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(ph + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000,
                     64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp

cr = bytes.fromhex("0300001611e00000000100c0010ac1020100c2020102")
cc = bytes.fromhex("0311002c27d001ca002900c10d5357495353"
                   "4c494645545341" "50c20d45584348414e474554534150"
                   "31c0010b")
assert len(cc) == 44
c, s = [10, 0, 0, 1], [10, 0, 0, 2]
ci, si = 1000, 5000
pkts = [
    frame(c, s, 49152, 102, ci, 0, 0x02, b""),
    frame(s, c, 102, 49152, si, ci + 1, 0x12, b""),
    frame(c, s, 49152, 102, ci + 1, si + 1, 0x10, b""),
    frame(c, s, 49152, 102, ci + 1, si + 1, 0x18, cr),
    frame(s, c, 102, 49152, si + 1, ci + 23, 0x18, cc),
    frame(c, s, 49152, 102, ci + 23, si + 45, 0x10, b""),
]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(pkts):
        f.write(struct.pack("<IIII", 1000 + i, i, len(p), len(p)) + p)
EOF

# the same with the CC's checksum broken: what a failing check looks like
python3 - "$tmp/in.pcap" "$tmp/broken.pcap" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(bytes.fromhex("0311002c27d0"))
b[i - 4] ^= 0x01
open(sys.argv[2], "wb").write(b)
EOF

expect "tshark sees the bad checksum of a broken packet" \
	test "$(tshark_count "$tmp/broken.pcap" 'tcp.checksum.status == 0')" = 1
expect "tshark sees no bad checksum in the input" \
	test "$(tshark_count "$tmp/in.pcap" 'tcp.checksum.status == 0')" = 0
expect "tshark sees the reserved byte 0x11 in the input" \
	test "$(tshark_count "$tmp/in.pcap" 'tpkt.reserved == 0x11')" = 1

# the external checks' exact command line
"$TPKTCTL" inspect -j --fix "$tmp/out.pcap" mode normalize "$tmp/in.pcap" \
	>"$tmp/out.json" 2>"$tmp/err"
expect "inspect --fix exits 0" test $? = 0
expect "inspect --fix prints nothing on stderr" test ! -s "$tmp/err"
expect "one JSON document: 1 tpkt-reserved anomaly, fixed, on the CC" \
	python3 - "$tmp/out.json" <<'EOF'
import sys
sys.path.insert(0, "tests/userspace")
import inspect_json
j = inspect_json.load(sys.argv[1])
e = j["event_list"]
sys.exit(not (j["anomalies"]["tpkt-reserved"] == 1 and
	      sum(j["anomalies"].values()) == 1 and j["edits"] == 1 and
	      j["tpkts"] == 2 and j["tpdus"]["CC"] == 1 and len(e) == 1 and
	      e[0]["check"] == "tpkt-reserved" and e[0]["action"] == "fix" and
	      e[0]["tpdu"] == "CC" and e[0]["frame"] == 5 and
	      e[0]["orig"] == "0311002c27d0" and e[0]["offset"] == 1))
EOF
expect "tshark: no bad TCP checksum in the output" \
	test "$(tshark_count "$tmp/out.pcap" 'tcp.checksum.status == 0')" = 0
expect "tshark: every TCP checksum of the output verified good" \
	test "$(tshark_count "$tmp/out.pcap" 'tcp.checksum.status == 1')" = 6
expect "tshark: the reserved byte is 0 in the output" \
	test "$(tshark_count "$tmp/out.pcap" 'tpkt.reserved == 0')" = 2
expect "tshark: no reserved byte 0x11 left" \
	test "$(tshark_count "$tmp/out.pcap" 'tpkt.reserved != 0')" = 0
# cmp -l: offset (1-based), old, new in octal; only the reserved byte and
# the TCP checksum (4 and 3 bytes before the payload) may change
off=$(python3 -c "import sys; print(open(sys.argv[1],'rb').read().find(bytes.fromhex('0311002c27d0')) + 1)" "$tmp/in.pcap")
changed=$(cmp -l "$tmp/in.pcap" "$tmp/out.pcap" | awk '{print $1}' | tr '\n' ' ')
expect "only the reserved byte and the checksum changed ($changed)" \
	python3 -c "
import sys
off = $off
ch = [int(x) for x in '$changed'.split()]
sys.exit(not (off + 1 in ch and set(ch) <= {off + 1, off - 4, off - 3}
	      and len(ch) >= 2))"

# pcapng in, classic pcap out, same packets
if command -v editcap >/dev/null; then
	editcap -F pcapng "$tmp/in.pcap" "$tmp/in.pcapng"
	"$TPKTCTL" inspect --fix "$tmp/ng-out.pcap" "$tmp/in.pcapng" \
		>/dev/null 2>"$tmp/err"
	expect "pcapng input exits 0" test $? = 0
	expect "pcapng input: the output is said to be classic pcap" \
		grep -q "is pcapng; .* is written as classic pcap" "$tmp/err"
	expect "pcapng input: classic pcap written" \
		test "$(head -c4 "$tmp/ng-out.pcap" | od -An -tx1 | tr -d ' ')" = 4d3cb2a1
	expect "pcapng input: same packets as from pcap" \
		test "$(tshark -r "$tmp/ng-out.pcap" -T fields -e frame.len -e tcp.payload -e tcp.checksum 2>/dev/null)" = \
		     "$(tshark -r "$tmp/out.pcap" -T fields -e frame.len -e tcp.payload -e tcp.checksum 2>/dev/null)"
else
	bad "editcap missing: no pcapng check"
fi

# the command line: exit codes and messages
run() {		# run EXPECTED-RC ARGS...: stdout/stderr in $tmp/o, $tmp/e
	local want=$1; shift
	"$TPKTCTL" "$@" >"$tmp/o" 2>"$tmp/e"
	local rc=$?
	expect "tpktctl $* exits $want" test $rc = "$want"
}
run 2
expect "no verb: usage on stderr" grep -q "^Usage: tpktctl" "$tmp/e"
run 2 frobnicate
expect "unknown verb lists the verbs" grep -qx 'tpktctl: unknown verb "frobnicate": expected show, set, stats, flows, monitor, batch, save, inspect or help' "$tmp/e"
run 2 --frobnicate
run 0 --version
expect "--version" grep -q "^tpktctl " "$tmp/o"
run 0 help
expect "help lists inspect" grep -q "^  inspect " "$tmp/o"
run 0 help inspect
run 0 inspect --help
expect "inspect --help" grep -q "^Usage: tpktctl \[-j\] inspect" "$tmp/o"
run 0 set --help
run 2 help frobnicate
run 2 inspect
run 2 inspect --fix "$tmp/x.pcap" "$tmp/in.pcap" "$tmp/in.pcap"
run 2 inspect mode loud "$tmp/in.pcap"
expect "bad mode message" grep -qx 'tpktctl: bad value "loud" for mode: expected off, monitor, normalize or enforce' "$tmp/e"
run 0 -j inspect "$tmp/in.pcap"
expect "global -j gives JSON Lines" python3 -c "import sys; sys.path.insert(0, 'tests/userspace'); import inspect_json; inspect_json.load('$tmp/o')"
printf 'not a capture\n' >"$tmp/garbage.pcap"
run 1 inspect "$tmp/garbage.pcap"
expect "garbage file named" grep -q "garbage.pcap" "$tmp/e"
head -c 200 "$tmp/in.pcap" >"$tmp/cut.pcap"
run 1 inspect -j "$tmp/cut.pcap"
expect "truncated file: the summary says it is partial" python3 -c "import sys; sys.path.insert(0, 'tests/userspace'); import inspect_json; j = inspect_json.load('$tmp/o'); sys.exit(j['complete'] is not False)"
expect "truncated file named" grep -q "cut.pcap: frame .*: truncated" "$tmp/e"
run 1 inspect /nonexistent.pcap

echo "check_tshark: $pass passed, $fail failed"
test "$fail" = 0
