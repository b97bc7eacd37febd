#!/usr/bin/env bash
# Build (once) the debug kernel that make check-debug boots: Debian's
# linux-source-6.1 with virtme-ng's small config plus KASAN, KMEMLEAK,
# lockdep, DEBUG_ATOMIC_SLEEP and DEBUG_OBJECTS (tests/vm/debug.config).
#
#   scripts/debug-kernel.sh          build if needed, print the tree's path
#
# The tree is cached outside the checkout, under /opt (which the VM guests
# see, so /lib/modules/KVER/build resolves there too).  It is rebuilt when
# the source package or debug.config changes.  A build takes about 15
# minutes of both cores here; a cached tree, no time at all.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NF_TPKT_DEBUG_CACHE:-/opt/nf_tpkt-deps/debug-kernel}
TARBALL=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$ROOT/tests/vm/debug.config

for f in "$TARBALL" /usr/bin/flex /usr/bin/bison /usr/bin/vng; do
	[ -e "$f" ] || { echo "debug-kernel.sh: $f missing: run scripts/deps.sh debug" >&2; exit 1; }
done

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
stamp="linux-source-6.1 $srcver, debug.config $(sha256sum <"$FRAGMENT" | cut -c1-16)"
tree=$CACHE/linux-6.1
if [ -f "$tree/.nf_tpkt-stamp" ] && [ "$(cat "$tree/.nf_tpkt-stamp")" = "$stamp" ] &&
   [ -f "$tree/arch/x86/boot/bzImage" ]; then
	echo "$tree"
	exit 0
fi

log=$CACHE/build.log
echo "debug-kernel.sh: building $stamp in $tree (log: $log)" >&2
rm -rf "$tree"
mkdir -p "$tree"
tar -xJf "$TARBALL" -C "$tree" --strip-components=1
cd "$tree"

# virtme-ng's defconfig (what its guests need to boot from the host's
# root), then the fragment, then every line of the fragment checked: a
# symbol whose dependencies are missing is silently dropped otherwise.
virtme-configkernel --defconfig >"$log" 2>&1
scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >>"$log" 2>&1
make olddefconfig >>"$log" 2>&1
bad=0
while IFS= read -r line; do
	case $line in ''|'#'*) continue ;; esac
	sym=${line%%=*}
	want=${line#*=}
	if [ "$want" = n ]; then
		grep -qx "$sym=y\|$sym=m" .config || continue
	else
		grep -qxF "$line" .config && continue
	fi
	echo "debug-kernel.sh: $line did not hold: $(grep "^$sym=\|# $sym is" .config || echo unset)" >&2
	bad=1
done <"$FRAGMENT"
[ $bad -eq 0 ] || exit 1

start=$(date +%s)
if ! make -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "debug-kernel.sh: build failed (log: $log)" >&2
	exit 1
fi
# the modules directory virtme-ng links to /lib/modules/KVER in the guest
virtme-prep-kdir-mods >>"$log" 2>&1
echo "debug-kernel.sh: built $(make -s kernelrelease) in $(( $(date +%s) - start )) s" >&2
echo "$stamp" >.nf_tpkt-stamp
echo "$tree"
