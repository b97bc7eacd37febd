#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the field report of KB Q151626, end to end, in a VM.
set -uo pipefail
KVER=${1:?usage: demo.sh KVER}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/vm/boot.sh"
echo "Booting Linux $KVER under QEMU (no KVM: about 30 s)..."
boot_guest "$ROOT/build/demo.log" 'Three network namespaces' \
	timeout 600 vng --run "/boot/vmlinuz-$KVER" --disable-kvm --cpus 2 --memory 1G \
	--user root -- env ROOT="$ROOT" bash "$ROOT/tests/vm/demo-guest.sh"
grep -q '^DEMO-OK$' "$ROOT/build/demo.log"
