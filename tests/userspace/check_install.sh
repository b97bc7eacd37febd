#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make install / uninstall / dkms-src into a DESTDIR: the files and their
# places, what the installed files say, that the systemd unit verifies,
# that the bash completion offers exactly the words tpktctl accepts, that
# the example configuration parses, and that uninstall removes everything
# but an edited /etc file.  The module installed here is a stand-in file
# (this machine need not have a kernel tree); the VM suite installs, loads
# and removes the real one (tests/vm/suite.d/50-install.sh).
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TPKTCTL=$(cd "$(dirname "$TPKTCTL")" && pwd)/$(basename "$TPKTCTL")
. "$TOP/tests/userspace/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a make of our own, not a part of the one running this check
unset MAKEFLAGS MAKELEVEL MFLAGS
KVER=0.0.0-nf_tpkt-check
VERSION=$(cat "$TOP/VERSION")

# mk DESTDIR ARGS...: make in the source tree, with our own build directory
mk() {
	local d=$1
	shift
	make -s --no-print-directory -C "$TOP" BUILD="$tmp/build" KVER=$KVER \
		DESTDIR="$d" "$@"
}

# files DIR: every file and link under DIR, relative, sorted
files() { (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }

if "$TPKTCTL" show >/dev/null 2>&1; then
	echo "nf_tpkt is loaded here: batch checks would change its policy" >&2
	exit 1
fi

# tpktctl as "make" would have built it: the sanitizer build the other
# checks use, newer than its sources so that make leaves it alone
mkdir -p "$tmp/build"
cp "$TPKTCTL" "$tmp/build/tpktctl"
KO=$tmp/build/kmod-$KVER/nf_tpkt.ko

TOOLS="usr/local/lib/systemd/system/nf_tpkt-monitor.service
usr/local/lib/systemd/system/nf_tpkt.service
usr/local/lib/udev/rules.d/60-nf_tpkt.rules
usr/local/sbin/tpktctl
usr/local/share/bash-completion/completions/tpktctl
usr/local/share/man/man8/tpktctl.8"
ETC="etc/modprobe.d/nf_tpkt.conf
etc/nf_tpkt.conf"
ALL=$(printf '%s\n%s\n%s\n' "$ETC" "lib/modules/$KVER/updates/nf_tpkt.ko" \
	"$TOOLS" | LC_ALL=C sort)

# ---- without a module: install refuses and installs nothing ------------

d=$tmp/none
out=$(mk "$d" install 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "kmod-$KVER/nf_tpkt.ko is not built" <<<"$out" &&
   grep -q "make install-tools" <<<"$out" && [ -z "$(files "$d" 2>/dev/null)" ]; then
	ok install-without-module-refused
else
	ko install-without-module-refused "rc $rc: $out; $(files "$d" 2>/dev/null)"
fi

out=$(mk "$d" install-tools 2>&1)
same install-tools "$(printf '%s\n%s\n' "$ETC" "$TOOLS" | LC_ALL=C sort)" \
	"$(files "$d")"

# ---- make install ------------------------------------------------------

mkdir -p "$(dirname "$KO")"
echo "stand-in for nf_tpkt.ko" >"$KO"
d=$tmp/root
out=$(mk "$d" install 2>&1)
rc=$?
[ $rc -eq 0 ] || ko install "rc $rc: $out"
same install-files "$ALL" "$(files "$d")"
check install-no-depmod-in-destdir grep -q 'not running depmod' <<<"$out"

modes=$(cd "$d" && for f in $ALL; do stat -c "%a $f" "$f"; done)
want=$(for f in $ALL; do
	case $f in */sbin/*) echo "755 $f" ;; *) echo "644 $f" ;; esac
done)
same install-modes "$want" "$modes"

cmp_ok=0
for pair in "usr/local/share/man/man8/tpktctl.8:Documentation/tpktctl.8" \
	    "usr/local/share/bash-completion/completions/tpktctl:packaging/tpktctl.bash-completion" \
	    "etc/nf_tpkt.conf:packaging/nf_tpkt.conf" \
	    "etc/modprobe.d/nf_tpkt.conf:packaging/modprobe.conf" \
	    "usr/local/sbin/tpktctl:$tmp/build/tpktctl" \
	    "lib/modules/$KVER/updates/nf_tpkt.ko:$KO"; do
	src=${pair#*:}
	[ "${src#/}" = "$src" ] && src=$TOP/$src
	cmp -s "$d/${pair%%:*}" "$src" || { echo "    differs: ${pair%%:*}"; cmp_ok=1; }
done
check install-contents [ $cmp_ok -eq 0 ]

# the generated files: every placeholder filled, no DESTDIR inside
UNIT=$d/usr/local/lib/systemd/system/nf_tpkt.service
MUNIT=$d/usr/local/lib/systemd/system/nf_tpkt-monitor.service
RULES=$d/usr/local/lib/udev/rules.d/60-nf_tpkt.rules
check install-placeholders-filled not grep -n '@[A-Z]*@' "$UNIT" "$MUNIT" "$RULES"
check install-no-destdir-inside not grep -rlF "$tmp" "$d/etc" "$d/usr/local/lib" \
	"$d/usr/local/share"

# ---- the unit --------------------------------------------------------------

same unit-exec "ExecStart=/sbin/modprobe nf_tpkt
ExecStart=/usr/local/sbin/tpktctl -b /etc/nf_tpkt.conf
ExecReload=/usr/local/sbin/tpktctl -b /etc/nf_tpkt.conf
ExecStop=-/sbin/modprobe -r nf_tpkt" "$(grep '^Exec' "$UNIT")"

# systemd-analyze verify checks that the first program of each Exec
# setting exists: tpktctl is looked for where DESTDIR put it (the copy
# differs in that alone), and the Documentation= man page there too.
# Every program of every line is checked below.
sed "s|=/usr/local/|=$d/usr/local/|" "$UNIT" >"$tmp/nf_tpkt.service"
out=$(MANPATH=$d/usr/local/share/man systemd-analyze verify "$tmp/nf_tpkt.service" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok unit-verify
else
	ko unit-verify "rc $rc: $out"
fi
# and it does fail for a program that is not there
sed "s|=/usr/local/|=$tmp/nowhere/|" "$UNIT" >"$tmp/nf_tpkt.service"
out=$(systemd-analyze verify "$tmp/nf_tpkt.service" 2>&1)
check unit-verify-can-fail grep -q "nowhere/sbin/tpktctl is not executable" <<<"$out"

exec_ok=0
while IFS= read -r line; do
	prog=${line#*=}
	prog=${prog#[-@+!]}
	prog=${prog%% *}
	case $prog in /usr/local/*) prog=$d$prog ;; esac
	[ -x "$prog" ] || { echo "    not executable: $line"; exec_ok=1; }
done < <(grep '^Exec' "$UNIT")
check unit-programs [ $exec_ok -eq 0 ]

# ---- the monitor's unit ------------------------------------------------------

same monitor-unit-exec "ExecStart=/usr/local/sbin/tpktctl monitor -o journal --wait" \
	"$(grep '^Exec' "$MUNIT")"
# verified beside the unit it wants, as systemd would find them
sed "s|=/usr/local/|=$d/usr/local/|" "$UNIT" >"$tmp/nf_tpkt.service"
sed "s|=/usr/local/|=$d/usr/local/|" "$MUNIT" >"$tmp/nf_tpkt-monitor.service"
out=$(MANPATH=$d/usr/local/share/man systemd-analyze verify "$tmp/nf_tpkt-monitor.service" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok monitor-unit-verify
else
	ko monitor-unit-verify "rc $rc: $out"
fi
# its command line is one tpktctl takes: not a usage error (2), but no
# journald here (1), or waiting for the module (still running after 3 s)
mexec=$(sed -n 's|^ExecStart=/usr/local/|'"$d"'/usr/local/|p' "$MUNIT")
out=$(timeout 3 $mexec 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q 'systemd-journald is not running' <<<"$out" || [ $rc -eq 124 ]; then
	ok monitor-unit-args
else
	ko monitor-unit-args "rc $rc: $out"
fi
# the hardening leaves what the monitor needs, and takes away the rest
# ("systemd-analyze security": 1.7 when this was written; 10 is none)
exposure=$(systemd-analyze security --offline=true "$tmp/nf_tpkt-monitor.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for nf_tpkt-monitor.service: \([0-9.]*\).*/\1/p')
check monitor-unit-exposure awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'
for want in "CapabilityBoundingSet=CAP_NET_ADMIN" "AmbientCapabilities=CAP_NET_ADMIN" \
	    "RestrictAddressFamilies=AF_NETLINK AF_UNIX" "DynamicUser=yes" \
	    "NoNewPrivileges=yes" "ProtectSystem=strict" "Restart=on-failure" \
	    "Type=notify" "Wants=nf_tpkt.service" "After=nf_tpkt.service"; do
	grep -qxF "$want" "$MUNIT" || { echo "    nf_tpkt-monitor.service: no $want"; missing=1; }
done
check monitor-unit-settings [ -z "${missing:-}" ]
# neither would let it see the host's events
check monitor-unit-host-netns not grep -qE '^(PrivateNetwork|PrivateUsers)=yes' "$MUNIT"

same udev-rule "ACTION==\"add\", SUBSYSTEM==\"module\", KERNEL==\"nf_tpkt\", TEST==\"/run/systemd/system\", 	RUN+=\"/bin/systemctl --no-block try-reload-or-restart nf_tpkt.service\"" \
	"$(grep -v '^#' "$RULES" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}')"

# ---- the example configuration --------------------------------------------

# parse_ok FILE: every line accepted, so the apply fails only at the kernel
parse_ok() {
	local out rc
	out=$("$TPKTCTL" -b "$1" 2>&1)
	rc=$?
	[ $rc -eq 1 ] && grep -q 'nf_tpkt is not loaded' <<<"$out" ||
		{ echo "    $1: rc $rc: $out"; return 1; }
}
check conf-parses parse_ok "$d/etc/nf_tpkt.conf"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	echo "${line#\#}" >"$tmp/alt$n.conf"
	check "conf-example-$n" parse_ok "$tmp/alt$n.conf"
done < <(grep '^#set ' "$d/etc/nf_tpkt.conf")
check conf-has-examples [ $n -ge 5 ]
# and parse_ok does notice a bad line
echo 'set mode sideways' >"$tmp/badconf"
check conf-check-can-fail not parse_ok "$tmp/badconf" >/dev/null

# every module parameter in the modprobe.d example, and nothing else
params=$(sed -n 's/^module_param(\([a-z_]*\),.*/\1/p; s/^module_param_named(\([a-z_]*\),.*/\1/p' \
	"$TOP"/kmod/*.c | LC_ALL=C sort)
shown=$(sed -n 's/^#options nf_tpkt //p' "$d/etc/modprobe.d/nf_tpkt.conf" |
	tr ' ' '\n' | sed -n 's/=.*//p' | LC_ALL=C sort)
same modprobe-example-params "$params" "$shown"
check modprobe-example-inactive not grep -q '^[[:space:]]*options' \
	"$d/etc/modprobe.d/nf_tpkt.conf"

# ---- bash completion -------------------------------------------------------

COMP=$d/usr/local/share/bash-completion/completions/tpktctl
check completion-syntax bash -n "$COMP"

# accepted WORDS...: the list tpktctl's message for WORDS says it expects
accepted() {
	"$TPKTCTL" "$@" 2>&1 | sed -e 's/.*expected //' -e 's/.*possible for //' \
		-e 's/a comma-separated list of //' -e 's/ or /, /' -e 's/ and /, /' |
		tr -d ' ' | tr ',' '\n' | LC_ALL=C sort
}

verbs=$("$TPKTCTL" help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | LC_ALL=C sort)
same completion-verbs "$verbs" "$(comp '')"
check completion-verbs-known bash -c 'for v in show set stats flows monitor batch save inspect help; do
	grep -qx $v <<<"$1" || exit 1; done' x "$(comp '')"
same completion-verbs-after-options "$verbs" "$(comp -j -n ns1 '')"
same completion-options "$(printf '%s\n' -V -b -h -j -n -p --batch --help --json --netns --pretty --version | LC_ALL=C sort)" \
	"$(comp -)"
words=$(accepted set frobnicate)
same completion-policy-words "$words" "$(comp set '')"
same completion-policy-words-left "$(grep -vx mode <<<"$words")" \
	"$(comp set mode normalize '')"
same completion-modes "$(accepted set mode x)" "$(comp set mode '')"
same completion-ooo "$(accepted set ooo x)" "$(comp set ooo '')"
same completion-pickup "$(accepted set pickup x)" "$(comp set pickup '')"
same completion-full "$(accepted set full x)" "$(comp set full '')"
same completion-hooks "$(accepted set hooks x)" "$(comp set hooks '')"
same completion-hooks-list "$(printf 'forward,input\nforward,output')" \
	"$(comp set hooks forward,)"
checks=$(accepted set check x count)
same completion-checks "$checks" "$(comp set check '')"
actions=$(accepted set check tpkt-reserved x)
fixable=$(accepted set check tpkt-version fix)
act_ok=0
for c in $checks; do
	if grep -qx "$c" <<<"$fixable"; then want=$actions; else want=$(grep -vx fix <<<"$actions"); fi
	[ "$want" = "$(comp set check "$c" '')" ] || { echo "    check $c: $(comp set check "$c" '' | tr '\n' ' ')"; act_ok=1; }
done
check completion-check-actions [ $act_ok -eq 0 ] && [ "$(wc -l <<<"$fixable")" -ge 1 ]
same completion-stats reset "$(comp stats '')"
same completion-stats-options "$(printf '%s\n' --all --output -a -o)" "$(comp stats -)"
same completion-stats-options-left "$(printf '%s\n' --output -o)" "$(comp stats -a -)"
same completion-save "" "$(comp save '')"
same completion-flows flush "$(comp flows '')"
same completion-monitor "$(printf '%s\n' --output --timestamp --wait -o -t -w)" "$(comp monitor '')"
same completion-monitor-once "$(printf '%s\n' --output --wait -o -w)" "$(comp monitor -t '')"
same completion-monitor-long --timestamp "$(comp -j monitor --t)"
same completion-monitor-outputs "$(printf '%s\n' journal json text)" "$(comp monitor -o '')"
same completion-monitor-all-given "" "$(comp monitor -o journal --wait -t '')"
same completion-help "$verbs" "$(comp help '')"
same completion-inspect-skips-fix "$(accepted set mode x)" \
	"$(comp inspect --fix out.pcap mode '')"
same completion-inspect-skips-filter "$(accepted set mode x)" \
	"$(comp inspect -f 'port 102' --merge mode '')"
# every option offered is one that inspect --help documents, and back
same completion-inspect-options \
	"$("$TPKTCTL" inspect --help | grep -o -- '^  -[-a-z, ]*' | tr ', ' '\n\n' | grep -- '^-' | sort)" \
	"$(comp inspect - | grep -vx -- -- | sort)"
mkdir -p "$tmp/cwd" && touch "$tmp/cwd/mode-capture.pcap"
same completion-batch-file mode-capture.pcap "$(cd "$tmp/cwd" && comp -b '')"
same completion-batch-check "$(printf '%s\n' --check -c)" "$(comp batch -)"
same completion-batch-check-file mode-capture.pcap "$(cd "$tmp/cwd" && comp batch -c '')"
same completion-batch-file-verb mode-capture.pcap "$(cd "$tmp/cwd" && comp batch '')"
same completion-inspect-after-dashes mode-capture.pcap \
	"$(cd "$tmp/cwd" && comp inspect -- mo)"
same completion-inspect-words-and-files "$(printf 'mode\nmode-capture.pcap')" \
	"$(cd "$tmp/cwd" && comp inspect mo)"

# ---- again, then uninstall ---------------------------------------------------

echo "set mode enforce   # edited" >>"$d/etc/nf_tpkt.conf"
edited=$(cat "$d/etc/nf_tpkt.conf")
out=$(mk "$d" install 2>&1)
if grep -q "keeping $d/etc/nf_tpkt.conf" <<<"$out" &&
   [ "$(cat "$d/etc/nf_tpkt.conf")" = "$edited" ]; then
	ok reinstall-keeps-conf
else
	ko reinstall-keeps-conf "$out"
fi

out=$(mk "$d" uninstall 2>&1)
same uninstall-keeps-edited-only etc/nf_tpkt.conf "$(files "$d")"
check uninstall-says-kept grep -q "keeping $d/etc/nf_tpkt.conf: it was edited" <<<"$out"

# ---- PREFIX=/usr -----------------------------------------------------------------

d=$tmp/usr
mk "$d" PREFIX=/usr install >/dev/null 2>&1
same prefix-files "$(sed 's|usr/local/|usr/|' <<<"$ALL" | LC_ALL=C sort)" "$(files "$d")"
check prefix-unit grep -qx 'ExecStart=/usr/sbin/tpktctl -b /etc/nf_tpkt.conf' \
	"$d/usr/lib/systemd/system/nf_tpkt.service"
check prefix-monitor-unit grep -qx 'ExecStart=/usr/sbin/tpktctl monitor -o journal --wait' \
	"$d/usr/lib/systemd/system/nf_tpkt-monitor.service"
mk "$d" PREFIX=/usr uninstall >/dev/null 2>&1
same prefix-uninstall-removes-all "" "$(files "$d")"

# ---- signing needs a key ---------------------------------------------------------

d=$tmp/sign
out=$(mk "$d" install-module SIGN_KEY="$tmp/no-such.key" SIGN_CERT="$tmp/no-such.der" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q 'signing needs SIGN_KEY and SIGN_CERT' <<<"$out" &&
	[ -z "$(files "$d" 2>/dev/null)" ] && ok sign-without-key-refused ||
	ko sign-without-key-refused "rc $rc: $out"

# ---- DKMS source tree --------------------------------------------------------------

d=$tmp/dkms
mk "$d" dkms-src >/dev/null 2>&1
src=$d/usr/src/nf_tpkt-$VERSION
want=$( (cd "$TOP" && ls kmod/*.c kmod/*.h kmod/Kbuild; find include ! -type d;
	echo dkms.conf; echo VERSION) | LC_ALL=C sort)
same dkms-tree "$want" "$(files "$src")"
check dkms-include-same diff -r "$TOP/include" "$src/include"
check dkms-version-same cmp -s "$TOP/VERSION" "$src/VERSION"
check dkms-conf-syntax bash -n "$src/dkms.conf"
conf=$(kernel_source_dir=/KSRC dkms_tree=/TREE bash -c '. "$1"
	echo "$PACKAGE_NAME $PACKAGE_VERSION ${BUILT_MODULE_NAME[0]} ${BUILT_MODULE_LOCATION[0]} $AUTOINSTALL"
	echo "$MAKE"' x "$src/dkms.conf")
same dkms-conf "nf_tpkt $VERSION nf_tpkt kmod/ yes
make -C /KSRC M=/TREE/nf_tpkt/$VERSION/build/kmod modules" "$conf"
check version-format grep -qxE '[0-9]+\.[0-9]+\.[0-9]+' "$TOP/VERSION"
out=$(mk "$tmp/x" install-dkms 2>&1)
check install-dkms-refuses-destdir grep -q 'DESTDIR is for dkms-src only' <<<"$out"

finish install
