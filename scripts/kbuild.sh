#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's make in a kernel build tree with the compiler that tree
# was made by:
#
#   scripts/kbuild.sh [--bind DIR]... KDIR [MAKE-ARGS...]
#   scripts/kbuild.sh --where KDIR      say where it would build, and exit
#   scripts/kbuild.sh [--bind DIR]... --run KDIR CMD...
#                                       run CMD where KDIR builds (dkms)
#
# KDIR's CONFIG_CC_VERSION_TEXT names the compiler (gcc-12, gcc-10,
# x86_64-linux-gnu-gcc-14).  A tree that lies in one of the chroots of
# scripts/deps.sh (/lib/modules/KVER/build links there: bullseye's 5.10,
# trixie-backports' 7.3) is built inside that chroot, whose compiler,
# linux-kbuild binaries and libc belong to the kernel's suite; any other
# tree on this machine, with this machine's compiler.  Inside the chroot
# each --bind DIR (the project, the build directory) is mounted at the
# same path, and /proc too; all of it in a mount namespace of the build's
# own, so nothing stays mounted whatever becomes of the build.  sparse
# (C=1, C=2) is the chroot's too.  A tree whose compiler is nowhere to be
# found is refused with a message saying what to install.
set -euo pipefail

CHROOTS=${NF_TPKT_CHROOTS:-/opt/nf_tpkt-deps/chroot}
PATH_IN=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "kbuild.sh: $*" >&2; exit 1; }

where_only=
run=
binds=()
while [ $# -gt 0 ]; do
	case $1 in
	--bind) binds+=("$(readlink -f "$2")"); shift 2 ;;
	--where) where_only=1; shift ;;
	--run) run=1; shift ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "usage: kbuild.sh [--bind DIR]... KDIR [MAKE-ARGS...]"
kdir=$1
shift

# The compiler of a tree: the first word of CONFIG_CC_VERSION_TEXT (quoted
# in 5.10's auto.conf, not in 6.x's), or of LINUX_COMPILER.
kernel_cc() {
	local t=$1 text=
	if [ -f "$t/include/config/auto.conf" ]; then
		text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p' "$t/include/config/auto.conf")
	fi
	if [ -z "$text" ] && [ -f "$t/.config" ]; then
		text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p' "$t/.config")
	fi
	if [ -z "$text" ] && [ -f "$t/include/generated/compile.h" ]; then
		text=$(sed -n 's/^#define LINUX_COMPILER[[:space:]]*//p' "$t/include/generated/compile.h")
	fi
	text=${text#\"}
	case $text in
	*clang\ version*) echo clang ;;
	*) echo "${text%% *}" ;;
	esac
}

# The suite whose chroot scripts/deps.sh makes for a compiler, for the
# message when there is none.
cc_suite() {
	case $1 in
	*gcc-10) echo bullseye ;;
	*gcc-12) echo bookworm ;;
	*gcc-14) echo trixie ;;
	esac
}

real=$(readlink -m "$kdir")
kver=$(basename "$(dirname "$kdir")")
[ "$(basename "$kdir")" = build ] || kver=$(basename "$kdir")
root=
case $real in
"$CHROOTS"/*/*)
	name=${real#"$CHROOTS"/}
	name=${name%%/*}
	root=$CHROOTS/$name
	;;
esac
if [ ! -f "$real/Makefile" ]; then
	[ -z "$root" ] || die "$kdir: a link into the $name chroot, which lacks it: run make deps"
	die "$kdir: no kernel build tree: run make deps, or install linux-headers-$kver"
fi
cc=$(kernel_cc "$real")
hdrs=$(basename "$real")

if [ -z "$root" ]; then
	if [ -n "$cc" ] && ! command -v "$cc" >/dev/null; then
		suite=$(cc_suite "$cc")
		pkg=${cc#*-linux-gnu-}
		hint=
		[ -z "$suite" ] || hint=" (it makes a $suite chroot with $pkg, for the kernels of $suite)"
		die "$hdrs was built with $cc, which this machine lacks; run make deps$hint or install $pkg"
	fi
	[ -z "$where_only" ] || { echo "${cc:-cc} on the host"; exit 0; }
	[ -z "$run" ] || exec "$@"
	exec "${MAKE:-make}" -C "$kdir" "$@"
fi

# From the chroot: the compiler, and sparse when asked for.
in_root() { [ -x "$root/usr/bin/$1" ] || [ -x "$root/usr/local/bin/$1" ]; }
[ -z "$cc" ] || in_root "$cc" ||
	die "$hdrs in the $name chroot was built with $cc, which the chroot lacks: run make deps"
for a in "$@"; do
	case $a in
	C=1|C=2) in_root sparse ||
		die "sparse ($a) is missing in the $name chroot: run make deps" ;;
	esac
done
[ -z "$where_only" ] || { echo "${cc:-cc} in the $name chroot"; exit 0; }
[ "$(id -u)" -eq 0 ] || die "building for $kver runs in the $name chroot ($root): that needs root"

if [ -z "${NF_TPKT_KBUILD_NS:-}" ]; then
	# the rest in a mount namespace of its own
	args=()
	for b in "${binds[@]}"; do args+=(--bind "$b"); done
	[ -z "$run" ] || args+=(--run)
	NF_TPKT_KBUILD_NS=1 exec unshare --mount --propagation private -- \
		"$(readlink -f "$0")" "${args[@]}" "$kdir" "$@"
fi

mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
for b in "${binds[@]}"; do
	# a directory inside one mounted already is there
	skip=
	for m in "${binds[@]}"; do
		[ "$m" != "$b" ] && [[ $b == "$m"/* ]] && skip=1
	done
	[ -z "$skip" ] || continue
	mkdir -p "$root$b"
	mount --bind "$b" "$root$b"
	mounted+=("$root$b")
done
mount -t proc proc "$root/proc"
mounted+=("$root/proc")
# the environment of the chroot's own (the host's locale may not exist
# there, and bash would warn), but make's jobserver and flags
[ -n "$run" ] || set -- make -C "${real#"$root"}" "$@"
chroot "$root" env -i PATH="$PATH_IN" HOME=/root LC_ALL=C \
	MAKEFLAGS="${MAKEFLAGS:-}" MAKELEVEL="${MAKELEVEL:-}" MFLAGS="${MFLAGS:-}" \
	"$@"
