# SPDX-License-Identifier: GPL-2.0
# Events in the journal: nf_tpkt-monitor.service's command against a real
# systemd-journald, across a module reload.  Sourced by suite.sh (lib.sh
# is loaded).
#
# The guest has no systemd as PID 1, so the test starts journald itself
# and runs the unit's ExecStart by hand, in gw (the unit runs in the host's
# namespace; here the gateway's traffic lives in gw), with the unit's
# credentials as far as setpriv gives them: user nobody for DynamicUser,
# CAP_NET_ADMIN alone in the bounding, inheritable and ambient sets, no
# new privileges.  What stays untested is the unit under a real systemd:
# Type=notify's READY (tests/userspace/check_journal.sh checks what is
# sent), DynamicUser's own user, the sandboxing (ProtectSystem=,
# RestrictAddressFamilies=, SystemCallFilter=...; systemd-analyze
# verifies them on the host, check_install.sh), Restart=, and the
# _SYSTEMD_UNIT field "journalctl -u nf_tpkt-monitor" matches on.

JOURNAL_UNIT=$ROOT/packaging/nf_tpkt-monitor.service.in
JOURNAL_DIR=
JOURNALD_PID=

# journal_start: a journald of our own.  Its sockets and its runtime
# journal go to the guest's /run (a tmpfs); /var/log/journal, the host's
# seen read-only, is hidden from it by a tmpfs in a mount namespace of its
# own, so it keeps to /run/log/journal, which journalctl -D reads alone.
journal_start() {
	local _
	[ -x /lib/systemd/systemd-journald ] || { log "no systemd-journald"; return 1; }
	mkdir -p /run/systemd/journal || return 1
	unshare -m --propagation private sh -c \
		'[ -d /var/log/journal ] && mount -t tmpfs none /var/log/journal
		 exec /lib/systemd/systemd-journald' >"$OUT/journald.out" 2>&1 &
	JOURNALD_PID=$!
	JOURNAL_DIR=/run/log/journal/$(cat /etc/machine-id)
	for _ in $(seq 100); do
		[ -S /run/systemd/journal/socket ] && [ -d "$JOURNAL_DIR" ] && return 0
		sleep 0.1
	done
	log "journald did not start: $(tail -3 "$OUT/journald.out")"
	return 1
}

journal_stop() {
	[ -n "$JOURNALD_PID" ] && { kill "$JOURNALD_PID"; wait "$JOURNALD_PID"; } 2>/dev/null
	JOURNALD_PID=
	rm -rf /run/systemd/journal /run/log/journal
}

# jq_entries MATCHES...: the matching entries as one JSON array
jq_entries() { journalctl -D "$JOURNAL_DIR" --no-pager -o json "$@" | jq -s -c .; }

# journal_wait N MATCHES...: until N entries match (10 s at most)
journal_wait() {
	local n=$1 _
	shift
	for _ in $(seq 50); do
		[ "$(jq_entries "$@" | jq length)" -ge "$n" ] && return 0
		sleep 0.2
	done
	log "journal: fewer than $n entries for $*"
	return 1
}

# lines_wait N PATTERN FILE: until FILE has N lines with PATTERN (10 s)
lines_wait() {
	local _
	for _ in $(seq 100); do
		[ "$(grep -c "$2" "$3")" -ge "$1" ] && return 0
		sleep 0.1
	done
	log "$3: fewer than $1 lines with \"$2\": $(tail -3 "$3")"
	return 1
}

# kb_entry_ok JSON NETNS: one field report's entry, field by field
kb_entry_ok() {
	jq -e --arg netns "$2" '
		(.MESSAGE | test("^10\\.12\\.0\\.2:102 > 10\\.11\\.0\\.2:[0-9]+ tpkt-reserved fix CC offset 1 tpkt-offset 0 value 0x11 orig 0311002c27d0 hook forward dev g1 netns " + $netns + "$")) and
		.PRIORITY == "5" and .SYSLOG_IDENTIFIER == "tpktctl" and
		.MESSAGE_ID == "759ba82ec80e48bbbad767f6ddcfd365" and
		.NF_TPKT_CHECK == "tpkt-reserved" and .NF_TPKT_ACTION == "fix" and
		.NF_TPKT_TPDU == "CC" and .NF_TPKT_OFFSET == "1" and
		.NF_TPKT_TPKT_OFFSET == "0" and .NF_TPKT_VALUE == "17" and
		.NF_TPKT_ORIG == "0311002c27d0" and
		.NF_TPKT_SRC == "10.12.0.2:102" and
		.NF_TPKT_SRC_ADDR == "10.12.0.2" and .NF_TPKT_SRC_PORT == "102" and
		.NF_TPKT_DST == "10.11.0.2:" + .NF_TPKT_DST_PORT and
		.NF_TPKT_DST_ADDR == "10.11.0.2" and
		(.NF_TPKT_DST_PORT | test("^[0-9]+$")) and
		.NF_TPKT_HOOK == "forward" and .NF_TPKT_DEV == "g1" and
		.NF_TPKT_NETNS == $netns and
		(.NF_TPKT_TIME | test("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\\.[0-9]{6}Z$")) and
		._TRANSPORT == "journal" and ._UID == "65534"' <<<"$1" >/dev/null ||
		{ log "entry: $1"; return 1; }
}

