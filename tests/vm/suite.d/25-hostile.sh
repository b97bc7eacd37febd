# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: hostile byte streams through the real module.
#
# The fuzzer's corpus (inputs that never crashed the engine) as TCP
# streams, echoed back, in monitor mode (nothing may change) and in
# enforce mode (anything may be dropped, nothing may crash); then random
# bytes both ways at full speed on port 102 in normalize mode.

HOSTILE=$ROOT/tests/vm/hostile.py
GARBAGE_SECONDS=${GARBAGE_SECONDS:-10}

hostile_server() {
	ip netns exec sv python3 "$HOSTILE" serve 102 >"$OUT/hostile-server.out" 2>&1 &
	HOSTILE_PID=$!
	for _ in $(seq 50); do
		ip netns exec sv ss -Hltn 'sport = :102' | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

hostile_stop() {
	kill $HOSTILE_PID 2>/dev/null
	wait $HOSTILE_PID 2>/dev/null
}

# hostile_corpus MODE exact|length
hostile_corpus() {
	gw_set mode "$1" pickup strict || return 1
	"$TPKTCTL" -n gw stats reset >/dev/null
	ip netns exec cl timeout 120 python3 "$HOSTILE" corpus $SV4 102 \
		"$ROOT/tests/fuzz/corpus" "$2" >"$OUT/hostile.out" 2>&1
	local rc=$?
	log "$1: $(cat "$OUT/hostile.out")"
	log "$1: tpkts $(stat gw tpkts), desyncs $(stat gw desyncs), edits $(stat gw edits)," \
	    "drops $(stat gw drops)"
	return $rc
}

t_hostile_corpus() {
	local ok=0
	hostile_server || { log "server did not start"; return 1; }
	hostile_corpus monitor exact || ok=1
	[ "$(stat gw edits)" = 0 ] && [ "$(stat gw drops)" = 0 ] ||
		{ log "monitor mode changed a stream"; ok=1; }
	[ "$(stat gw tpkts)" -gt 0 ] || { log "nothing parsed"; ok=1; }
	# enforce drops whole streams by design: only that the module and the
	# gateway survive it counts
	gw_set mode enforce pickup strict || ok=1
	"$TPKTCTL" -n gw stats reset >/dev/null
	ip netns exec cl timeout 300 python3 "$HOSTILE" corpus $SV4 102 \
		"$ROOT/tests/fuzz/corpus" length 128 >"$OUT/hostile.out" 2>&1
	log "enforce: $(cat "$OUT/hostile.out")"
	log "enforce: tpkts $(stat gw tpkts), desyncs $(stat gw desyncs), drops $(stat gw drops)"
	hostile_stop
	gw_set mode normalize || ok=1
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] || { log "no clean exchange after the corpus"; show_peers; ok=1; }
	return $ok
}

t_hostile_garbage() {
	local ok=0 n=2
	gw_set mode normalize pickup strict || return 1
	"$TPKTCTL" -n gw flows flush >/dev/null
	"$TPKTCTL" -n gw stats reset >/dev/null
	hostile_server || { log "server did not start"; return 1; }
	ip netns exec cl timeout $((GARBAGE_SECONDS + 60)) python3 "$HOSTILE" garbage \
		$SV4 102 "$GARBAGE_SECONDS" $n >"$OUT/hostile.out" 2>&1 || ok=1
	hostile_stop
	log "$(cat "$OUT/hostile.out")"
	log "packets $(stat gw packets), bytes $(stat gw bytes), tpkts $(stat gw tpkts)," \
	    "desyncs $(stat gw desyncs), edits $(stat gw edits), drops $(stat gw drops)"
	# each direction of each connection loses framing at its first byte
	# (none of the seeds starts with 0x03) and nothing is edited after
	[ "$(stat gw desyncs)" -eq $((2 * n)) ] || { log "desyncs"; ok=1; }
	[ "$(stat gw edits)" = 0 ] || { log "edits in desynchronised streams"; ok=1; }
	[ "$(stat gw bytes)" -gt $((1 << 20)) ] || { log "too little traffic"; ok=1; }
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] || { log "no clean exchange after the garbage"; show_peers; ok=1; }
	return $ok
}

ALL_TESTS+=(hostile_corpus hostile_garbage)
