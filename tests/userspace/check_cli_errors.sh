#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# tpktctl's netlink verbs on a machine without the module: every error a
# person can meet before the kernel is reached, with its exit code and the
# words of its message.  (This build machine's kernel cannot load modules,
# so "not loaded" is real here; the VM suite covers the verbs against the
# module.)
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if "$TPKTCTL" show >/dev/null 2>&1; then
	echo "nf_tpkt is loaded here: the not-loaded checks cannot run" >&2
	exit 1
fi

expect not-loaded-show 1 '^tpktctl: nf_tpkt is not loaded: run modprobe nf_tpkt$' -- show
expect not-loaded-stats 1 'nf_tpkt is not loaded: run modprobe nf_tpkt' -- -j stats
expect not-loaded-set 1 'nf_tpkt is not loaded' -- set mode normalize
expect not-loaded-flows 1 'nf_tpkt is not loaded' -- flows flush
expect not-loaded-monitor 1 'nf_tpkt is not loaded' -- monitor
expect unknown-netns 1 'unknown network namespace "no-such-ns"' -- -n no-such-ns show
expect bad-netns-name 1 'bad network namespace name' -- -n ../etc show
expect set-nothing 2 'set: nothing to set' -- set
expect set-bad-mode 2 '"sideways".*mode.*off, monitor, normalize(,| or) enforce' -- set mode sideways
expect set-bad-check 2 'frobnicate' -- set check frobnicate count
expect set-fix-not-fixable 2 'fix' -- set check tpkt-version fix
expect set-missing-value 2 'mode' -- set mode
expect set-bad-port 2 'ports' -- set ports 0
expect set-reversed-range 2 'ports' -- set ports 200-100
expect set-unknown-word 2 'loudly' -- set loudly
expect stats-extra 2 'stats: unexpected word "now"' -- stats now
expect flows-extra 2 'flows: unexpected word "all"' -- flows all
expect show-extra 2 'show: unexpected word' -- show everything
expect monitor-extra 2 'monitor: unexpected word' -- monitor -x
expect monitor-extra-after-t 2 'monitor: unexpected word "now" \(usage: tpktctl monitor \[-t\|--timestamp\]\)' -- monitor -t now
expect not-loaded-monitor-t 1 'nf_tpkt is not loaded' -- monitor --timestamp
expect unknown-verb 2 'unknown verb "frobnicate"' -- frobnicate
expect batch-no-file 2 'batch: expected one file' -- batch
expect batch-missing 1 'cannot read .*/nonexistent' -- batch "$tmp/nonexistent"

printf 'set mode normalize\n# fine\nset mode sideways\n' >"$tmp/bad.conf"
expect batch-bad-line 2 "$tmp/bad.conf:3" -- -b "$tmp/bad.conf"
printf 'set mode normalize\nreboot now\n' >"$tmp/verb.conf"
expect batch-bad-verb 2 "$tmp/verb.conf:2: \"reboot\" cannot be batched" -- batch "$tmp/verb.conf"
printf '# only comments\n\n' >"$tmp/empty.conf"
expect batch-empty 0 '' -- batch "$tmp/empty.conf"
printf 'set mode normalize\nstats reset\n' >"$tmp/good.conf"
expect batch-valid-not-loaded 1 'nf_tpkt is not loaded' -- batch "$tmp/good.conf"
expect help-set 0 'set' -- set --help
expect version 0 "^tpktctl $(cat "$(dirname "$0")/../../VERSION")\$" -- --version

finish "cli errors"
