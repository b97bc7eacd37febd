#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In-kernel cost, inside the guest: TCP bulk transfer of a TPKT stream
# client -> gateway -> server with the project's peer, variants interleaved
# round by round in this one boot.  One "BENCH ..." line per run; the host
# side (kernel.sh) turns them into medians and ratios.
set -u
ROOT=${ROOT:?}
. "$ROOT/tests/vm/lib.sh"
mkdir -p "$OUT"
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-4}
PDU=1017	# user data bytes: 1024-byte TPKTs

VARIANTS=(baseline loaded_other_port monitor normalize_clean
	  normalize_fix_every_pdu nft_payload_rule)

module() {
	if [ "$1" = on ]; then
		module_loaded || load_module
	else
		module_loaded && unload_module
	fi
	return 0
}

# The stock alternative: rewrite byte 1 of every TCP payload to port 102
# ("ih" is the payload after the transport header).
nft_rule() {
	if [ "$1" = on ]; then
		ip netns exec gw nft -f - <<'NFT' || { echo "BENCH-ERROR nft rule refused"; exit 1; }
table inet tpkt_bench {
	chain rewrite {
		type filter hook forward priority 0;
		tcp dport 102 @ih,8,8 set 0x0
	}
}
NFT
	else
		ip netns exec gw nft delete table inet tpkt_bench 2>/dev/null
	fi
	return 0
}

run_variant() {
	local v=$1 r=$2 res=""
	nft_rule off
	case $v in
	baseline) module off ;;
	loaded_other_port) module on; gw_set mode normalize ports 103 ;;
	monitor) module on; gw_set mode monitor ports 102 ;;
	normalize_clean) module on; gw_set mode normalize ports 102 ;;
	normalize_fix_every_pdu) module on; gw_set mode normalize ports 102; res="--reserved all=0x11" ;;
	nft_payload_rule) module off; nft_rule on; res="--reserved all=0x11" ;;
	esac
	module_loaded && "$TPKTCTL" -n gw stats reset >/dev/null
	server_start --no-data-check --timeout 30 || { echo "BENCH-ERROR $v server"; return; }
	# PARTS=profile: the whole guest sampled (cpu-clock: TCG has no PMU)
	# from the client's start to its end
	local perf=()
	[ -z "${PROFILE:-}" ] ||
		perf=(perf record -q -a -g -e cpu-clock -F 1999 -o "$OUT/perf-$v.data" --)
	"${perf[@]}" ip netns exec cl timeout 60 "$PEER" --connect "$SV4:102" \
		--bulk "$SECONDS_PER_RUN" --pdu-size $PDU --batch 16 --no-data-check \
		--timeout 30 $res >"$OUT/client.out" 2>&1
	wait "$SERVER_PID"
	# what the module did to the stream: segments ahead of a gap (dropped
	# in normalize mode, ooo drop), retransmissions seen
	local mod="ooo=- drops=- rexmits=-"
	module_loaded && mod=$(stats_kv gw ooo drops rexmits)
	echo "BENCH variant=$v round=$r mbps=$(result "$OUT/server.out" mbps) $mod" \
	     "tpkts=$(result "$OUT/server.out" tpkts)" \
	     "nonzero=$(result "$OUT/server.out" reserved_nonzero)" \
	     "digest=$(result "$OUT/server.out" digest)" \
	     "tx_digest=$(result "$OUT/client.out" tx_digest)"
}

# ---- flow table: memory per flow and setup rate ---------------------------
#
# FLOWS SYNs from distinct (address, port) pairs in cl go through gw to an
# address that sv's link answers for (a permanent neighbour entry) but that
# nobody owns, so nothing replies and no flow closes.  Baseline: the same
# flood with the module unloaded, measured as packets forwarded per second.
FLOWS=${FLOWS:-100000}

fwd_packets() { ip netns exec gw cat /sys/class/net/g1/statistics/tx_packets; }

flood() {
	synflood "$FLOWS" 2000 || { echo "BENCH-ERROR flood: $(cat "$OUT/flood.out")"; exit 1; }
	sed -n 's/.*elapsed_s=\([0-9.]*\).*/\1/p' "$OUT/flood.out"
}

# nf_tpkt_flow slab: bytes of the pages it holds (see slab_stat)
slab_bytes() {
	local n

	n=$(slab_stat nf_tpkt_flow slabs) || return 0
	echo $((n * (4096 << $(slab_stat nf_tpkt_flow order))))
}

# Unreclaimable kernel memory: slabs such as nf_tpkt_flow, and the flow
# table's buckets wherever kvmalloc() put them (a large kmalloc is counted
# in SUnreclaim, a vmalloc in VmallocUsed).  Unlike MemFree it does not
# move with the per-CPU free page lists or the page cache.
unreclaimable_bytes() {
	awk '/^SUnreclaim:/ { s = $2 } /^VmallocUsed:/ { v = $2 }
	     END { print (s + v) * 1024 }' /proc/meminfo
}

flows_round() {
	local r=$1 p0 el p1 m0 m1 u0 u1 n sl0 sl1
	module off
	m0=$(kernel_mem_used)
	u0=$(unreclaimable_bytes)
	p0=$(fwd_packets)
	el=$(flood)
	p1=$(fwd_packets)
	sleep 1
	m1=$(kernel_mem_used)
	u1=$(unreclaimable_bytes)
	echo "BENCH flows variant=baseline round=$r forwarded=$((p1 - p0)) elapsed_s=$el" \
	     "mem_delta=$((m1 - m0)) unrecl_delta=$((u1 - u0))"
	module on
	gw_set mode monitor ports 102 max-flows $((FLOWS * 2)) timeout 3600 full fail-open ||
		{ echo "BENCH-ERROR set"; exit 1; }
	m0=$(kernel_mem_used)
	u0=$(unreclaimable_bytes)
	sl0=$(slab_bytes)
	el=$(flood)
	sleep 1
	n=$(stat gw flows_active)
	m1=$(kernel_mem_used)
	u1=$(unreclaimable_bytes)
	sl1=$(slab_bytes)
	echo "BENCH flows variant=module round=$r flows=$n elapsed_s=$el mem_delta=$((m1 - m0))" \
	     "unrecl_delta=$((u1 - u0)) slab_delta=$((${sl1:-0} - ${sl0:-0}))"
	module off
}

# comma-separated: vng passes the command line on without its quotes
PARTS=${PARTS:-throughput,flows}

topo_up
if [[ ",$PARTS," == *",throughput,"* ]]; then
	for r in $(seq "$ROUNDS"); do
		for v in "${VARIANTS[@]}"; do
			run_variant $v $r
		done
	done
	nft_rule off
fi
if [[ ",$PARTS," == *",profile,"* ]]; then
	# where each variant's time goes: self time by symbol, and what calls
	# the module's hooks (Documentation/performance.rst)
	PROFILE=1
	for v in "${VARIANTS[@]}"; do
		run_variant $v profile
		perf report -i "$OUT/perf-$v.data" --no-children --sort sym --stdio \
			--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' |
			grep -v '^ *[|-]' | sed "s/^/BENCH-PROFILE $v /"
		perf report -i "$OUT/perf-$v.data" --no-children --sort dso --stdio \
			--percent-limit 0.5 2>/dev/null | grep '%' | sed "s/^/BENCH-PROFILE-DSO $v /"
	done
	PROFILE=
	nft_rule off
fi
if [[ ",$PARTS," == *",flows,"* ]]; then
	sink_prepare
	for r in $(seq "$ROUNDS"); do
		flows_round $r
	done
fi
module off
topo_down
dmesg_clean && echo BENCH-DONE
