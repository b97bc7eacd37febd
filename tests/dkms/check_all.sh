#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS builds nf_tpkt for every kernel, as it does on a gateway when a
# kernel is installed: dkms add, then dkms build -k KVER, from the tree
# "make dkms-src" writes and with the kernel's defaults (no W=1).  Each
# kernel's build runs with the dkms of the kernel's own suite: this
# machine's (bookworm) for 6.1, 6.1-rt and 6.12, the chroot's for
# bullseye's 5.10 and trixie's 7.3, where their compilers are
# (scripts/kbuild.sh --run).  The DKMS trees are private, under
# BUILD/dkms, so the system's DKMS state is not touched (but for the key
# dkms 3 makes to sign modules with, once, in /var/lib/dkms, as on any
# machine with dkms; no build here is installed).  The module each
# build leaves must be for that kernel and say VERSION.  The whole
# install path (dkms install, modprobe, removal) runs in the guest of
# Debian 12's kernel (t_dkms); building there takes 3 minutes under
# emulation, here seconds.
#
#   tests/dkms/check_all.sh BUILD KVER...
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:?usage: check_all.sh BUILD KVER...}")
shift
ver=$(cat "$ROOT/VERSION")
top=$BUILD/dkms
rm -rf "$top"
mkdir -p "$top"
make -C "$ROOT" --no-print-directory dkms-src DESTDIR="$top/root" >/dev/null ||
	{ echo "dkms: make dkms-src failed" >&2; exit 1; }
src=$top/root/usr/src
sum=
failed=
for kver in "$@"; do
	kdir=/lib/modules/$kver/build
	tree=$top/$kver
	log=$top/$kver.log
	where=$("$ROOT/scripts/kbuild.sh" --where "$kdir") ||
		{ echo FAILED >"$top/$kver.result"; failed="$failed $kver"; continue; }
	mkdir -p "$tree"
	# the --*tree options after the command: dkms 2.8 takes them there too
	run() {
		"$ROOT/scripts/kbuild.sh" --bind "$top" --run "$kdir" \
			dkms "$@" --sourcetree "$src" --dkmstree "$tree" \
			-m nf_tpkt -v "$ver"
	}
	t0=$(date +%s)
	ok=
	if run add >"$log" 2>&1 && run build -k "$kver" >>"$log" 2>&1; then
		ko=$(find "$tree/nf_tpkt/$ver/$kver" -name 'nf_tpkt.ko*' -path '*/module/*' | head -n1)
		if [ -z "$ko" ]; then
			echo "dkms: $kver: no nf_tpkt.ko in $tree" >>"$log"
		else
			# modinfo reads compressed modules as well
			magic=$(modinfo -F vermagic "$ko")
			mver=$(modinfo -F version "$ko")
			if [ "${magic%% *}" = "$kver" ] && [ "$mver" = "$ver" ]; then
				ok=1
			else
				echo "dkms: $ko: vermagic $magic, version $mver" >>"$log"
			fi
		fi
	fi
	secs=$(($(date +%s) - t0))
	# for the table make check ends with (tests/vm/summary.sh)
	if [ -n "$ok" ]; then echo ok; else echo FAILED; fi >"$top/$kver.result"
	if [ -n "$ok" ]; then
		dv=$("$ROOT/scripts/kbuild.sh" --run "$kdir" dkms --version 2>/dev/null | tr : -)
		sum="$sum$kver: ok, ${ko#"$tree"/} ($dv, $where, $secs s)\n"
	else
		tail -n 25 "$log" >&2
		sum="$sum$kver: FAILED (log: $log)\n"
		failed="$failed $kver"
	fi
done
printf '== dkms build, every kernel\n%b' "$sum"
[ -z "$failed" ] || { echo "dkms build failed for:$failed" >&2; exit 1; }
