#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the field report of KB Q151626, end to end, in a VM.
set -uo pipefail
KVER=${1:?usage: demo.sh KVER}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOG=$ROOT/build/demo.log
FIRST='Three network namespaces'	# the guest script's first words
# A guest that dies while it boots, before the demo's first words (the
# emulator's doing, see run.sh), is booted again, at most twice.
for boot in 1 2 3; do
	echo "Booting Linux $KVER under QEMU (no KVM: about 30 s)..."
	timeout 600 vng --run "/boot/vmlinuz-$KVER" --disable-kvm --cpus 2 --memory 1G \
		--user root -- env ROOT="$ROOT" bash "$ROOT/tests/vm/demo-guest.sh" 2>&1 |
		tee "$LOG"
	grep -q "$FIRST" "$LOG" && break
	[ $boot -lt 3 ] || break
	cp "$LOG" "$LOG.boot$boot"
	echo "demo.sh: the guest died before the demo started (output kept in" \
	     "$LOG.boot$boot): booting again" >&2
done
grep -q '^DEMO-OK$' "$LOG"
