# SPDX-License-Identifier: GPL-2.0
# Installation, sourced by suite.sh: make install and uninstall, the
# systemd unit's commands as systemd would run them, a signed install, and
# the Debian packages with DKMS, on the kernel the guest runs.
#
# virtme-ng overlays /etc, /lib, /usr, /var and /tmp in the guest, so what
# these tests install is writable there and never reaches the host.  They
# install from a copy of the tree in /tmp (/work is read only) holding the
# tpktctl and nf_tpkt.ko the host built; each test unloads the module the
# suite loaded and loads it again from build/ at the end.
#
# depmod reads every module of the kernel, and over the guest's 9p root
# under TCG that takes three minutes (two seconds natively).  So for the
# length of each test /lib/modules/KVER is a tree of its own holding only
# the modules nf_tpkt needs (and the build link for DKMS): make install,
# depmod, modprobe and dkms run unchanged, over 3 modules instead of 4000.

INST_SRC=/tmp/nf_tpkt-src
INST_UNIT=/usr/local/lib/systemd/system/nf_tpkt.service
INST_RULES=/usr/local/lib/udev/rules.d/60-nf_tpkt.rules
INST_CTL=/usr/local/sbin/tpktctl
INST_KO=/lib/modules/$(uname -r)/updates/nf_tpkt.ko
INST_FILES=("$INST_CTL" "$INST_UNIT" "$INST_RULES" "$INST_KO"
	    /usr/local/share/man/man8/tpktctl.8
	    /usr/local/share/bash-completion/completions/tpktctl
	    /etc/nf_tpkt.conf /etc/modprobe.d/nf_tpkt.conf)

# inst_prepare: a guest with nothing of nf_tpkt installed, the module
# unloaded, and the tree copied.
inst_prepare() {
	local d f
	# (/lib/modules/KVER need not be: inst_modtree mounts a tree over it)
	for d in /usr/local/sbin /etc /usr/src /var/lib; do
		touch "$d/.nf_tpkt-w" 2>/dev/null && rm -f "$d/.nf_tpkt-w" ||
			{ log "$d is not writable in the guest (virtme-ng overlays)"; return 1; }
	done
	for f in "${INST_FILES[@]}"; do
		[ ! -e "$f" ] || { log "already installed: $f"; return 1; }
	done
	if modinfo -n nf_tpkt >/dev/null 2>&1; then
		log "modprobe already finds $(modinfo -n nf_tpkt)"
		return 1
	fi
	if module_loaded; then
		unload_module || return 1
	fi
	inst_modtree || return 1
	rm -rf "$INST_SRC"
	mkdir -p "$INST_SRC"
	(cd "$ROOT" && tar -cf - Makefile VERSION packaging Documentation kmod \
		include userspace build/tpktctl "build/kmod-$(uname -r)/nf_tpkt.ko") |
		tar -C "$INST_SRC" -xf - || return 1
	# what is installed is what the suite tested, even if a source changed
	# since (rebuilding tpktctl here takes minutes)
	touch "$INST_SRC/build/tpktctl"
}

INST_MODS=/tmp/nf_tpkt-modules

