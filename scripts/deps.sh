#!/usr/bin/env bash
# Install everything nf_tpkt needs to build and test, idempotently.
#
#   scripts/deps.sh [unit|all|debug]
#
# "unit" installs what the engine, tpktctl and the unit tests need; "all"
# (default) adds kernels, headers, QEMU and virtme-ng for the VM suite;
# "debug" adds what scripts/debug-kernel.sh needs to build a kernel.
#
# virtme-ng is not in bookworm, and the second kernel series lives in
# bookworm-backports.  Both are fetched through a private apt state
# directory so the system's apt sources are never touched.
set -euo pipefail

what=${1:-all}
[ "$(id -u)" -eq 0 ] || { echo "deps.sh: must run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

STATE=/var/cache/nf_tpkt-deps
# what the VM guests run must live where they see it: virtme-ng mounts its
# own /var/cache, but shares /opt with the host
SNAP7_CACHE=/opt/nf_tpkt-deps/snap7
YNL_DIR=/opt/nf_tpkt-deps/ynl
MIRROR=${NF_TPKT_MIRROR:-http://deb.debian.org/debian}
BPO_KVER_SERIES=${BPO_KVER_SERIES:-6.12}

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

apt_install "${unit_pkgs[@]}"
install_ynl
[ "$what" = unit ] && exit 0
apt_install "${vm_pkgs[@]}"
install_virtme_ng
install_backports_kernel
install_snap7
[ "$what" = debug ] || exit 0
apt_install linux-source-6.1 flex bison libssl-dev rsync
