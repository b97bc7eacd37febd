# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: a flow table under a SYN flood.
#
# SYNs from 200 000 distinct (address, port) pairs in cl go through gw, with
# nf_tpkt capped at 10 000 flows, to an address on sv's link that nobody
# owns (a permanent neighbour entry in gw), so nothing answers and no flow
# closes by itself.

FLOOD_SYNS=200000
FLOOD_CAP=10000

# flood_start SPORT: the whole flood in the background; FLOOD_PID
flood_start() {
	synflood $FLOOD_SYNS "$1" &
	FLOOD_PID=$!
}

# counters of the gateway, as shell variables C_<name>
flood_counters() {
	eval "$("$TPKTCTL" -n gw -j stats |
		jq -r '(.counters | to_entries[] | "C_\(.key)=\(.value)"), "C_flows_active=\(.flows_active)"')"
}

# nf_tpkt_flow slab cache: "objects-in-use total-objects object-size"
flood_slab() {
	local used

	used=$(slab_stat nf_tpkt_flow objects) || return 0
	echo "$used $(slab_stat nf_tpkt_flow total_objects)" \
	     "$(slab_stat nf_tpkt_flow object_size)"
}

t_flood_cap() {
	local ok=0 m0 m1 max=0 n s0 s1 s2
	sink_prepare
	gw_set mode normalize pickup strict max-flows $FLOOD_CAP full fail-open timeout 600 ||
		return 1
	"$TPKTCTL" -n gw flows flush >/dev/null
	"$TPKTCTL" -n gw stats reset >/dev/null
	sleep 1
	m0=$(kernel_mem_used)
	s0=$(flood_slab)
	flood_start 2000
	# the table never holds more than the cap, sampled while it fills
	while kill -0 $FLOOD_PID 2>/dev/null; do
		n=$(stat gw flows_active)
		[ "$n" -gt $max ] && max=$n
		sleep 0.2
	done
	wait $FLOOD_PID || { log "flood: $(cat "$OUT/flood.out")"; return 1; }
	log "$(cat "$OUT/flood.out")"
	sleep 0.5
	m1=$(kernel_mem_used)
	s1=$(flood_slab)
	flood_counters
	log "flows active $C_flows_active (max seen $max), created $C_flows_created," \
	    "refused $C_flows_refused, untracked $C_untracked, SYNs at the hook $C_packets"
	[ "$max" -le $FLOOD_CAP ] && [ "$C_flows_active" -eq $FLOOD_CAP ] ||
		{ log "cap $FLOOD_CAP exceeded"; ok=1; }
	[ "$C_flows_created" -eq $FLOOD_CAP ] || { log "created $C_flows_created"; ok=1; }
	# every SYN that reached the hook was either tracked or refused
	[ $((C_flows_created + C_flows_refused)) -eq "$C_packets" ] ||
		{ log "created + refused != packets"; ok=1; }
	[ "$C_flows_refused" -eq "$C_untracked" ] || { log "fail-open: refused not passed"; ok=1; }
	# most of the flood got there (the rest was lost on the way, not here)
	[ "$C_packets" -ge $((FLOOD_SYNS * 9 / 10)) ] || { log "only $C_packets SYNs arrived"; ok=1; }
	"$TPKTCTL" -n gw flows flush >/dev/null
	sleep 1
	s2=$(flood_slab)
	[ "$(stat gw flows_active)" -eq 0 ] || { log "flush left flows"; ok=1; }
	# The flow cache, objects in use / allocated / size: bounded by the cap
	# while full.  Freed objects stay in the cache's slabs for reuse; the
	# unload at the end of the suite fails loudly if any is still in use.
	log "flow slab (in use, allocated, size): before ${s0:-none}, full ${s1:-none}," \
	    "after flush ${s2:-none}"
	log "kernel memory in use: $((m0 >> 10)) KiB before, +$(((m1 - m0) >> 10)) KiB full" \
	    "(the flood's own skbs and slabs included)"
	set -- $s1
	[ -n "${1:-}" ] && [ "$2" -le $((FLOOD_CAP + FLOOD_CAP / 10 + 256)) ] ||
		{ log "flow slab not bounded by the cap"; ok=1; }
	return $ok
}

# flood_session FULL: a real RFC 1006 session started while a flood keeps
# the table full
flood_session() {
	local full=$1
	sink_prepare
	gw_set mode normalize pickup strict max-flows $FLOOD_CAP full "$full" timeout 600 ||
		return 1
	"$TPKTCTL" -n gw flows flush >/dev/null
	"$TPKTCTL" -n gw stats reset >/dev/null
	flood_start 3000
	for _ in $(seq 50); do
		[ "$(stat gw flows_active)" -ge $FLOOD_CAP ] && break
		sleep 0.1
	done
	exchange --send-bytes 5000 --timeout 5 -- --connect "$SV4:102" --send-bytes 5000 \
		--pdu-size 200 --timeout 5
	wait $FLOOD_PID
	flood_counters
	log "$full: client rc $CLIENT_RC, server rc $SERVER_RC, flows $C_flows_active," \
	    "refused $C_flows_refused, drops $C_drops, untracked $C_untracked"
	[ "$C_flows_active" -le $FLOOD_CAP ] || { log "cap exceeded"; return 1; }
}

t_flood_fail_open() {
	flood_session fail-open || return 1
	# the session went through, untracked
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; return 1; }
	[ "$C_drops" -eq 0 ] && [ "$C_untracked" -gt "$C_flows_refused" ] ||
		{ log "the session's segments were not passed untracked"; return 1; }
	"$TPKTCTL" -n gw flows flush >/dev/null
}

t_flood_fail_closed() {
	flood_session fail-closed
	local rc=$?
	"$TPKTCTL" -n gw flows flush >/dev/null
	[ $rc -eq 0 ] || return 1
	# no flow for the session: its SYN was dropped and it never connected
	[ $CLIENT_RC -ne 0 ] && grep -q 'status=timeout' "$OUT/client.out" ||
		{ show_peers; return 1; }
	[ "$C_drops" -eq "$C_flows_refused" ] && [ "$C_untracked" -eq 0 ] ||
		{ log "refused SYNs were not dropped"; return 1; }
	kill $SERVER_PID 2>/dev/null
	wait $SERVER_PID 2>/dev/null
	return 0
}

ALL_TESTS+=(flood_cap flood_fail_open flood_fail_closed)