# inst_modtree: the small /lib/modules/KVER, mounted over the real one
inst_modtree() {
	local kv m t f dep todo more
	kv=$(uname -r)
	m=/lib/modules/$kv
	t=$INST_MODS/$kv
	rm -rf "$INST_MODS"
	mkdir -p "$t"
	cp "$m"/modules.order "$m"/modules.builtin "$m"/modules.builtin.modinfo "$t"/ || return 1
	ln -s "$(readlink -f "$m/build")" "$t/build"
	# nf_tpkt's dependencies, and theirs
	read -ra todo <<<"$(modinfo -F depends "$KO" | tr , ' ')"
	while [ ${#todo[@]} -gt 0 ]; do
		dep=${todo[0]}
		todo=("${todo[@]:1}")
		f=$(modinfo -k "$kv" -n "$dep") || { log "no module $dep"; return 1; }
		[ -e "$t/${f#"$m"/}" ] && continue
		mkdir -p "$(dirname "$t/${f#"$m"/}")"
		cp "$f" "$t/${f#"$m"/}" || return 1
		read -ra more <<<"$(modinfo -F depends "$f" | tr , ' ')"
		todo+=("${more[@]}")
	done
	mount --bind "$t" "$m" || return 1
	depmod -a "$kv"
}

# inst_cleanup: the guest as inst_prepare found it, whatever failed
inst_cleanup() {
	local f m
	module_loaded && modprobe -r nf_tpkt
	for f in "${INST_FILES[@]}"; do
		[ -e "$f" ] || continue
		log "cleaning up after a failure"
		make -C "$INST_SRC" uninstall >/dev/null 2>&1
		rm -f /etc/nf_tpkt.conf /etc/modprobe.d/nf_tpkt.conf
		break
	done
	[ -z "$(dkms status nf_tpkt 2>/dev/null)" ] ||
		make -C "$INST_SRC" uninstall-dkms >/dev/null 2>&1
	rm -rf "$INST_SRC"
	m=/lib/modules/$(uname -r)
	if mountpoint -q "$m"; then
		# udevd keeps the module index it read open: make it let go,
		# or at least detach the tree from it
		udevadm control --reload 2>/dev/null
		umount "$m" 2>/dev/null || umount -l "$m" ||
			{ log "cannot unmount $m"; return 1; }
	fi
	rm -rf "$INST_MODS"
	load_module
}

# unit_run SETTING: run the unit's ExecSETTING= lines in order, as systemd
# would: a "-" prefix ignores the command's failure.  (The unit's commands
# need no quoting, so plain word splitting does.)
unit_run() {
	local line cmd ignore argv
	while IFS= read -r line; do
		cmd=${line#*=}
		ignore=
		[ "${cmd#-}" = "$cmd" ] || { ignore=1; cmd=${cmd#-}; }
		read -ra argv <<<"$cmd"
		log "Exec$1: ${argv[*]}"
		"${argv[@]}" || [ -n "$ignore" ] || { log "failed: ${argv[*]}"; return 1; }
	done < <(grep "^Exec$1=" "$INST_UNIT")
	grep -q "^Exec$1=" "$INST_UNIT"
}

# policy_is KEY=VALUE...: the host namespace's policy, per the installed
# tpktctl's "show -j" (checks.NAME for a check's action)
policy_is() {
	"$INST_CTL" -j show | python3 -c '
import json, sys
p = json.load(sys.stdin)["policy"]
bad = []
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    got = p["checks"][k[7:]] if k.startswith("checks.") else p[k]
    if str(got) != v:
        bad.append("%s is %s, not %s" % (k, got, v))
if bad:
    print("    policy: " + "; ".join(bad))
    sys.exit(1)' "$@"
}

# loaded_from FILE: the loaded nf_tpkt is the one in FILE
loaded_from() {
	[ "$(cat /sys/module/nf_tpkt/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$1")" ] ||
		{ log "loaded nf_tpkt is not $1"; return 1; }
}

# udev_runs: the programs udev would run for nf_tpkt's "add" event
udev_runs() {
	udevadm test --action=add /sys/module/nf_tpkt 2>/dev/null | sed -n "s/^run: '\(.*\)'$/\1/p"
}

t_install() {
	local ok=0 f t0 kv run_sd=
	kv=$(uname -r)
	inst_prepare || { inst_cleanup; return 1; }
	t0=$(date +%s)
	make -C "$INST_SRC" install >"$OUT/install.log" 2>&1 ||
		{ tail -n 20 "$OUT/install.log"; inst_cleanup; return 1; }
	log "make install: $(( $(date +%s) - t0 )) s"
	for f in "${INST_FILES[@]}"; do
		[ -f "$f" ] || { log "not installed: $f"; ok=1; }
	done
	[ "$(modinfo -n nf_tpkt 2>&1)" = "$INST_KO" ] ||
		{ log "modprobe finds $(modinfo -n nf_tpkt 2>&1), not $INST_KO"; ok=1; }

	# boot: the unit's start commands, the shipped example conf
	unit_run Start || ok=1
	loaded_from "$INST_KO" || ok=1
	policy_is mode=normalize ports=102 hooks=forward checks.tpkt-reserved=fix || ok=1

	# systemctl reload: an edited conf
	cat >/etc/nf_tpkt.conf <<-EOF
	# the operator's
	set mode enforce ports 102,3000-3002
	set timeout 300 pickup loose
	set check cotp-li count
	EOF
	unit_run Reload || ok=1
	policy_is mode=enforce ports=102,3000-3002 timeout=300 pickup=loose \
		checks.cotp-li=count checks.tpkt-reserved=fix || ok=1

	# the udev rule asks systemd (and only a running systemd) to reload
	# the unit when the module appears
	[ -z "$(udev_runs)" ] || { log "without systemd, udev runs: $(udev_runs)"; ok=1; }
	[ -d /run/systemd/system ] || { mkdir -p /run/systemd/system; run_sd=1; }
	[ "$(udev_runs)" = "/bin/systemctl --no-block try-reload-or-restart nf_tpkt.service" ] ||
		{ log "with systemd, udev runs: $(udev_runs)"; ok=1; }
	[ -z "$run_sd" ] || rmdir /run/systemd/system

	# systemctl restart: module options from modprobe.d, then the conf
	echo "options nf_tpkt max_flows=1000 event_rate=7" >>/etc/modprobe.d/nf_tpkt.conf
	unit_run Stop || ok=1
	! module_loaded || { log "still loaded after ExecStop"; ok=1; }
	unit_run Start || ok=1
	[ "$(cat /sys/module/nf_tpkt/parameters/max_flows)" = 1000 ] || ok=1
	policy_is max_flows=1000 event_rate=7 mode=enforce timeout=300 || ok=1

	# installing again keeps what the operator wrote
	cp /etc/nf_tpkt.conf "$OUT/conf.before"
	make -C "$INST_SRC" install >"$OUT/install2.log" 2>&1 || ok=1
	cmp -s /etc/nf_tpkt.conf "$OUT/conf.before" || { log "conf overwritten"; ok=1; }
	grep -q max_flows=1000 /etc/modprobe.d/nf_tpkt.conf || { log "modprobe.d overwritten"; ok=1; }

	unit_run Stop || ok=1
	make -C "$INST_SRC" uninstall >"$OUT/uninstall.log" 2>&1 || ok=1
	for f in "${INST_FILES[@]}"; do
		case $f in
		/etc/*) [ -f "$f" ] || { log "edited $f removed"; ok=1; } ;;
		*) [ ! -e "$f" ] || { log "left behind: $f"; ok=1; } ;;
		esac
	done
	if modprobe -n nf_tpkt 2>/dev/null || modinfo nf_tpkt >/dev/null 2>&1; then
		log "modprobe still finds nf_tpkt after uninstall"
		ok=1
	fi
	rm -f /etc/nf_tpkt.conf /etc/modprobe.d/nf_tpkt.conf
	inst_cleanup
	return $ok
}

# Secure Boot's way: the installed module signed with the operator's key.
# This kernel does not insist on signatures, so it loads unverified; what
# is checked is the signature make install appended.
t_install_signed() {
	local ok=0 key=/tmp/nf_tpkt-mok
	inst_prepare || { inst_cleanup; return 1; }
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -outform DER \
		-subj "/CN=nf_tpkt test MOK/" -keyout "$key.priv" -out "$key.der" \
		>/dev/null 2>&1 || { log "openssl failed"; inst_cleanup; return 1; }
	make -C "$INST_SRC" install-module SIGN_KEY="$key.priv" SIGN_CERT="$key.der" \
		>"$OUT/install-signed.log" 2>&1 ||
		{ tail -n 20 "$OUT/install-signed.log"; ok=1; }
	[ "$(modinfo -F signer "$INST_KO")" = "nf_tpkt test MOK" ] ||
		{ log "signer: $(modinfo -F signer "$INST_KO")"; ok=1; }
	# the build's copy stays unsigned
	[ -z "$(modinfo -F signer "$KO")" ] || { log "build/ copy signed"; ok=1; }
	modprobe nf_tpkt && loaded_from "$INST_KO" || ok=1
	modprobe -r nf_tpkt
	make -C "$INST_SRC" uninstall >>"$OUT/install-signed.log" 2>&1 || ok=1
	[ ! -e "$INST_KO" ] || ok=1
	rm -f "$key.priv" "$key.der"
	inst_cleanup
	return $ok
}

# ---- the Debian packages ---------------------------------------------------

DEB_DIR=$B/deb
DEB_PKGS=(tpktctl nf-tpkt-dkms)
DEB_LIBMOD=

# What the packages may touch: listed before they are installed and
# after they are purged, the lists must be the same.  (Not all of /usr,
# and /usr/src only at its top, above the kernel headers: over 9p under
# TCG listing those takes minutes.)
deb_tree() {
	{ find /etc /usr/sbin /usr/share/man/man8 /usr/share/doc \
		/usr/share/bash-completion/completions /lib/systemd/system \
		/lib/udev/rules.d "/lib/modules/$(uname -r)/" /var/lib/dkms \
		/var/lib/systemd
	  find /usr/src -maxdepth 1; } 2>/dev/null | LC_ALL=C sort
}

# deb_installed: those of the packages dpkg knows in any state but purged
deb_installed() {
	dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' "${DEB_PKGS[@]}" 2>/dev/null |
		awk '$1 != "un" && $1 != "pn" { print $2 }'
}

# deb_prepare: inst_prepare, and /lib/modules holding only the running
# kernel's small tree: DKMS builds on installation for the running
# kernel and the newest one in /lib/modules, and the host's other kernels
# are not the guest's to build for (7.3's compiler is in a chroot).  The
# man-db trigger is off: rebuilding the manual index over 9p takes
# minutes and tests nothing of ours.
deb_prepare() {
	[ -z "$(deb_installed)" ] || { log "installed already: $(deb_installed)"; return 1; }
	inst_prepare || return 1
	mount --bind "$INST_MODS" /lib/modules || return 1
	DEB_LIBMOD=1
	[ "$(ls /lib/modules)" = "$(uname -r)" ] || { log "/lib/modules: $(ls /lib/modules)"; return 1; }
	if [ -e /var/lib/man-db/auto-update ]; then
		rm /var/lib/man-db/auto-update
		touch "$OUT/man-db-auto-update"
	fi
}

deb_cleanup() {
	local left
	left=$(deb_installed)
	if [ -n "$left" ]; then
		log "cleaning up after a failure: purging $left"
		# shellcheck disable=SC2086 # package names
		dpkg --purge $left >>"$OUT/dkms.log" 2>&1
	fi
	if [ -n "$DEB_LIBMOD" ]; then
		umount /lib/modules 2>/dev/null || umount -l /lib/modules
		DEB_LIBMOD=
	fi
	[ ! -e "$OUT/man-db-auto-update" ] ||
		{ touch /var/lib/man-db/auto-update; rm "$OUT/man-db-auto-update"; }
	inst_cleanup
}

# conf_policy FILE: what the set lines of FILE make the policy, as
# policy_is wants it (later lines override earlier ones, word by word)
conf_policy() {
	python3 - "$1" <<-'EOF'
	import sys
	want = {}
	for line in open(sys.argv[1]):
	    w = line.split("#")[0].split()
	    if not w or w[0] != "set":
	        continue
	    w = w[1:]
	    while w:
	        if w[0] == "check":
	            want["checks." + w[1]] = w[2]
	            w = w[3:]
	        else:
	            want[w[0].replace("-", "_")] = w[1]
	            w = w[2:]
	print(" ".join("%s=%s" % kv for kv in sorted(want.items())))
	EOF
}

# The packages as an operator installs them (make deb built them on the
# host): apt installs both, nf-tpkt-dkms's postinst has DKMS build and
# install the module for the running kernel, the unit stays disabled; the
# unit's start commands load the module (with its dependencies) and put
# /etc/nf_tpkt.conf in force; remove keeps the edited conffiles, purge
# takes everything, and what the packages may touch is as it was before.
t_dkms() {
	local ok=0 kv ver t0 st ko want before after f u links
	local INST_UNIT=/lib/systemd/system/nf_tpkt.service INST_CTL=/usr/sbin/tpktctl
	kv=$(uname -r)
	ver=$(cat "$ROOT/VERSION")
	command -v dkms >/dev/null || { log "dkms missing: run make deps"; return 1; }
	[ -z "$(dkms status nf_tpkt 2>/dev/null)" ] || { log "dkms has nf_tpkt already"; return 1; }
	for f in "$DEB_DIR/nf-tpkt-dkms_${ver}_all.deb" "$DEB_DIR/tpktctl_${ver}_$(dpkg --print-architecture).deb"; do
		[ -f "$f" ] || { log "no $f: run make deb"; return 1; }
	done
	deb_prepare || { deb_cleanup; return 1; }
	before=$(deb_tree)
	mkdir -p /tmp/nf_tpkt-debs
	cp "$DEB_DIR"/*.deb /tmp/nf_tpkt-debs/

	t0=$(date +%s)
	# everything they depend on is installed (the guest has no network;
	# apt's --no-download refuses local packages)
	(cd /tmp/nf_tpkt-debs && DEBIAN_FRONTEND=noninteractive apt-get install -y \
		-o Dpkg::Use-Pty=0 ./nf-tpkt-dkms_*.deb ./tpktctl_*.deb) \
		>"$OUT/dkms.log" 2>&1 || { tail -n 30 "$OUT/dkms.log"; ok=1; }
	log "apt-get install (DKMS add, build, install): $(( $(date +%s) - t0 )) s"
	[ "$(deb_installed | sort | tr '\n' ' ')" = "nf-tpkt-dkms tpktctl " ] ||
		{ log "installed: $(deb_installed)"; ok=1; }
	# (dkms status has readelf complain about the kernel's build)
	st=$(dkms status nf_tpkt 2>>"$OUT/dkms.log")
	[ "$st" = "nf_tpkt/$ver, $kv, $(uname -m): installed" ] || { log "dkms status: $st"; ok=1; }
	# compressed as the kernel's own modules are (xz on 6.12)
	ko=$(modinfo -n nf_tpkt 2>&1)
	case $ko in
	"/lib/modules/$kv/updates/dkms/nf_tpkt.ko" | "/lib/modules/$kv/updates/dkms/nf_tpkt.ko".[gxz]*) ;;
	*) log "modprobe finds $ko"; ok=1 ;;
	esac
	# installed, not enabled, not started
	links=$(find /etc/systemd/system -name nf_tpkt.service 2>/dev/null)
	[ -z "$links" ] || { log "unit enabled: $links"; ok=1; }
	! module_loaded || { log "loaded by the installation"; ok=1; }

	# boot: the unit's start commands; modprobe alone leaves the module's
	# defaults, which are not the conf's
	want=$(conf_policy /etc/nf_tpkt.conf)
	log "the conf's policy: $want"
	modprobe nf_tpkt || ok=1
	# shellcheck disable=SC2086 # KEY=VALUE words
	! policy_is $want >/dev/null || { log "the defaults are the conf's"; ok=1; }
	unit_run Start || ok=1
	loaded_from "$ko" || ok=1
	# DKMS's make passes no version: Kbuild reads the tree's VERSION
	[ "$(cat /sys/module/nf_tpkt/version 2>&1)" = "$ver" ] ||
		{ log "module version: $(cat /sys/module/nf_tpkt/version 2>&1)"; ok=1; }
	# shellcheck disable=SC2086
	policy_is $want || ok=1
	"$TPKTCTL" show >"$OUT/dkms-show.out" 2>&1 || { cat "$OUT/dkms-show.out"; ok=1; }
	unit_run Stop || ok=1
	! module_loaded || { log "still loaded after ExecStop"; ok=1; }

	# remove: programs and module go, the operator's conffiles stay
	t0=$(date +%s)
	echo "set mode enforce   # the operator's" >>/etc/nf_tpkt.conf
	echo "options nf_tpkt max_flows=1000" >>/etc/modprobe.d/nf_tpkt.conf
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -o Dpkg::Use-Pty=0 "${DEB_PKGS[@]}" \
		>>"$OUT/dkms.log" 2>&1 || ok=1
	st=$(dkms status nf_tpkt 2>>"$OUT/dkms.log")
	[ -z "$st" ] || { log "dkms status after removal: $st"; ok=1; }
	[ ! -e "/usr/src/nf_tpkt-$ver" ] || { log "/usr/src/nf_tpkt-$ver left"; ok=1; }
	if modinfo nf_tpkt >/dev/null 2>&1; then
		log "modprobe still finds $(modinfo -n nf_tpkt)"
		ok=1
	fi
	for f in "$INST_CTL" "$INST_UNIT" /lib/udev/rules.d/60-nf_tpkt.rules; do
		[ ! -e "$f" ] || { log "left after remove: $f"; ok=1; }
	done
	if ! grep -q "the operator's" /etc/nf_tpkt.conf ||
	   ! grep -q max_flows=1000 /etc/modprobe.d/nf_tpkt.conf; then
		log "remove did not keep the edited conffiles"
		ok=1
	fi

	log "apt-get remove, with the checks: $(( $(date +%s) - t0 )) s"

	# purge: nothing left, nothing else changed
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -o Dpkg::Use-Pty=0 "${DEB_PKGS[@]}" \
		>>"$OUT/dkms.log" 2>&1 || ok=1
	[ -z "$(deb_installed)" ] || { log "still known to dpkg: $(deb_installed)"; ok=1; }
	after=$(deb_tree)
	if [ "$before" != "$after" ]; then
		log "purge left the tree changed:"
		diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 20 |
			while IFS= read -r u; do log "  $u"; done
		ok=1
	fi
	log "$(wc -l <<<"$before") paths before installation, the same after purge"
	rm -rf /tmp/nf_tpkt-debs
	deb_cleanup
	return $ok
}

ALL_TESTS+=(install install_signed dkms)
