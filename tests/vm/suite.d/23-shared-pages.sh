# SPDX-License-Identifier: GPL-2.0
# Sourced by suite.sh: a fix is written into the gateway's own copy only.
#
# A forwarded segment's page fragments may be shared with skbs the fix
# must not reach: the sender's retransmission queue (over veth, the very
# pages the client's TCP keeps), and any clone taken before forwarding
# (tc mirred, TEE, AF_PACKET without mmap), whose head ip_forward()
# makes private while the pages stay shared.  tc mirred here mirrors the
# client's link into a third namespace, where dumpcap reads the copy only
# after the gateway has forwarded the original: the mirror must show the
# reserved byte as sent (0x11), the server must read it fixed (0).

t_mirror_sees_wire() {
	local ok=0 ns=mir$$ cap=$OUT/mirror.pcap pid line
	gw_set mode normalize check tpkt-reserved fix || return 1
	"$TPKTCTL" -n gw stats reset >/dev/null
	ip netns add $ns
	ip link add m0 netns gw type veth peer name m1 netns $ns
	ip -n gw link set m0 up
	ip -n $ns link set m1 up
	ip netns exec gw tc qdisc add dev g0 clsact
	ip netns exec gw tc filter add dev g0 ingress matchall \
		action mirred egress mirror dev m0 || ok=1
	rm -f "$cap"
	ip netns exec $ns dumpcap -q -i m1 -f 'tcp dst port 102' -w "$cap" 2>/dev/null &
	pid=$!
	for _ in $(seq 50); do [ -s "$cap" ] && break; sleep 0.1; done
	exchange --send-bytes 70000 --pdu-size 700 --timeout 30 -- --connect "$SV4:102" \
		--reserved all=0x11 --send-bytes 70000 --pdu-size 700 --timeout 30
	sleep 0.5
	kill $pid
	wait $pid 2>/dev/null
	ip netns exec gw tc qdisc del dev g0 clsact
	ip netns del $ns
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; ok=1; }
	[ "$(result "$OUT/server.out" reserved_nonzero)" = 0 ] || ok=1
	[ "$(stat gw edits)" -ge "$(result "$OUT/client.out" tx_tpkts)" ] || ok=1
	# FAMILY FRAMES TPKTS DIRTY ...: every header the mirror saw is dirty.
	# The mirror is not a reliable link: on 5.10 it lost a frame or two
	# (tshark then misses the headers up to the next one), so it must see
	# half the headers sent, not all.
	line=$(tpkt_frames "$cap" | awk '$1 == 4')
	log "mirror (family frames tpkts dirty ...): $line;" \
	    "client sent $(result "$OUT/client.out" tx_tpkts), edits $(stat gw edits)"
	read -r _ _ tpkts dirty _ <<<"$line"
	[ $((${tpkts:-0} * 2)) -ge "$(result "$OUT/client.out" tx_tpkts)" ] || ok=1
	[ "${dirty:-x}" = "${tpkts:-y}" ] || ok=1
	return $ok
}

ALL_TESTS+=(mirror_sees_wire)
