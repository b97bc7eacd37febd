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
#
# Two connections, told apart in the capture by their IP version: over
# IPv4 with offloads on (GSO: the payload in page fragments, the checksum
# left to the device, so tshark cannot judge it), over IPv6 with them off
# (no scatter-gather: the payload in the head, the checksum complete,
# which must still be right on the mirror).

# mirror_exchange ADDR: one client connection with reserved 0x11 throughout
mirror_exchange() {
	exchange --send-bytes 35000 --pdu-size 700 --timeout 30 -- \
		--connect "$1" --reserved all=0x11 --send-bytes 35000 \
		--pdu-size 700 --timeout 30
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; return 1; }
	[ "$(result "$OUT/server.out" reserved_nonzero)" = 0 ] ||
		{ log "the server read reserved bytes not 0"; return 1; }
	MIRROR_SENT=$(result "$OUT/client.out" tx_tpkts)
}

t_mirror_sees_wire() {
	local ok=0 ns=mir$$ cap=$OUT/mirror.pcap pid fam dirty clean good bad size seen=
	local -A sent
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
	ip netns exec $ns dumpcap -q -i m1 -f 'tcp dst port 102 or icmp' \
		-w "$cap" 2>/dev/null &
	pid=$!
	# dumpcap writes its file header before it captures: wait until a
	# ping shows up in the file
	for _ in $(seq 50); do [ -s "$cap" ] && break; sleep 0.1; done
	size=$(wc -c <"$cap")
	for _ in $(seq 30); do
		ip netns exec cl ping -c 1 -W 1 -q "$SV4" >/dev/null 2>&1
		[ "$(wc -c <"$cap")" -gt "$size" ] && break
	done
	mirror_exchange "$SV4:102" || ok=1
	sent[4]=$MIRROR_SENT
	offloads off
	mirror_exchange "[$SV6]:102" || ok=1
	sent[6]=$MIRROR_SENT
	offloads on
	sleep 0.5
	kill $pid
	wait $pid 2>/dev/null
	ip netns exec gw tc qdisc del dev g0 clsact
	ip netns del $ns
	[ "$(stat gw edits)" -ge $((sent[4] + sent[6])) ] || ok=1
	# The headers in the mirror's frames, from their bytes, not from
	# tshark's reassembly, which a frame the mirror lost (it is no
	# reliable link: 6.12 lost some) stops for the rest of the stream:
	# a DT of 700 bytes, "03 11 02 c3 02 f0" as sent, "03 00 02 c3 02 f0"
	# if the fix leaked into it.
	while read -r fam dirty clean good bad; do
		log "mirror, IPv$fam: $dirty headers as sent, $clean fixed;" \
		    "checksums $good good $bad bad; client sent ${sent[$fam]}"
		[ $((dirty * 2)) -ge "${sent[$fam]:-1}" ] && [ "$clean" = 0 ] || ok=1
		[ "$fam" = 4 ] || [ "$bad" = 0 ] || ok=1
		seen="$seen$fam"
	done < <(tshark -r "$cap" -o tcp.check_checksum:TRUE -Y 'tcp.len > 0' \
			-T fields -e ip.version -e tcp.payload -e tcp.checksum.status \
			2>/dev/null |
		awk -F '\t' '{ v = $1; p = $2
				d[v] += gsub(/031102c302f0/, "", p)
				c[v] += gsub(/030002c302f0/, "", p)
				if ($3 == 1) g[v]++; else b[v]++ }
			END { for (v in d) print v, d[v], c[v], g[v] + 0, b[v] + 0 }')
	[ "$seen" = 46 ] || [ "$seen" = 64 ] || { log "the mirror saw IPv${seen:-none}"; ok=1; }
	return $ok
}

ALL_TESTS+=(mirror_sees_wire)
