#!/usr/bin/env bash
# Install everything nf_tpkt needs to build and test, idempotently.
#
#   scripts/deps.sh [unit|all|debug|s7]
#
# "unit" installs what the engine, tpktctl and the unit tests need; "all"
# (default) adds kernels, headers, QEMU and virtme-ng for the VM suite;
# "debug" adds what scripts/debug-kernel.sh needs to build a kernel; "s7"
# only the third-party S7 peers (node-snap7, nodes7) of tests/snap7.
#
# virtme-ng is not in bookworm, and the second kernel series lives in
# bookworm-backports.  Both are fetched through a private apt state
# directory so the system's apt sources are never touched.  Debian 12's
# PREEMPT_RT kernel comes from bookworm itself.  Kernels of other suites
# (bullseye's 5.10, trixie-backports' 7.3) want compilers bookworm does
# not have: each suite gets a chroot made by mmdebstrap under
# $CHROOTS, with that compiler and the kernel's headers installed by the
# chroot's own apt; the host gets the image, its modules and a
# /lib/modules/KVER/build link into the chroot (scripts/kbuild.sh builds
# there).
set -euo pipefail

what=${1:-all}
[ "$(id -u)" -eq 0 ] || { echo "deps.sh: must run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

STATE=/var/cache/nf_tpkt-deps
# what the VM guests run must live where they see it: virtme-ng mounts its
# own /var/cache, but shares /opt with the host
SNAP7_CACHE=/opt/nf_tpkt-deps/snap7
NODES7_DIR=/opt/nf_tpkt-deps/nodes7
YNL_DIR=/opt/nf_tpkt-deps/ynl
MIRROR=${NF_TPKT_MIRROR:-http://deb.debian.org/debian}
BPO_KVER_SERIES=${BPO_KVER_SERIES:-6.12}
CHROOTS=/opt/nf_tpkt-deps/chroot
# the kernels of other suites, by the pattern of their release
BULLSEYE_KVER_RE=${BULLSEYE_KVER_RE:-'5\.10\.0-[0-9]+-amd64'}
TRIXIE_BPO_KVER_RE=${TRIXIE_BPO_KVER_RE:-'7\.3\.[0-9]+\+deb13-amd64'}

# prometheus for promtool; python3-yaml and -jsonschema for YNL (below)
unit_pkgs=(build-essential pkg-config clang llvm libcmocka-dev libnl-3-dev
	   libnl-genl-3-dev libpcap-dev libjson-c-dev tshark python3
	   prometheus python3-yaml python3-jsonschema xz-utils)
vm_pkgs=(linux-headers-amd64 linux-image-amd64 qemu-system-x86 nftables
	 ethtool iproute2 kmod busybox-static socat python3 libelf-dev bc
	 sparse jq)
# make install's checks: systemd-analyze verify of the unit (and man, for
# its Documentation=); in the VM: dkms, udevadm test of the udev rule,
# openssl for a signing key
unit_pkgs+=(systemd man-db)
vm_pkgs+=(dkms udev openssl)
# monitor -o journal: libsystemd's journal API; its checks run a private
# systemd-journald (in the systemd package) and read it with journalctl
unit_pkgs+=(libsystemd-dev)
# make deb and its check (tests/userspace/check_deb.sh): debhelper and
# dh-dkms build the packages, lintian judges them.  No fakeroot: the
# packages build as root or with Rules-Requires-Root: no alike.
unit_pkgs+=(dpkg-dev debhelper dh-dkms lintian)

missing() {
	local p out=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || out+=("$p")
	done
	echo "${out[@]:-}"
}

apt_updated=
apt_install() {
	local need
	need=$(missing "$@")
	[ -n "$need" ] || return 0
	if [ -z "$apt_updated" ]; then
		apt-get update -qq
		apt_updated=1
	fi
	# tshark asks whether non-root users may capture; the default is fine.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
}

# apt with a private sources list and state: used for trixie and backports.
private_apt() {
	local name=$1 suite=$2; shift 2
	local dir=$STATE/$name
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	echo "deb $MIRROR $suite main" >"$dir/sources.list"
	apt-get -qq -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache::Archives="$dir/archives" "$@"
}

install_virtme_ng() {
	command -v vng >/dev/null && return 0
	private_apt trixie trixie update
	(cd "$STATE/trixie" && rm -f virtme-ng_*.deb &&
	 private_apt trixie trixie download virtme-ng)
	apt_install python3-argcomplete python3-requests
	apt-get install -y -qq --no-install-recommends "$STATE"/trixie/virtme-ng_*.deb >/dev/null
}

install_backports_kernel() {
	# Already there?  Any 6.12 image with matching headers will do.
	local v
	for v in /boot/vmlinuz-"$BPO_KVER_SERIES".*; do
		[ -e "$v" ] || continue
		[ -d "/usr/src/linux-headers-${v#/boot/vmlinuz-}" ] && return 0
	done
	private_apt bpo bookworm-backports update
	local img hdr
	img=$(private_apt bpo bookworm-backports -o APT::Default-Release=bookworm-backports \
		-s install linux-image-amd64 2>/dev/null |
		sed -n "s/^Inst \(linux-image-$BPO_KVER_SERIES[^ ]*-amd64\) .*/\1/p" | head -n1)
	if [ -z "$img" ]; then
		img=$(apt-cache -o Dir::Etc::SourceList="$STATE/bpo/sources.list" \
			-o Dir::Etc::SourceParts=/dev/null \
			-o Dir::State::Lists="$STATE/bpo/lists" pkgnames "linux-image-$BPO_KVER_SERIES" |
			grep -E -- '-amd64$' | grep -v -- '-unsigned' | sort -V | tail -n1)
	fi
	[ -n "$img" ] || { echo "deps.sh: no linux-image-$BPO_KVER_SERIES in bookworm-backports" >&2; exit 1; }
	hdr=${img/linux-image/linux-headers}
	hdr=${hdr%-unsigned}
	local ver=${hdr#linux-headers-}         # e.g. 6.12.48+deb12-amd64
	local base=${ver%-amd64}
	local series=${BPO_KVER_SERIES}
	(cd "$STATE/bpo" && rm -f ./*.deb &&
	 private_apt bpo bookworm-backports download "$img" "$hdr" \
		"linux-headers-$base-common" "linux-kbuild-$series+deb12" 2>/dev/null ||
	 private_apt bpo bookworm-backports download "$img" "$hdr" \
		"linux-headers-$base-common" "linux-kbuild-$series")
	apt-get install -y -qq --no-install-recommends "$STATE"/bpo/*.deb >/dev/null
}

# Debian 12's PREEMPT_RT flavour, of the same ABI as its default kernel
# (linux-image-amd64's) when bookworm has it, else the newest.  Installing
# it moves the /vmlinuz link to it; the VM suite boots /boot/vmlinuz-KVER
# by name, and this machine has no boot loader to care.
install_rt_kernel() {
	local abi pkgs=(linux-image-rt-amd64 linux-headers-rt-amd64)
	abi=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([0-9.]*-[0-9]*\)-amd64 .*/\1/p')
	[ -z "$abi" ] || pkgs=("linux-image-$abi-rt-amd64" "linux-headers-$abi-rt-amd64")
	[ -n "$(missing "${pkgs[@]}")" ] || return 0
	apt_install "${pkgs[@]}" ||
		apt_install linux-image-rt-amd64 linux-headers-rt-amd64
}

# ---- kernels of other suites, built in a chroot of their suite -----------

# in_chroot DIR CMD...: CMD in chroot DIR with /proc mounted, in a mount
# namespace of its own (nothing stays mounted, whatever becomes of CMD),
# with an environment of its own (the host's locale may not exist there).
in_chroot() {
	local dir=$1
	shift
	# shellcheck disable=SC2016
	unshare --mount --propagation private -- sh -c \
		'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$dir" \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}

# chroot_missing DIR PKG...: those of PKG... not installed in chroot DIR.
chroot_missing() {
	local dir=$1 p out=()
	shift
	for p in "$@"; do
		dpkg-query --admindir="$dir/var/lib/dpkg" -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || out+=("$p")
	done
	echo "${out[@]:-}"
}

# chroot_apt_install DIR PKG...: with the chroot's apt (no terminal for
# dpkg's log there), leaving neither lists nor packages behind.
chroot_apt_install() {
	local dir=$1
	shift
	in_chroot "$dir" apt-get update -qq
	in_chroot "$dir" apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Use-Pty=0 "$@" >/dev/null
	chroot_tidy "$dir"
}

chroot_tidy() {
	in_chroot "$1" apt-get clean
	find "$1/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
}

# Unmount what an interrupted mmdebstrap left mounted under DIR.
umount_under() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
}

# make_chroot NAME SUITES PKG...: the chroot $CHROOTS/NAME of the first of
# SUITES (comma-separated, all of them in its sources) with PKG...; made
# once by mmdebstrap, completed by its own apt when PKG... grows.
make_chroot() {
	local name=$1 suites=$2
	shift 2
	local dir=$CHROOTS/$name s srcs=() need
	if [ -f "$dir/.nf_tpkt-chroot" ]; then
		need=$(chroot_missing "$dir" "$@")
		[ -n "$need" ] || return 0
		echo "deps.sh: installing $need in $dir" >&2
		# shellcheck disable=SC2086
		chroot_apt_install "$dir" $need
		return 0
	fi
	apt_install mmdebstrap
	for s in ${suites//,/ }; do
		srcs+=("deb $MIRROR $s main")
	done
	echo "deps.sh: making a ${suites%%,*} chroot in $dir" >&2
	mkdir -p "$CHROOTS"
	for s in "$dir.new" "$dir"; do
		umount_under "$s"
		rm -rf --one-file-system "$s"
	done
	mmdebstrap --quiet --variant=apt --include="$(IFS=,; echo "$*")" \
		"${suites%%,*}" "$dir.new" "${srcs[@]}" ||
		{ umount_under "$dir.new"; rm -rf --one-file-system "$dir.new"
		  echo "deps.sh: mmdebstrap ${suites%%,*} failed" >&2; exit 1; }
	touch "$dir.new/.nf_tpkt-chroot"
	mv "$dir.new" "$dir"
}

# Newer kernels' Makefiles (7.3's, not 6.12's) run
# scripts/checker-valid.sh before sparse, and on a "no" drop C=1 with
# nothing but a note.  Debian's linux-kbuild lacks that script, so the
# answer is always no; and as 7.3's headers use __typeof_unqual__ under
# sparse, trixie's sparse 0.6.4, which cannot parse it, would be too old
# anyway.  checker_ok DIR KVER: the script is there and passes the
# chroot's sparse, or the kernel does not ask.
checker_ok() {
	local dir=$1 kver=$2 common script
	common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' \
		"$dir/usr/src/linux-headers-$kver/Makefile")
	[ -n "$common" ] || return 1
	grep -q checker-valid.sh "$dir$common/Makefile" || return 0
	script=$common/scripts/checker-valid.sh
	[ -x "$dir$script" ] &&
	[ "$(in_chroot "$dir" "$script" sparse --arch=x86 -mlittle-endian -m64)" = 1 ]
}

# The same test as the kernel's own script: a checker that parses
# __typeof_unqual__ without an error.
write_checker_valid() {
	cat >"$1" <<-'EOF'
	#!/bin/sh
	# SPDX-License-Identifier: GPL-2.0
	# Put here by nf_tpkt's scripts/deps.sh: Debian's linux-kbuild lacks
	# the kernel's own.  Prints 1 if the checker "$@" parses
	# __typeof_unqual__ without an error, 0 if not.
	command -v "$1" >/dev/null 2>&1 || { echo 0; exit 0; }
	f=$(mktemp) || { echo 0; exit 0; }
	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$f"
	if "$@" "$f" 2>&1 | grep -q error; then echo 0; else echo 1; fi
	rm -f "$f"
	EOF
	chmod 0755 "$1"
}

# fix_checker DIR KVER: make checker_ok true, with the script above and,
# if the chroot's sparse still fails it, sid's sparse (0.6.5~rc1 parses
# __typeof_unqual__) in the chroot's /usr/local/bin, ahead of its own.
fix_checker() {
	local dir=$1 kver=$2 common script tmp
	checker_ok "$dir" "$kver" && return 0
	common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' \
		"$dir/usr/src/linux-headers-$kver/Makefile")
	script=$dir$common/scripts/checker-valid.sh
	[ -e "$script" ] || write_checker_valid "$script"
	checker_ok "$dir" "$kver" && return 0
	echo "deps.sh: sparse of $dir is too old for $kver: taking sid's" >&2
	private_apt sid sid update
	(cd "$STATE/sid" && rm -f ./*.deb && private_apt sid sid download sparse) ||
		{ echo "deps.sh: cannot download sparse from sid" >&2; exit 1; }
	tmp=$(mktemp -d)
	dpkg-deb -x "$STATE"/sid/sparse_*.deb "$tmp"
	install -m 0755 "$tmp/usr/bin/sparse" "$dir/usr/local/bin/sparse"
	rm -rf "$tmp" "$STATE"/sid/sparse_*.deb
	checker_ok "$dir" "$kver" ||
		{ echo "deps.sh: sid's sparse does not pass $script either" >&2; exit 1; }
}

# install_chroot_kernel NAME SUITES KVER_RE PKG...: the newest kernel of
# SUITES whose release matches KVER_RE, for the VM suite and the module
# build.  Its headers go into chroot NAME, with PKG... (the compiler and
# tools they want), by the chroot's apt: their linux-kbuild binaries are
# linked against that suite's libc.  Its image and modules go onto this
# machine, where vng boots them: /boot/vmlinuz-KVER and
# /lib/modules/KVER, unpacked from the image's packages (dpkg -x: they
# are not this suite's to install) and depmod run.  /lib/modules/KVER/build
# links to the headers in the chroot, where scripts/kbuild.sh builds.
install_chroot_kernel() {
	local name=$1 suites=$2 re=$3
	shift 3
	local dir=$CHROOTS/$name v kver hdr pkgs tmp mods f src
	# Already there?  A kernel of that series, bootable and buildable,
	# and the chroot complete.
	if [ -f "$dir/.nf_tpkt-chroot" ] && [ -z "$(chroot_missing "$dir" "$@")" ]; then
		for v in /boot/vmlinuz-*; do
			kver=${v#/boot/vmlinuz-}
			[[ $kver =~ ^$re$ ]] || continue
			[ -f "/lib/modules/$kver/modules.dep" ] &&
				[ -f "/lib/modules/$kver/build/Makefile" ] &&
				[ -z "$(chroot_missing "$dir" "linux-headers-$kver")" ] &&
				checker_ok "$dir" "$kver" && return 0
		done
	fi
	make_chroot "$name" "$suites" "$@"
	in_chroot "$dir" apt-get update -qq
	hdr=$(in_chroot "$dir" apt-cache pkgnames linux-headers- |
		grep -E "^linux-headers-$re\$" | sort -V | tail -n1)
	[ -n "$hdr" ] || { echo "deps.sh: no kernel $re in $suites" >&2; exit 1; }
	kver=${hdr#linux-headers-}
	echo "deps.sh: kernel $kver from $suites" >&2
	in_chroot "$dir" apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Use-Pty=0 "$hdr" >/dev/null
	fix_checker "$dir" "$kver"

	# The image, and the packages of the same release it depends on
	# (7.3's is split: linux-binary-KVER has the vmlinuz,
	# linux-modules-KVER the modules, linux-base-KVER the config).
	pkgs=$(in_chroot "$dir" apt-cache depends "linux-image-$kver" |
		awk -v s="-$kver" '$1 == "Depends:" &&
			substr($2, length($2) - length(s) + 1) == s { print $2 }')
	rm -rf "$dir/tmp/nf_tpkt-kernel"
	mkdir -p "$dir/tmp/nf_tpkt-kernel"
	# apt downloads as _apt where it may
	# shellcheck disable=SC2016,SC2086
	in_chroot "$dir" sh -c 'chown _apt /tmp/nf_tpkt-kernel &&
		cd /tmp/nf_tpkt-kernel && apt-get download -qq "$@"' \
		sh "linux-image-$kver" $pkgs ||
		{ echo "deps.sh: cannot download linux-image-$kver" >&2; exit 1; }
	chroot_tidy "$dir"
	tmp=$(mktemp -d)
	for f in "$dir"/tmp/nf_tpkt-kernel/*.deb; do
		dpkg-deb -x "$f" "$tmp"
	done
	rm -rf "$dir/tmp/nf_tpkt-kernel"
	# bullseye keeps the modules in /lib/modules, trixie in /usr/lib/modules
	mods=$tmp/lib/modules/$kver
	[ -d "$mods" ] || mods=$tmp/usr/lib/modules/$kver
	[ -d "$mods" ] || { rm -rf "$tmp"; echo "deps.sh: no modules in linux-image-$kver" >&2; exit 1; }
	# /boot/vmlinuz-KVER, System.map-KVER and config-KVER, from /boot
	# (bullseye) or from beside the modules (7.3)
	for f in vmlinuz System.map config; do
		src=$tmp/boot/$f-$kver
		[ -f "$src" ] || src=$mods/$f
		if [ ! -f "$src" ]; then
			[ $f != vmlinuz ] && continue
			rm -rf "$tmp"
			echo "deps.sh: no vmlinuz in linux-image-$kver" >&2
			exit 1
		fi
		install -m 0644 "$src" "/boot/$f-$kver.new"
		mv "/boot/$f-$kver.new" "/boot/$f-$kver"
		rm -f "$mods/$f"
	done
	if dpkg-query -S "/lib/modules/$kver" >/dev/null 2>&1; then
		rm -rf "$tmp"
		echo "deps.sh: /lib/modules/$kver belongs to a package here: left alone" >&2
		exit 1
	fi
	rm -rf "/lib/modules/$kver"
	mkdir -p /lib/modules
	mv "$mods" "/lib/modules/$kver"
	rm -rf "$tmp"
	depmod -a "$kver"
	ln -sfn "$dir/usr/src/linux-headers-$kver" "/lib/modules/$kver/build"
}

# The kernel's YNL: tools/net/ynl (cli.py and its Python library) and the
# spec schemas of Documentation/netlink/, from bookworm-backports'
# linux-source of the second kernel's series, into $YNL_DIR (where the VM
# guests see it too).  They check Documentation/netlink/specs/nf_tpkt.yaml
# against the schema (tests/userspace/check_ynl_spec.sh) and against the
# module (the VM suite's t_ynl).  Only those two directories and
# checkpatch.pl with its word lists (make checkpatch) are kept: the source
# package is 150 MB.
install_ynl() {
	local src=linux-source-$BPO_KVER_SERIES dir=$STATE/bpo/src tmp deb
	if [ -f "$YNL_DIR/tools/net/ynl/cli.py" ] &&
	   [ -f "$YNL_DIR/Documentation/netlink/genetlink-legacy.yaml" ] &&
	   [ -f "$YNL_DIR/scripts/checkpatch.pl" ]; then
		return 0
	fi
	private_apt bpo bookworm-backports update
	# its own directory: install_backports_kernel installs bpo/*.deb
	mkdir -p "$dir"
	(cd "$dir" && rm -f ./*.deb &&
	 private_apt bpo bookworm-backports download "$src") ||
		{ echo "deps.sh: cannot download $src from bookworm-backports" >&2; exit 1; }
	deb=$(ls "$dir"/"$src"_*.deb)
	mkdir -p "$(dirname "$YNL_DIR")"
	tmp=$(mktemp -d "$YNL_DIR.new.XXXXXX")
	# the whole tree is one tar.xz inside the .deb
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$src.tar.xz" |
		tar -xJ -C "$tmp" --strip-components=1 \
			"$src/tools/net/ynl" "$src/Documentation/netlink" \
			"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
			"$src/scripts/const_structs.checkpatch" ||
		{ rm -rf "$tmp"; echo "deps.sh: cannot extract YNL from $deb" >&2; exit 1; }
	dpkg-deb -f "$deb" Version >"$tmp/VERSION"
	chmod -R a+rX "$tmp"
	rm -rf "$YNL_DIR"
	mv "$tmp" "$YNL_DIR"
	rm -f "$deb"
}

# snap7 as a third-party S7 peer for the VM suite (tests/snap7/).  The npm
# package node-snap7 bundles snap7's C++ sources; it is installed without
# scripts (its install script would try to fetch a prebuilt binary) and the
# addon is built with node-gyp against the system's node headers
# (--nodedir=/usr), so nothing but npm packages is downloaded.  Everything
# lives in $SNAP7_CACHE, outside the source tree; the tests require it from
# there (SNAP7_DIR).
install_snap7() {
	local ver=1.0.9 gyp_ver=11.4.2   # node-gyp 11: runs on node 18 and 20
	local dir=$SNAP7_CACHE
	local mod=$dir/node_modules/node-snap7
	local addon=$mod/build/Release/node_snap7.node
	if [ -f "$addon" ] && command -v node >/dev/null &&
	   [ "$(node -p "require('$mod/package.json').version" 2>/dev/null)" = "$ver" ] &&
	   node -e "require('$mod')" 2>/dev/null; then
		return 0
	fi
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		apt_install nodejs npm
	fi
	[ -f /usr/include/node/node.h ] || apt_install libnode-dev
	apt_install g++ make python3
	echo "deps.sh: building node-snap7 $ver in $dir" >&2
	mkdir -p "$dir"
	cat >"$dir/package.json" <<-EOF
	{
	  "name": "nf-tpkt-snap7",
	  "version": "0.0.0",
	  "private": true,
	  "description": "node-snap7 for the nf_tpkt tests, built by scripts/deps.sh",
	  "dependencies": {
	    "node-gyp": "$gyp_ver",
	    "node-snap7": "$ver"
	  }
	}
	EOF
	rm -rf "$mod/build"
	# Exact versions from package.json; --ignore-scripts skips node-snap7's
	# "prebuild-install || node-gyp rebuild" (which downloads).
	(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund \
		--loglevel=error) ||
		{ echo "deps.sh: npm install node-snap7@$ver failed" >&2; exit 1; }
	(cd "$mod" && "$dir/node_modules/.bin/node-gyp" rebuild --nodedir=/usr \
		--jobs="$(nproc)" --loglevel=warn >"$dir/build.log" 2>&1) ||
		{ tail -n 40 "$dir/build.log" >&2
		  echo "deps.sh: node-snap7 build failed (log: $dir/build.log)" >&2; exit 1; }
	if ! [ -f "$addon" ] || ! node -e "require('$mod')"; then
		echo "deps.sh: node-snap7 built but $addon does not load" >&2
		exit 1
	fi
}

# nodes7 as a second S7 client for the VM suite (tests/snap7/nodes7_client.js):
# pure JavaScript with its own ISO-on-TCP code, so nothing of snap7's is on
# both ends.  No dependencies and no install scripts; pinned by version and
# by the tarball's integrity, which npm checks and records in the lock file.
install_nodes7() {
	local ver=0.3.18
	local sri=sha512-o5nnekjzX5tisE0oKxhddu4dbhhMVXcmYd0AqA3zDSBJFQ8iZYQAePehe/jL5VLE0lYJb+El8WrpVzgzxSQq7w==
	local dir=$NODES7_DIR
	local mod=$dir/node_modules/nodes7
	local lock="require('$dir/package-lock.json').packages['node_modules/nodes7']"
	if command -v node >/dev/null &&
	   [ "$(node -p "$lock.version + ' ' + $lock.integrity" 2>/dev/null)" = "$ver $sri" ] &&
	   [ "$(node -p "require('$mod/package.json').version" 2>/dev/null)" = "$ver" ] &&
	   node -e "require('$mod')" 2>/dev/null; then
		return 0
	fi
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		apt_install nodejs npm
	fi
	echo "deps.sh: installing nodes7 $ver in $dir" >&2
	mkdir -p "$dir"
	cat >"$dir/package.json" <<-EOF
	{
	  "name": "nf-tpkt-nodes7",
	  "version": "0.0.0",
	  "private": true,
	  "description": "nodes7 for the nf_tpkt tests, installed by scripts/deps.sh",
	  "dependencies": {
	    "nodes7": "$ver"
	  }
	}
	EOF
	(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund \
		--loglevel=error) ||
		{ echo "deps.sh: npm install nodes7@$ver failed" >&2; exit 1; }
	if [ "$(node -p "$lock.integrity" 2>/dev/null)" != "$sri" ]; then
		echo "deps.sh: nodes7 in $dir is not the pinned $ver ($sri)" >&2
		exit 1
	fi
	if ! node -e "require('$mod')"; then
		echo "deps.sh: nodes7 installed but $mod does not load" >&2
		exit 1
	fi
}

if [ "$what" = s7 ]; then
	install_snap7
	install_nodes7
	exit 0
fi
apt_install "${unit_pkgs[@]}"
install_ynl
[ "$what" = unit ] && exit 0
apt_install "${vm_pkgs[@]}"
install_virtme_ng
install_backports_kernel
install_rt_kernel
# the compilers Debian built them with; dwarves for 7.3's module BTF;
# the suite's own dkms, which tests/dkms/check_all.sh builds with
install_chroot_kernel bullseye bullseye "$BULLSEYE_KVER_RE" \
	gcc-10 make libc6-dev libelf-dev bc kmod sparse dkms
install_chroot_kernel trixie trixie,trixie-backports "$TRIXIE_BPO_KVER_RE" \
	gcc-14 make libc6-dev libelf-dev bc kmod sparse dwarves dkms
install_snap7
install_nodes7
[ "$what" = debug ] || exit 0
apt_install linux-source-6.1 flex bison libssl-dev rsync
