# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: conformant traffic raises no alarm.
#
# A class 0 session that negotiates 8192-byte TPDUs (code 0x0d, as IEC 61850
# MMS stacks do), data both ways, through enforce and normalize with every
# check at drop; then the same with netem reordering (no loss) on the
# gateway's links, where ooo hold must keep every segment: no anomaly, no
# drop of either kind, the data intact (in monitor too, which holds only a
# copy).  The same reordering with ooo drop
# shows that the reordering really happens and that its drops are counted
# apart from those of malformed traffic.

CONFORMANT_CHECKS=(tpkt-reserved tpkt-version tpkt-length cotp-li cotp-code
		   cotp-class-tpdu cotp-class-option cotp-param cotp-oversize
		   desync)

# netem_gw add|del: reordering (two segments in five 4 ms late), no loss,
# on the links into the gateway: the client's and the server's sending side
# (on the gateway's own egress it would come after the hook).  At 20 Mbit/s
# what waits ahead of a 4 ms gap (about 10 KB) stays far below the hold
# budget (hold_flow_bytes, 256 KiB of truesize); at the full speed of a
# veth pair a burst outgrew it now and then, and hold fell back to its
# documented overflow (a desync in monitor, an ooo drop in the others).
netem_gw() {
	local dev
	for dev in "cl c0" "sv s0"; do
		set -- "$1" $dev
		if [ "$1" = add ]; then
			ip netns exec "$2" tc qdisc add dev "$3" root netem \
				delay 4ms reorder 60% 50% rate 20mbit || return 1
		else
			ip netns exec "$2" tc qdisc del dev "$3" root 2>/dev/null
		fi
	done
	return 0
}

# the default actions and ooo policy again, for the tests that follow
conformant_policy_reset() {
	gw_set ooo hold check tpkt-reserved fix check tpkt-version drop \
		check tpkt-length drop check cotp-li drop check cotp-code drop \
		check cotp-class-tpdu count check cotp-class-option count \
		check cotp-param count check cotp-oversize count check desync count
}

# conformant_run MODE OOO: the 8192-byte session with the policy's every
# check at drop; leaves the counters in $OUT/conf-stats.json and the flow
# table (the flow lingers after FIN) in $OUT/conf-flows.json.
conformant_run() {
	local mode=$1 ooo=$2 words=() c
	for c in "${CONFORMANT_CHECKS[@]}"; do words+=(check "$c" drop); done
	gw_set mode "$mode" ooo "$ooo" "${words[@]}" || return 1
	"$TPKTCTL" -n gw stats reset >/dev/null
	"$TPKTCTL" -n gw flows flush >/dev/null
	exchange --tpdu-size 8192 --send-bytes 300000 --echo --timeout 90 -- \
		--connect "$SV4:102" --tpdu-size 8192 --send-bytes 300000 --echo \
		--timeout 90
	"$TPKTCTL" -n gw -j stats >"$OUT/conf-stats.json"
	"$TPKTCTL" -n gw -j flows >"$OUT/conf-flows.json"
	conformant_policy_reset
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; return 1; }
	[ "$(result "$OUT/server.out" digest)" = "$(result "$OUT/client.out" tx_digest)" ] ||
		{ log "digests differ"; return 1; }
	[ "$(result "$OUT/client.out" tpdu_size)" = 8192 ] ||
		{ log "client negotiated $(result "$OUT/client.out" tpdu_size)"; return 1; }
}

# conformant_check REORDERED: what the counters and the flow table say.
conformant_check() {
	python3 - "$OUT/conf-stats.json" "$OUT/conf-flows.json" "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
flows = json.load(open(sys.argv[2]))
c = s["counters"]
print("    tpkts %d DT %d anomalies %d drops %d ooo %d ooo_held %d ooo_drops %d"
      % (c["tpkts"], s["tpdus"]["DT"], sum(s["anomalies"].values()),
         c["drops"], c["ooo"], c["ooo_held"], c["ooo_drops"]))
assert sum(s["anomalies"].values()) == 0, s["anomalies"]
assert c["drops"] == 0 and c["ooo_drops"] == 0 and c["edits"] == 0, c
assert s["tpdus"]["CR"] == 1 and s["tpdus"]["CC"] == 1, s["tpdus"]
# 300000 bytes each way in 8189-byte user data units
assert s["tpdus"]["DT"] >= 2 * 37, s["tpdus"]
if sys.argv[3] == "yes":
    assert c["ooo"] > 0 and c["ooo_held"] > 0, c
assert len(flows) == 1, flows
assert flows[0]["cotp_class"] == 0 and flows[0]["max_tpdu"] == 8192, flows
EOF
}

