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
		lsmod | grep -q '^nf_tpkt' || load_module
	else
		lsmod | grep -q '^nf_tpkt' && unload_module
	fi
	return 0
}

nft_rule() {
	if [ "$1" = on ]; then
		ip netns exec gw nft -f - <<'NFT'
table inet tpkt_bench {
	chain fwd {
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
	server_start --no-data-check --timeout 30 || { echo "BENCH-ERROR $v server"; return; }
	ip netns exec cl timeout 60 "$PEER" --connect "$SV4:102" --bulk "$SECONDS_PER_RUN" \
		--pdu-size $PDU --batch 16 --no-data-check --timeout 30 $res \
		>"$OUT/client.out" 2>&1
	wait "$SERVER_PID"
	echo "BENCH variant=$v round=$r mbps=$(result "$OUT/server.out" mbps)" \
	     "tpkts=$(result "$OUT/server.out" tpkts)" \
	     "nonzero=$(result "$OUT/server.out" reserved_nonzero)" \
	     "digest=$(result "$OUT/server.out" digest)" \
	     "tx_digest=$(result "$OUT/client.out" tx_digest)"
}

topo_up
for r in $(seq "$ROUNDS"); do
	for v in "${VARIANTS[@]}"; do
		run_variant $v $r
	done
done
nft_rule off
module off
topo_down
dmesg_clean && echo BENCH-DONE
