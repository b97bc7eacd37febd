#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel under QEMU (virtme-ng, no KVM) and run the whole VM suite
# in that one boot.
#
#   tests/vm/run.sh KVER [SUITE-ARGS...]
#   tests/vm/run.sh KERNEL-TREE [SUITE-ARGS...]
#
# KVER boots /boot/vmlinuz-KVER; a kernel build tree (make check-debug's)
# boots its bzImage, with its modules as /lib/modules/KVER.  VM_MEMORY and
# VM_TIMEOUT (seconds) size the guest for slow debug kernels.
#
# The guest sees this machine's root file system read-only, so the module,
# tpktctl and the peers built under build/ are used as they are.  The run
# fails on any FAIL line, on a guest that dies before printing its final
# tally, and on a kernel log with any warning (checked inside the guest).
set -uo pipefail

KVER=${1:?usage: run.sh KVER|KERNEL-TREE [suite args]}
shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -d "$KVER" ]; then
	VMLINUZ=$KVER
	BOOT_IMAGE=$KVER/arch/x86/boot/bzImage
	KVER=$(cat "$KVER/include/config/kernel.release") || exit 1
else
	VMLINUZ=/boot/vmlinuz-$KVER
	BOOT_IMAGE=$VMLINUZ
fi
# VM_TAG names a run, so that runs of different test sets keep their own
# log and guest files
LOG=$ROOT/build/vm-$KVER${VM_TAG:+-$VM_TAG}.log

for need in vng qemu-system-x86_64; do
	command -v $need >/dev/null || { echo "run.sh: $need missing: run make deps" >&2; exit 1; }
done
[ -r "$BOOT_IMAGE" ] || { echo "run.sh: no $BOOT_IMAGE: run make deps" >&2; exit 1; }
for f in build/tpktctl build/tpkt_peer "build/kmod-$KVER/nf_tpkt.ko"; do
	[ -e "$ROOT/$f" ] || { echo "run.sh: $f not built" >&2; exit 1; }
done

# what the guest writes (captures, peer output) survives it, for a look
# after a failure
OUTDIR=$ROOT/build/vm-out-$KVER${VM_TAG:+-$VM_TAG}
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"

echo "== VM suite on $KVER (log: $LOG, guest files: $OUTDIR)"
start=$(date +%s)
# 2 vCPUs so both directions of a flow can really run at once; --verbose
# puts the guest kernel's console in the log, so that a guest that dies
# (panic=-1 reboots, and QEMU exits) leaves its last words there.
. "$ROOT/tests/vm/boot.sh"
boot_guest "$LOG" "^kernel $KVER, " \
	timeout "${VM_TIMEOUT:-2400}" vng --run "$VMLINUZ" --disable-kvm --cpus 2 --verbose \
	--memory "${VM_MEMORY:-1536M}" \
	--user root --rwdir "/tmp/nf_tpkt-out=$OUTDIR" -- \
	env ROOT="$ROOT" OUT=/tmp/nf_tpkt-out bash "$ROOT/tests/vm/suite.sh" "$@"
rc=$?
end=$(date +%s)

# one line for make check-vm-all's table (tests/vm/summary.sh):
# KVER PASSED FAILED SKIPPED SECONDS TESTS
RESULT=$ROOT/build/vm-result-$KVER${VM_TAG:+-$VM_TAG}
tally=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n1)
if [ -z "$tally" ]; then
	echo "$KVER - - - $((end - start)) ${VM_SET:-given}" >"$RESULT"
	echo "run.sh: the guest ended without a tally (exit $rc): see $LOG" >&2
	exit 1
fi
read -r passed failed skipped < <(sed -E \
	's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' <<<"$tally")
echo "$KVER $passed $failed ${skipped:-0} $((end - start)) ${VM_SET:-given}" >"$RESULT"
echo "== $KVER: $tally in $((end - start)) s"
grep -q '^VM-SUITE-OK$' "$LOG" || exit 1
exit 0
