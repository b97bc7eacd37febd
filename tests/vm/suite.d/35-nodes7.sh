# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: a second, independent S7 peer.
#
# nodes7 (npm; pure JavaScript, its own ISO-on-TCP and S7 code) in cl
# against snap7's S7Server (tests/snap7/server.js) in sv, through gw: one
# connection writes and reads back DB regions of every size up to the
# negotiated PDU and larger ones nodes7 splits, then re-reads the whole span
# (tests/snap7/nodes7_client.js).  The data must be right and the gateway
# must have parsed all of it without a word to say: no anomaly, no edit, no
# drop, every byte each way framed (the flow's stream bytes equal what the
# client's socket sent and received), and the TPDU size nodes7 proposes in
# its CR as the flow's max_tpdu, with the negotiated PDU inside it.
#
# The S7 PDU size is S7's, one layer above what nf_tpkt parses: flows show
# the TPDU size; the PDU is in the client's RESULT line and must fit the
# TPDU (PDU + 3 octets of COTP DT header).  A nodes7 that negotiates a PDU
# the TPDU cannot carry (--pdu 1400 against a TPDU of 1024) sends oversized
# TPDUs, which shows that the silence of the first session of each test is
# not the gateway, or the checks here, looking away: normalize counts them
# and passes the data, and the checks that passed the first session must
# reject that one; enforce with every check at drop blocks the direction
# and the session fails.

NODES7_DIR=${NODES7_DIR:-/opt/nf_tpkt-deps/nodes7/node_modules/nodes7}
SNAP7_DIR=${SNAP7_DIR:-/opt/nf_tpkt-deps/snap7/node_modules/node-snap7}

# nodes7_session NAME CLIENT-ARGS...: server.js in sv, nodes7_client.js in
# cl, then the gateway's flows and stats (a closed flow stays 10 s after
# both FINs, the client ends after both) in $OUT/NAME-{flows,stats}.json;
# the client's output in $OUT/NAME.out, its exit code in N7_RC
nodes7_session() {
	local name=$1 pid
	shift
	"$TPKTCTL" -n gw flows flush
	"$TPKTCTL" -n gw stats reset >/dev/null
	ip netns exec sv env SNAP7_DIR="$SNAP7_DIR" node "$ROOT/tests/snap7/server.js" 102 \
		>"$OUT/$name-server.out" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		grep -q '^READY' "$OUT/$name-server.out" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	N7_RC=0
	ip netns exec cl env NODES7_DIR="$NODES7_DIR" timeout 100 \
		node "$ROOT/tests/snap7/nodes7_client.js" "$SV4" --timeout 90 "$@" \
		>"$OUT/$name.out" 2>&1 || N7_RC=$?
	"$TPKTCTL" -n gw -j flows >"$OUT/$name-flows.json"
	"$TPKTCTL" -n gw -j stats >"$OUT/$name-stats.json"
	kill $pid
	wait $pid
	log "$(grep '^RESULT' "$OUT/$name.out" | cut -d' ' -f2-13)"
}

# nodes7_clean NAME: the session succeeded and the gateway saw it whole and
# found nothing; prints what is wrong, if anything
nodes7_clean() {
	local name=$1 out=$OUT/$1.out
	if [ "$N7_RC" -ne 0 ] || [ "$(result "$out" status)" != ok ]; then
		log "client rc $N7_RC: $(tail -n 3 "$out" | tr '\n' ' ')"
		return 1
	fi
	jq -n -r --slurpfile f "$OUT/$name-flows.json" --slurpfile s "$OUT/$name-stats.json" \
		--arg dst "$SV4:102" --argjson pdu "$(result "$out" pdu)" \
		--argjson tpdu "$(result "$out" cr_tpdu)" \
		--argjson tx "$(result "$out" tx)" --argjson rx "$(result "$out" rx)" '
	def want(what; ok): if ok then empty else "wrong: \(what)" end;
	$f[0] as $fl | $s[0] as $st | $fl[0] as $x |
	[want("one flow, to \($dst): \($fl | map(.dst))"; ($fl | length) == 1 and $x.dst == $dst),
	 want("class 0: \($x.cotp_class)"; $x.cotp_class == 0),
	 want("max_tpdu \($x.max_tpdu), the CR proposed \($tpdu)"; $x.max_tpdu == $tpdu),
	 want("PDU \($pdu) + 3 within max_tpdu \($x.max_tpdu)"; $pdu + 3 <= $x.max_tpdu),
	 want("directions \($x.directions)";
	      all($x.directions[]; .anomalies == 0 and .edits == 0 and
		  (.state == "tracking" or .state == "closed"))),
	 want("stream bytes \([$x.directions[].stream_bytes]), the client sent \($tx), received \($rx)";
	      $x.directions[0].stream_bytes == $tx and $x.directions[1].stream_bytes == $rx),
	 want("anomalies \($st.anomalies)"; ([$st.anomalies[]] | add) == 0),
	 want("counters \($st.counters)";
	      $st.counters.edits == 0 and $st.counters.drops == 0 and
	      $st.counters.desyncs == 0 and $st.counters.ooo_drops == 0 and
	      $st.counters.untracked == 0 and $st.counters.flows_created == 1),
	 want("TPDUs \($st.tpdus)";
	      $st.tpdus.CR == 1 and $st.tpdus.CC == 1 and $st.tpdus.DT >= 6 and
	      $st.counters.tpkts == ([$st.tpdus[]] | add))]
	| if length == 0 then "    gateway: max_tpdu \($x.max_tpdu), \($st.tpdus.DT) DT TPDUs, " +
		"\($x.directions[0].stream_bytes)/\($x.directions[1].stream_bytes) bytes, nothing found"
	  else (.[] | "    " + .), ("" | halt_error(1)) end'
}

