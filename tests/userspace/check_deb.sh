#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make deb: the packages build from the tree (in a copy: the tree is left
# as it was), lintian finds no error or warning, each package holds
# exactly its files with the contents make install and make dkms-src
# write, the /etc files are conffiles, DKMS gets the version in VERSION
# and so does debian/changelog (a build with another one fails), the unit
# is not enabled by the postinst, tpktctl is hardened, and debian/copyright
# says of each file what its SPDX header says.  Installing, building with
# DKMS, loading and purging happen in the VM suite
# (tests/vm/suite.d/50-install.sh).
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TPKTCTL=$(cd "$(dirname "$TPKTCTL")" && pwd)/$(basename "$TPKTCTL")
# shellcheck source=SCRIPTDIR/lib.sh
. "$TOP/tests/userspace/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a make of our own, not a part of the one running this check
unset MAKEFLAGS MAKELEVEL MFLAGS
VERSION=$(cat "$TOP/VERSION")
DEB=$tmp/build/deb

for c in dpkg-buildpackage dh_dkms lintian; do
	command -v $c >/dev/null || { echo "$c missing: run make deps-unit" >&2; exit 1; }
done

# files DIR: every file and link under DIR, relative, sorted
files() { (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }
# debfiles DEB: the same of a package, from dpkg-deb -c
debfiles() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' | LC_ALL=C sort; }
# leftovers: what a build in the tree, or beside it, leaves behind
leftovers() {
	git -C "$TOP" status --porcelain --ignored -- debian 2>/dev/null
	ls -d "$TOP"/../nf-tpkt[_-]* "$TOP"/../tpktctl_* 2>/dev/null
}

# ---- build ------------------------------------------------------------------

before=$(leftovers)
start=$SECONDS
out=$(make -s --no-print-directory -C "$TOP" BUILD="$tmp/build" deb 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	ok "make deb ($((SECONDS - start)) s)"
else
	ko "make deb" "rc $rc: $(tail -n 30 <<<"$out")"
	finish deb
	exit 1
fi
same deb-outputs "$(printf '%s\n' "nf-tpkt-dkms_${VERSION}_all.deb" "nf-tpkt_$VERSION.dsc" \
	"nf-tpkt_$VERSION.tar.xz" "nf-tpkt_${VERSION}_amd64.buildinfo" \
	"nf-tpkt_${VERSION}_amd64.changes" "tpktctl_${VERSION}_amd64.deb")" \
	"$(find "$DEB" -mindepth 1 -printf '%f\n' | LC_ALL=C sort)"
same tree-untouched "$before" "$(leftovers)"
DKMS_DEB=$DEB/nf-tpkt-dkms_${VERSION}_all.deb
CTL_DEB=$DEB/tpktctl_${VERSION}_amd64.deb

# ---- lintian ------------------------------------------------------------------

# on the .changes: the source package and both binaries; informational
# tags shown, errors and warnings not overridden fail
out=$(lintian --display-info --fail-on error,warning "$DEB"/nf-tpkt_"$VERSION"_amd64.changes 2>&1)
rc=$?
out=$(grep -v 'running with root privileges is not recommended' <<<"$out")
[ -z "$out" ] || while IFS= read -r l; do echo "    lintian: $l"; done <<<"$out"
if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' <<<"$out"; then
	ok lintian
else
	ko lintian "rc $rc"
fi

# ---- the files --------------------------------------------------------------

SRC=usr/src/nf_tpkt-$VERSION
want=$( (printf '%s\n' etc/modprobe.d/nf_tpkt.conf lib/udev/rules.d/60-nf_tpkt.rules \
	usr/share/doc/nf-tpkt-dkms/changelog.gz usr/share/doc/nf-tpkt-dkms/copyright \
	"$SRC/dkms.conf" "$SRC/VERSION"
	cd "$TOP" && printf '%s\n' kmod/*.c kmod/*.h kmod/Kbuild | sed "s|^|$SRC/|"
	find include ! -type d | sed "s|^|$SRC/|") | LC_ALL=C sort)
same dkms-files "$want" "$(debfiles "$DKMS_DEB")"
same tpktctl-files "$(printf '%s\n' etc/nf_tpkt.conf lib/systemd/system/nf_tpkt-monitor.service \
	lib/systemd/system/nf_tpkt.service \
	usr/sbin/tpktctl usr/share/bash-completion/completions/tpktctl \
	usr/share/doc/tpktctl/changelog.gz usr/share/doc/tpktctl/copyright \
	usr/share/man/man8/tpktctl.8.gz)" "$(debfiles "$CTL_DEB")"
same owners root/root "$( (dpkg-deb -c "$DKMS_DEB"; dpkg-deb -c "$CTL_DEB") |
	awk '{ print $2 }' | sort -u)"
same modes "$(printf '%s\n' '-rw-r--r-- other' '-rwxr-xr-x usr/sbin/tpktctl')" \
	"$( (dpkg-deb -c "$DKMS_DEB"; dpkg-deb -c "$CTL_DEB") | awk '$1 !~ /^d/ {
		print ($6 == "./usr/sbin/tpktctl" ? $1 " usr/sbin/tpktctl" : $1 " other") }' |
	LC_ALL=C sort -u)"

x=$tmp/x
mkdir -p "$x"
for d in "$DKMS_DEB" "$CTL_DEB"; do
	p=$(dpkg-deb -f "$d" Package)
	dpkg-deb -x "$d" "$x/$p"
	dpkg-deb -e "$d" "$x/$p/DEBIAN"
done
D=$x/nf-tpkt-dkms
T=$x/tpktctl

# what make dkms-src and make install-tools (with Debian's paths) write,
# tpktctl as the other checks built it (newer than its sources: make
# leaves it be); the package's own is built with Debian's flags
mkdir -p "$tmp/b"
[ -x "$TPKTCTL" ] && cp "$TPKTCTL" "$tmp/b/tpktctl"
make -s --no-print-directory -C "$TOP" BUILD="$tmp/b" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
	DESTDIR="$tmp/mk" install-tools dkms-src >/dev/null 2>&1
check dkms-tree-is-dkms-src diff -r "$tmp/mk/$SRC" "$D/$SRC"
cmp_ok=0
for f in etc/modprobe.d/nf_tpkt.conf:D lib/udev/rules.d/60-nf_tpkt.rules:D \
	 etc/nf_tpkt.conf:T lib/systemd/system/nf_tpkt.service:T \
	 lib/systemd/system/nf_tpkt-monitor.service:T \
	 usr/share/bash-completion/completions/tpktctl:T; do
	p=$D; [ "${f#*:}" = T ] && p=$T
	cmp -s "$tmp/mk/${f%:*}" "$p/${f%:*}" || { echo "    differs: ${f%:*}"; cmp_ok=1; }
done
zcat "$T/usr/share/man/man8/tpktctl.8.gz" | cmp -s - "$TOP/Documentation/tpktctl.8" ||
	{ echo "    differs: tpktctl.8"; cmp_ok=1; }
check contents-are-make-install [ $cmp_ok -eq 0 ]
same unit-exec "ExecStart=/sbin/modprobe nf_tpkt
ExecStart=/usr/sbin/tpktctl -b /etc/nf_tpkt.conf
ExecReload=/usr/sbin/tpktctl -b /etc/nf_tpkt.conf
ExecStop=-/sbin/modprobe -r nf_tpkt" "$(grep '^Exec' "$T/lib/systemd/system/nf_tpkt.service")"

same conffiles-tpktctl /etc/nf_tpkt.conf "$(cat "$T/DEBIAN/conffiles")"
same conffiles-dkms /etc/modprobe.d/nf_tpkt.conf "$(cat "$D/DEBIAN/conffiles")"

# ---- versions -----------------------------------------------------------------

same changelog-version "$VERSION" "$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)"
same package-versions "$VERSION $VERSION" \
	"$(dpkg-deb -f "$DKMS_DEB" Version) $(dpkg-deb -f "$CTL_DEB" Version)"
conf=$(kernel_source_dir=/KSRC dkms_tree=/TREE bash -c '. "$1"
	echo "$PACKAGE_NAME $PACKAGE_VERSION $AUTOINSTALL"' x "$D/$SRC/dkms.conf")
same dkms-conf-version "nf_tpkt $VERSION yes" "$conf"
same dkms-scripts "DKMS_VERSION=$VERSION
DKMS_VERSION=$VERSION" "$(grep -h '^DKMS_VERSION=' "$D/DEBIAN/postinst" "$D/DEBIAN/prerm")"
check dkms-depends grep -qE '(^|, )dkms( |,|$)' <<<"$(dpkg-deb -f "$DKMS_DEB" Depends)"
check tpktctl-version grep -qF "$VERSION" <<<"$("$T/usr/sbin/tpktctl" --version 2>&1)"

# debian/rules refuses a changelog that VERSION contradicts (what a build
# runs first), and accepts the tree's own
mkdir -p "$tmp/vt"
cp -R "$TOP/debian" "$TOP/VERSION" "$tmp/vt/"
check rules-version-check-passes make -s -C "$tmp/vt" -f debian/rules override_dh_auto_configure
echo 9.9.9 >"$tmp/vt/VERSION"
out=$(make -s -C "$tmp/vt" -f debian/rules override_dh_auto_configure 2>&1)
check rules-version-check-can-fail grep -q "changelog says $VERSION, VERSION says 9.9.9" <<<"$out"

# ---- maintainer scripts ----------------------------------------------------------

# the postinst of a first installation, with systemd's helpers logging
# instead of acting: the unit must not be enabled
mkdir -p "$tmp/stub"
# shellcheck disable=SC2016 # the stub's own "$1", not ours
for c in deb-systemd-helper deb-systemd-invoke systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n%s\n' "$c" "$tmp/calls" \
		'case "$1" in debian-installed) exit 1 ;; esac; exit 0' >"$tmp/stub/$c"
	chmod +x "$tmp/stub/$c"
done
PATH=$tmp/stub:$PATH sh -e "$T/DEBIAN/postinst" configure ""
calls=$(cat "$tmp/calls" 2>/dev/null)
check unit-not-enabled not grep -q ' enable ' <<<"$calls"
for u in nf_tpkt nf_tpkt-monitor; do
	check "$u-state-recorded" grep -q "update-state $u.service" <<<"$calls"
	check "$u-purged-on-purge" grep -q "deb-systemd-helper purge .*'$u.service'" "$T/DEBIAN/postrm"
done

# ---- hardening -------------------------------------------------------------------

dyn=$(readelf -d "$T/usr/sbin/tpktctl")
check bindnow grep -qE 'BIND_NOW|FLAGS_1.*NOW' <<<"$dyn"
check pie grep -q 'FLAGS_1.*PIE' <<<"$dyn"
check relro grep -q GNU_RELRO <<<"$(readelf -lW "$T/usr/sbin/tpktctl")"
sections=$(readelf -SW "$T/usr/sbin/tpktctl")
# stripped: code, and no debugging information
stripped() { grep -q ' \.text ' <<<"$1" && ! grep -q ' \.debug_info ' <<<"$1"; }
check stripped stripped "$sections"

# ---- debian/copyright against the SPDX headers -----------------------------------

# each file's paragraph (the last whose Files match, as DEP-5 says) must
# name the licence of its SPDX-License-Identifier; a file without one
# falls to "Files: *"
(cd "$TOP" && { git ls-files 2>/dev/null || find . \( -path ./.git -o -path ./build \) -prune \
	-o -type f -print | sed 's|^\./||'; }) >"$tmp/tree-files"
out=$(cd "$TOP" && python3 - debian/copyright "$tmp/tree-files" <<'PY'
import fnmatch, re, sys
# SPDX expression -> DEP-5 short name, for every expression the tree uses
DEP5 = {
    "GPL-2.0": "GPL-2",
    "GPL-2.0 OR MIT": "GPL-2 or Expat",
    "(GPL-2.0 WITH Linux-syscall-note) OR MIT":
        "GPL-2 with Linux-syscall-note exception or Expat",
    "((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)":
        "GPL-2 with Linux-syscall-note exception or BSD-3-clause",
}
paras, cur, key = [], {}, None
for line in open(sys.argv[1]).read().split("\n") + [""]:
    if not line.strip():
        if cur:
            paras.append(cur)
        cur, key = {}, None
    elif line[0] in " \t":
        cur[key] += "\n" + line.strip()
    else:
        key, _, val = line.partition(":")
        cur[key] = val.strip()
files = [p for p in paras if "Files" in p]
# a paragraph's first line: its licence; Files may go on over lines
for p in paras:
    p["Files"] = p.get("Files", "").replace("\n", " ") or None
    if p["Files"] is None:
        del p["Files"]
    if "License" in p:
        p["License"] = p["License"].split("\n")[0]
named = {p["License"] for p in paras if "Files" not in p and "License" in p}
bad = 0
if files[0]["Files"] != "*":
    print("the first Files paragraph is not Files: *"); bad += 1
for p in files:
    for part in p["License"].split(" or "):
        if part not in named:
            print("no License paragraph for %s" % part); bad += 1
tree = open(sys.argv[2]).read().split()
for f in tree:
    para = [p for p in files
            if any(fnmatch.fnmatchcase(f, g) for g in p["Files"].split())][-1]
    try:
        with open(f, errors="replace") as fh:
            head = "".join(fh.readline() for _ in range(3))
    except OSError:
        continue
    m = re.search(r"SPDX-License-Identifier: (.*?)\s*(\*/|$)", head, re.M)
    if not m:
        continue
    spdx = m.group(1)
    if spdx not in DEP5:
        print("%s: SPDX %s unknown to this check" % (f, spdx)); bad += 1
    elif DEP5[spdx] != para["License"]:
        print("%s: SPDX %s, debian/copyright %s" % (f, spdx, para["License"])); bad += 1
print("%d files" % len(tree))
sys.exit(1 if bad else 0)
PY
)
rc=$?
if [ $rc -eq 0 ]; then ok "copyright-matches-spdx (${out##*$'\n'})"; else ko copyright-matches-spdx "$out"; fi

finish deb
