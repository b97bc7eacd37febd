# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: the control plane racing the data path.
#
# Echoed traffic on several flows through a gateway of its own (gwc) on
# both vCPUs, while its policy is replaced 1 000 times (every mode, hooks
# registered and unregistered), its flows flushed and counters reset; then
# the namespace is deleted under traffic and the module unloaded.  Kernel
# memory must come back, and the suite's final kernel log check catches
# any warning, lockdep report or slab cache left with objects.

CONC_FLOWS=6
CONC_CHANGES=${CONC_CHANGES:-1000}

# conc_traffic SECONDS: CONC_FLOWS echoed bulk connections clc -> svc on
# ports 1001.. ; pids in CONC_PIDS
conc_traffic() {
	local i
	CONC_PIDS=()
	for i in $(seq $CONC_FLOWS); do
		ip netns exec svc timeout 120 "$PEER" --listen $((1000 + i)) --echo --no-data-check \
			--timeout 30 >"$OUT/conc-sv$i.out" 2>&1 &
		CONC_PIDS+=($!)
	done
	sleep 1
	for i in $(seq $CONC_FLOWS); do
		ip netns exec clc timeout 120 "$PEER" --connect "$SV4:$((1000 + i))" --echo \
			--bulk "$1" --batch 8 --reserved all=0x11 --no-data-check --timeout 30 \
			>"$OUT/conc-cl$i.out" 2>&1 &
		CONC_PIDS+=($!)
	done
}

# the control plane: policy changes through netlink from one process (a
# tpktctl per change would take longer than the traffic lasts under
# emulation), flushes and resets every 50, spread over CONC_CHURN_SECONDS
# once $OUT/churn.go exists; CHURN_PID
CONC_CHURN_SECONDS=8
conc_churn_start() {
	rm -f "$OUT/churn.go"
	ip netns exec gwc python3 "$ROOT/tests/vm/nl_churn.py" "${YNL_DIR:-/opt/nf_tpkt-deps/ynl}" \
		"$ROOT/Documentation/netlink/specs/nf_tpkt.yaml" "$CONC_CHANGES" \
		$CONC_CHURN_SECONDS "$OUT/churn.go" >"$OUT/churn.out" 2>&1 &
	CHURN_PID=$!
	for _ in $(seq 1200); do
		grep -q '^READY' "$OUT/churn.out" && return 0
		kill -0 $CHURN_PID 2>/dev/null || break
		sleep 0.1
	done
	log "churn did not start: $(tail -n 3 "$OUT/churn.out")"
	return 1
}

t_concurrency() {
	local ok=0 m0 m1 t0 i mon
	unload_module 2>/dev/null
	m0=$(kernel_mem_used)
	load_module || return 1
	topo_up c || return 1
	# the module sees the traffic's ports from the start; the churn
	# changes everything but them
	"$TPKTCTL" -n gwc set mode normalize ports 102,1001-1010 >/dev/null || return 1
	# someone listening to events all along
	"$TPKTCTL" -n gwc -j monitor >/dev/null 2>&1 &
	mon=$!
	conc_churn_start || ok=1
	conc_traffic 14
	sleep 2
	t0=$(date +%s)
	touch "$OUT/churn.go"
	wait $CHURN_PID || { log "churn failed: $(tail -n 3 "$OUT/churn.out")"; ok=1; }
	log "$(tail -n 1 "$OUT/churn.out"), while $CONC_FLOWS echoed flows ran;" \
	    "$(awk '{ print "load " $1 }' /proc/loadavg)"
	# the policy replaced last is what tpktctl reads back
	"$TPKTCTL" -n gwc -j show | python3 -c '
import json, sys
p = json.load(sys.stdin)
p = p.get("policy", p)
n = '"$CONC_CHANGES"'
mode = ["normalize", "monitor", "enforce", "normalize", "off"][n % 5]
assert p["mode"] == mode and p["max_flows"] == 4 + n % 8, p' ||
		{ log "policy after the churn: $("$TPKTCTL" -n gwc show)"; ok=1; }
	"$TPKTCTL" -n gwc set mode normalize max-flows 64 >/dev/null || ok=1
	for i in "${CONC_PIDS[@]}"; do wait "$i"; done
	# the streams went through whole: the peers check the echo's length
	# and digest (the reserved byte is not part of it)
	for i in $(seq $CONC_FLOWS); do
		grep -q 'status=ok' "$OUT/conc-cl$i.out" ||
			{ log "flow $i: $(tail -n 2 "$OUT/conc-cl$i.out" | tr '\n' ' ')"; ok=1; }
	done
	# the namespace goes away under traffic
	conc_traffic 10
	sleep 3
	ip netns del gwc
	ns_deleted
	kill $mon 2>/dev/null
	for i in "${CONC_PIDS[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
	wait $mon 2>/dev/null
	topo_down c
	sleep 2
	log "flow and history slabs before unload (objects in use):" \
	    "$(for c in flow hist; do
		printf 'nf_tpkt_%s %s ' $c "$(slab_stat nf_tpkt_$c objects)"
	       done)"
	unload_module || { log "rmmod failed"; ok=1; }
	m1=$(kernel_mem_used)
	log "kernel memory after unload: $(((m1 - m0) >> 10)) KiB more than before loading" \
	    "(namespaces are torn down asynchronously)"
	# Unloading destroys the module's caches; one with an object still
	# allocated stays listed (and the kernel log, checked at the end,
	# says which).  A cache SLUB merged with another (the flows' on
	# Debian's kernels) is never listed under its own name: its leaks are
	# the debug kernel's to find, where KASAN keeps every cache apart.
	! grep -q '^nf_tpkt' /proc/slabinfo || { log "slab caches left: $(grep '^nf_tpkt' /proc/slabinfo)"; ok=1; }
	load_module || ok=1
	return $ok
}

ALL_TESTS+=(concurrency)