t_tpdu_8192_enforce() {
	conformant_run enforce hold && conformant_check no
}

t_tpdu_8192_normalize() {
	conformant_run normalize hold && conformant_check no
}

# reordering_run MODE OOO: the session across a reordering gateway, with
# offloads off (with them on, a few 64 KiB packets are rarely reordered).
reordering_run() {
	local ok=0
	offloads off
	netem_gw add || ok=1
	[ $ok = 0 ] && { conformant_run "$1" "$2" || ok=1; }
	netem_gw del
	offloads on
	return $ok
}

t_reorder_hold_enforce() {
	reordering_run enforce hold && conformant_check yes
}

t_reorder_hold_normalize() {
	reordering_run normalize hold && conformant_check yes
}

# Monitor mode neither drops nor delays: with ooo hold it parses a copy of
# each early segment once its gap is filled, so reordering raises no desync.
t_reorder_hold_monitor() {
	reordering_run monitor hold && conformant_check yes
}

# ... which it did with ooo pass (the only choice monitor had before): the
# first early segment that may hide a header desynchronises its direction.
t_reorder_pass_monitor_desyncs() {
	local ok=0
	reordering_run monitor pass || ok=1
	python3 - "$OUT/conf-stats.json" <<'EOF' || ok=1
import json, sys
s = json.load(open(sys.argv[1]))
c = s["counters"]
print("    monitor, ooo pass: ooo %d desyncs %d" % (c["ooo"], c["desyncs"]))
assert c["desyncs"] > 0 and s["anomalies"]["desync"] > 0 and c["ooo_held"] == 0, c
EOF
	return $ok
}

# The same path with ooo drop: the reordering is real (segments dropped
# ahead of a gap, which TCP repairs), and counted in ooo_drops, not drops.
t_reorder_drop_counted_apart() {
	local ok=0
	reordering_run enforce drop || ok=1
	python3 - "$OUT/conf-stats.json" <<'EOF' || ok=1
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print("    ooo drop: ooo %d ooo_drops %d drops %d" % (c["ooo"], c["ooo_drops"], c["drops"]))
assert c["ooo_drops"] > 0 and c["drops"] == 0 and c["ooo_held"] == 0, c
EOF
	return $ok
}

# Held segments when their world goes away: flows flushed, the outgoing
# device deleted, then the whole gateway namespace, all under a reordered
# bulk transfer.  The references they hold must not keep a device or a
# namespace from going (the kernel would log "waiting for ... to become
# free"), and nothing may leak or warn.
t_hold_teardown() {
	local ok=0 held cpid spid
	topo_up h || return 1
	"$TPKTCTL" -n gwh set mode normalize ooo hold || ok=1
	ip netns exec clh ethtool -K c0 tso off gso off >/dev/null 2>&1
	ip netns exec clh tc qdisc add dev c0 root netem delay 20ms reorder 50% 50%
	ip netns exec svh timeout 60 "$PEER" --listen 102 --no-data-check \
		--timeout 30 >"$OUT/hold-server.out" 2>&1 &
	spid=$!
	sleep 1
	ip netns exec clh timeout 60 "$PEER" --connect "$SV4:102" --bulk 8 \
		--no-data-check --timeout 30 >"$OUT/hold-client.out" 2>&1 &
	cpid=$!
	sleep 2
	"$TPKTCTL" -n gwh flows flush >/dev/null || ok=1
	sleep 1
	held=$(stat gwh ooo_held)
	log "held $held, ooo_drops $(stat gwh ooo_drops) before the device goes"
	[ "$held" -gt 0 ] || ok=1
	ip netns exec gwh ip link del g1 || ok=1
	sleep 0.5
	ip netns del gwh
	kill $cpid $spid 2>/dev/null
	wait $cpid $spid 2>/dev/null
	topo_down h
	# namespaces are dismantled by a worker: the final kernel log check
	# sees it if a device waits for its references
	ns_deleted
	return $ok
}

ALL_TESTS+=(tpdu_8192_enforce tpdu_8192_normalize reorder_hold_enforce
	    reorder_hold_normalize reorder_hold_monitor reorder_pass_monitor_desyncs
	    reorder_drop_counted_apart hold_teardown)
