#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Reproducer, not a test: a guest under QEMU's TCG dies with "Oops: int3"
# in __ip_local_out when a netfilter hook's static key flips while the
# other vCPU sends.  nf_tpkt is never loaded here: an nftables output chain
# is added and deleted in a loop (each time the LOCAL_OUT key goes 0 -> 1
# -> 0 and text_poke_bp() rewrites the nf_hook() jump label) during bulk
# TCP transfers from cl to sv.
#
# Under TCG here (QEMU 7.2, 2 vCPUs) 6.12.95+deb12-amd64 died after about
# 60 s (fewer than 100 flips), while 6.1.0-56-amd64 survived 334 flips in
# 300 s: whether 6.12's text patching or the emulator is at fault would
# take KVM or hardware to tell.  Run it with
#
#   vng --run /boot/vmlinuz-KVER --disable-kvm --cpus 2 --verbose \
#       --memory 1536M --user root -- \
#       env ROOT=$PWD DURATION=300 bash tests/vm/tcg-jump-label.sh
#
# A guest that survives prints "survived N key flips"; one that does not
# leaves the oops on the console.  This is why the VM suite holds those
# keys on with pin_hook_keys (tests/vm/lib.sh).
set -u
ROOT=${ROOT:?}
. "$ROOT/tests/vm/lib.sh"
DURATION=${DURATION:-300}

echo "kernel $(uname -r), $(nproc) CPUs"
module_loaded && { echo "nf_tpkt is loaded: this reproducer runs without it"; exit 1; }
topo_up
(
	while :; do
		ip netns exec sv timeout 60 "$PEER" --listen 102 --no-data-check \
			--timeout 20 >/dev/null 2>&1 &
		sleep 0.5
		ip netns exec cl timeout 30 "$PEER" --connect "$SV4:102" --bulk 5 \
			--no-data-check --timeout 20 >/dev/null 2>&1
		wait
	done
) &
traffic=$!
sleep 2
flips=0
end=$((SECONDS + DURATION))
while [ $SECONDS -lt $end ]; do
	nft add table ip flip
	nft add chain ip flip out '{ type filter hook output priority 0; }'
	sleep 0.05
	nft delete table ip flip
	sleep 0.05
	flips=$((flips + 1))
done
kill $traffic
pkill -f "$PEER"
topo_down
echo "survived $flips key flips"
