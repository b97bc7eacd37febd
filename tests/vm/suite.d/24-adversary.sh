# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: evasion techniques against a real Linux receiver.
#
# Each technique runs three times: without the module, where it must get a
# reserved byte other than 0 to the receiving application (or the test
# itself proves nothing); in normalize, where every TPKT the application
# reads must have reserved 0; in enforce, where none with reserved other
# than 0 may reach it.  The receiver is tests/vm/adversary.py's, an
# ordinary socket; what its application read is what is judged.

ADVERSARY=$ROOT/tests/vm/adversary.py

# adversary_run TECHNIQUE MODE: one connection; the receiver's view in
# $OUT/adv-TECHNIQUE-MODE.json, its reserved_nonzero on stdout.
adversary_run() {
	local t=$1 mode=$2 out=$OUT/adv-$1-$2.json pid
	gw_set mode "$mode" || return 1
	rm -f "$out"
	# shellcheck disable=SC2046  # no word or one
	ip netns exec sv timeout 30 python3 "$ADVERSARY" serve 102 "$out" \
		$([ "$t" = syn_halfclosed ] && echo halfclose) \
		>"$OUT/adv-server.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q LISTENING "$OUT/adv-server.out" && break; sleep 0.1; done
	ip netns exec cl timeout 30 python3 "$ADVERSARY" "$t" "$SV4" 102 ||
		log "$t: sender exit $?" >&2
	wait $pid
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["reserved_nonzero"])' \
		"$out" 2>/dev/null || echo missing
}

# adversary_technique TECHNIQUE COUNTER: the three runs; COUNTER is the
# module counter that must show the technique in normalize and enforce.
adversary_technique() {
	local t=$1 ctr=$2 ok=0 base norm enf
	base=$(adversary_run "$t" off)
	"$TPKTCTL" -n gw stats reset >/dev/null
	norm=$(adversary_run "$t" normalize)
	local c_norm; c_norm=$(stat gw "$ctr")
	"$TPKTCTL" -n gw stats reset >/dev/null
	enf=$(adversary_run "$t" enforce)
	local c_enf; c_enf=$(stat gw "$ctr")
	log "$t: reserved != 0 read by the application: without the module $base," \
	    "normalize $norm ($ctr $c_norm), enforce $enf ($ctr $c_enf)"
	[ "$base" != missing ] && [ "$base" -gt 0 ] || { log "$t: the technique did not work without the module"; ok=1; }
	[ "$norm" = 0 ] && [ "$c_norm" -gt 0 ] || ok=1
	[ "$enf" = 0 ] && [ "$c_enf" -gt 0 ] || ok=1
	gw_set mode normalize
	return $ok
}

t_adversary_urgent() { adversary_technique urgent urgent; }
# An RST the receiver does not take must not end normalization.
t_adversary_rst_blind() { adversary_technique rst_blind rsts_ignored; }
t_adversary_rst_inwindow() { adversary_technique rst_inwindow rsts_ignored; }
# Bytes the receiver throws away must not steer the engine.
t_adversary_bad_checksum() { adversary_technique bad_checksum bad_checksums; }
# A SYN on a half-closed connection's tuple must not end its tracking: the
# fix shows in the anomaly count.
t_adversary_syn_halfclosed() { adversary_technique syn_halfclosed tpkt-reserved; }

ALL_TESTS+=(adversary_urgent adversary_rst_blind adversary_rst_inwindow
	    adversary_bad_checksum adversary_syn_halfclosed)