t_journal() {
	local ok=0 netns cmd mon=$OUT/journal-monitor.err pid rc e n sup _
	netns=$(command stat -L -c %i /run/netns/gw)
	# the unit's command line, with this tree's tpktctl
	cmd=$(sed -n 's|^ExecStart=@SBINDIR@/tpktctl ||p' "$JOURNAL_UNIT")
	[ "$cmd" = "monitor -o journal --wait" ] || { log "ExecStart: $cmd"; return 1; }
	journal_start || { journal_stop; return 1; }
	gw_set mode normalize check tpkt-reserved fix event-rate 100 || { journal_stop; return 1; }
	# shellcheck disable=SC2086
	ip netns exec gw setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
		--bounding-set=-all,+net_admin --no-new-privs \
		"$TPKTCTL" $cmd >"$OUT/journal-monitor.out" 2>"$mon" &
	pid=$!
	lines_wait 1 monitoring "$mon" || ok=1

	# the field report through the gateway: fixed, and journaled
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; ok=1; }
	journal_wait 1 NF_TPKT_CHECK=tpkt-reserved || ok=1
	e=$(jq_entries NF_TPKT_CHECK=tpkt-reserved)
	[ "$(jq length <<<"$e")" = 1 ] || { log "entries: $e"; ok=1; }
	kb_entry_ok "$(jq -c '.[0]' <<<"$e")" "$netns" || ok=1
	log "journalctl NF_TPKT_CHECK=tpkt-reserved -o json: $(jq -c '.[0] | with_entries(select(.key | startswith("_") | not)) | del(.__CURSOR, .__REALTIME_TIMESTAMP, .__MONOTONIC_TIMESTAMP)' <<<"$e")"

	# the module goes: journaled; it comes back: subscribed again
	unload_module || { log "rmmod failed"; ok=1; }
	journal_wait 1 NF_TPKT_NOTICE=unloaded || ok=1
	[ "$(jq -r '.[0].PRIORITY' <<<"$(jq_entries NF_TPKT_NOTICE=unloaded)")" = 4 ] ||
		{ log "unloaded: $(jq_entries NF_TPKT_NOTICE=unloaded)"; ok=1; }
	kill -0 $pid 2>/dev/null || { log "the monitor ended with the module"; ok=1; }
	load_module || { log "reload failed"; ok=1; }
	gw_set mode normalize check tpkt-reserved fix event-rate 1 || ok=1
	lines_wait 2 monitoring "$mon" || ok=1
	journal_wait 1 NF_TPKT_NOTICE=loaded || ok=1

	# a second field report, after the reload, arrives too
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; ok=1; }
	journal_wait 2 NF_TPKT_CHECK=tpkt-reserved || ok=1
	e=$(jq_entries NF_TPKT_CHECK=tpkt-reserved)
	kb_entry_ok "$(jq -c '.[1]' <<<"$e")" "$netns" || ok=1

	# event-rate 1, a reserved byte in each of 40 TPKTs: the kernel
	# suppresses most, and the monitor says how many, from the counter
	exchange --send-bytes 2400 --pdu-size 60 --timeout 20 -- --connect "$SV4:102" \
		--reserved all=0x11 --send-bytes 2400 --pdu-size 60 --timeout 20
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; ok=1; }
	# the traffic is over, so is the counter; the monitor's last look at
	# it comes up to two seconds after the last event it was sent
	sup=$(stat gw events_suppressed)
	for _ in $(seq 40); do
		n=$(jq_entries NF_TPKT_NOTICE=suppressed | jq '[.[].NF_TPKT_COUNT | tonumber] | add // 0')
		[ "$n" = "$sup" ] && break
		sleep 0.2
	done
	log "suppressed: $n noticed, events_suppressed $sup"
	[ "$sup" -ge 30 ] && [ "$n" = "$sup" ] || ok=1
	jq -e 'all(.[]; .PRIORITY == "5" and .NF_TPKT_NETNS == $netns and
		(.MESSAGE | test("^[0-9]+ events? suppressed")))' --arg netns "$netns" \
		<<<"$(jq_entries NF_TPKT_NOTICE=suppressed)" >/dev/null ||
		{ log "suppressed: $(jq_entries NF_TPKT_NOTICE=suppressed)"; ok=1; }

	kill -TERM $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] || { log "monitor exit $rc: $(cat "$mon")"; ok=1; }
	[ ! -s "$OUT/journal-monitor.out" ] || { log "stdout: $(head -3 "$OUT/journal-monitor.out")"; ok=1; }
	# stderr: the two lines a waiting script looks for, nothing else
	[ "$(grep -vc '^tpktctl: monitoring nf_tpkt events$' "$mon")" = 0 ] ||
		{ log "stderr: $(cat "$mon")"; ok=1; }
	journal_stop
	gw_set event-rate 100
	return $ok
}

ALL_TESTS+=(journal)