# the operator's normalize: the default checks and actions
# (conformant_policy_reset and CONFORMANT_CHECKS: suite.d/22-conformant.sh)
t_nodes7_normalize() {
	local ok=0 why
	conformant_policy_reset && gw_set mode normalize || return 1
	nodes7_session nodes7-normalize || ok=1
	nodes7_clean nodes7-normalize || ok=1

	# cotp-oversize is counted, the data passes: a good session with an
	# anomaly, which nodes7_clean must not let through
	nodes7_session nodes7-oversize-n --pdu 1400 --sizes 1,1000
	if why=$(nodes7_clean nodes7-oversize-n); then
		log "PDU 1400 in TPDUs of 1024 passed as clean"
		ok=1
	elif [ "$N7_RC" -ne 0 ] || ! grep -q '"cotp-oversize":[1-9]' <<<"$why"; then
		log "PDU 1400 in TPDUs of 1024: rc $N7_RC, not for cotp-oversize: $why"
		ok=1
	else
		log "rejected, $(grep -c 'wrong:' <<<"$why") findings:" \
			"$(grep -o '"cotp-oversize":[0-9]*' <<<"$why" | head -n1)"
	fi
	return $ok
}

# enforce with every check at drop, so that any anomaly would cut the
# session; then the same with a PDU the TPDU cannot carry, which must be cut
t_nodes7_enforce() {
	local c words=() ok=0
	for c in "${CONFORMANT_CHECKS[@]}"; do words+=(check "$c" drop); done
	gw_set mode enforce "${words[@]}" || return 1
	nodes7_session nodes7-enforce || ok=1
	nodes7_clean nodes7-enforce || ok=1

	nodes7_session nodes7-oversize --pdu 1400 --sizes 1,1000 --job-timeout 3
	if [ "$N7_RC" -ne 1 ] || [ "$(result "$OUT/nodes7-oversize.out" status)" != fail ]; then
		log "PDU 1400 in TPDUs of 1024 was not cut off: rc $N7_RC"
		ok=1
	fi
	jq -e '.anomalies["cotp-oversize"] >= 1 and .counters.drops >= 1' \
		"$OUT/nodes7-oversize-stats.json" >/dev/null ||
		{ log "oversize: $(jq -c '[.anomalies, .counters.drops]' "$OUT/nodes7-oversize-stats.json")"; ok=1; }
	jq -e '.[0].directions[0].state == "blocked"' "$OUT/nodes7-oversize-flows.json" >/dev/null ||
		{ log "oversize flow: $(jq -c '.[0].directions' "$OUT/nodes7-oversize-flows.json")"; ok=1; }
	log "cut off: $(jq -r '"cotp-oversize \(.anomalies["cotp-oversize"]), drops \(.counters.drops)"' \
		"$OUT/nodes7-oversize-stats.json"), client to server" \
		"$(jq -r '.[0].directions[0].state' "$OUT/nodes7-oversize-flows.json")"
	# the cut-off connection's sockets outlive nodes7 and retransmit into
	# the block for minutes, counted as drops: the next test must start
	# with no traffic
	ip netns exec cl ss -K -t dport = :102 >/dev/null 2>&1
	ip netns exec sv ss -K -t sport = :102 >/dev/null 2>&1
	"$TPKTCTL" -n gw flows flush
	conformant_policy_reset
	return $ok
}

ALL_TESTS+=(nodes7_normalize nodes7_enforce)
