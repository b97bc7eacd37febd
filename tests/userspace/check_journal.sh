#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# monitor -o journal against a real systemd-journald, on a machine without
# the module: a journald of our own, in a mount namespace of our own (a
# tmpfs on /run and on /var/log/journal, so the machine's journal, if it
# has one, is neither seen nor touched).  There, the entries of
# tests/userspace/test_journal.c are sent and read back field by field
# (its round trip), and tpktctl monitor -o journal --wait, with no module
# to wait for, journals that it waits, tells systemd it is ready (Type=
# notify, to a socket of ours), sleeps in poll() rather than spinning,
# and ends on SIGTERM.  Events from the module, and the wait ending when
# it is loaded, are the VM suite's (tests/vm/suite.d/60-journal.sh).
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
TEST_JOURNAL=${TEST_JOURNAL:-$(dirname "$TPKTCTL")/unit/test_journal}
. "$(dirname "$0")/lib.sh"

if [ -z "${NF_TPKT_JOURNAL_NS:-}" ]; then
	if "$TPKTCTL" show >/dev/null 2>&1; then
		echo "nf_tpkt is loaded here: the waiting checks cannot run" >&2
		exit 1
	fi
	exec env NF_TPKT_JOURNAL_NS=1 unshare -m --propagation private \
		bash "$0" "$@"
fi

tmp=$(mktemp -d)
jpid=
cleanup() {
	[ -n "$jpid" ] && kill "$jpid" 2>/dev/null && wait "$jpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

mount -t tmpfs nf_tpkt-run /run || { ko private-run "cannot mount /run"; finish journal; exit; }
[ -d /var/log/journal ] && mount -t tmpfs nf_tpkt-journal /var/log/journal

# no journald yet: the entries would vanish, so monitor refuses
expect no-journald 1 'monitor: -o journal: systemd-journald is not running' -- \
	monitor -o journal --wait

/lib/systemd/systemd-journald >"$tmp/journald.out" 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
check journald-started test -S /run/systemd/journal/socket

# the unit test's round trip: every field sent is stored, and no other
out=$(NF_TPKT_JOURNAL_ROUNDTRIP=1 "$TEST_JOURNAL" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q 'PASSED  \] 11 test' <<<"$out" && ! grep -q SKIPPED <<<"$out"; then
	ok roundtrip
else
	ko roundtrip "rc $rc: $(grep -E 'FAILED|ERROR|SKIPPED|stored|LINE' <<<"$out" | head -20)"
fi

# without --wait and without the module: an error, as for the other outputs
expect no-wait-not-loaded 1 '^tpktctl: nf_tpkt is not loaded: run modprobe nf_tpkt$' -- \
	monitor -o journal

# --wait: systemd hears READY=1 and what it waits for
python3 - "$tmp/notify" >"$tmp/notified" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
print(s.recv(4096).decode(), flush=True)
EOF
npid=$!
for _ in $(seq 100); do [ -S "$tmp/notify" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$tmp/notify "$TPKTCTL" monitor -o journal --wait >"$tmp/mon.out" 2>"$tmp/mon.err" &
mpid=$!
wait $npid
same notify-ready "READY=1
STATUS=waiting for nf_tpkt" "$(cat "$tmp/notified")"

# asleep in poll(), not spinning: no CPU time to speak of over a second
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks $mpid)
sleep 1
t1=$(ticks $mpid)
check waits-without-spinning [ $((t1 - t0)) -le 2 ]
check waits-in-poll grep -q poll "/proc/$mpid/wchan"

netns=$(stat -L -c %i /proc/self/ns/net)
entry=$(journalctl --no-pager -o json _PID=$mpid NF_TPKT_NOTICE=waiting 2>&1)
python3 - "$entry" "$netns" <<'EOF' && ok waiting-entry || ko waiting-entry "$entry"
import json, sys
lines = [l for l in sys.argv[1].splitlines() if l.strip()]
assert len(lines) == 1, lines
e = json.loads(lines[0])
want = {
    "MESSAGE": "nf_tpkt is not loaded: waiting for it",
    "PRIORITY": "5",
    "SYSLOG_IDENTIFIER": "tpktctl",
    "MESSAGE_ID": "eb3a0effadf949a39ba4f3b306f562ab",
    "NF_TPKT_NOTICE": "waiting",
    "NF_TPKT_NETNS": sys.argv[2],
}
got = {k: v for k, v in e.items() if not k.startswith("_")}
assert got == want, (got, want)
assert e["_TRANSPORT"] == "journal", e
EOF

kill -TERM $mpid
wait $mpid
same sigterm-exit 0 $?
same waiting-stdout "" "$(cat "$tmp/mon.out")"
same waiting-stderr "" "$(cat "$tmp/mon.err")"

finish journal
