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
expect monitor-extra-after-t 2 'monitor: unexpected word "now" \(usage: tpktctl monitor \[-t\|--timestamp\] \[-o text\|json\|journal\] \[-w\|--wait\]\)' -- monitor -t now
expect not-loaded-monitor-t 1 'nf_tpkt is not loaded' -- monitor --timestamp
expect not-loaded-monitor-json 1 '^tpktctl: nf_tpkt is not loaded: run modprobe nf_tpkt$' -- monitor -o json
expect monitor-output-missing 2 'monitor: missing value for -o: expected text, json or journal' -- monitor -o
expect monitor-output-unknown 2 'monitor: unknown output format "prometheus": expected text, json or journal' -- monitor --output prometheus
expect monitor-output-twice 2 'monitor: unexpected word "-o"' -- monitor -o text -o json
expect monitor-json-contradicts 2 'monitor: -j and -o journal contradict each other' -- -j monitor -o journal
expect monitor-json-agrees 1 'nf_tpkt is not loaded' -- -j monitor -o json
expect stats-output-unknown 2 'stats: unknown output format "journal": expected text, json or prometheus' -- stats -o journal
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
# batch -c: checked, never applied, no netlink (the module is not loaded here)
printf '# saved\nset mode normalize\nset timeout 600s\nset event-rate 100/s\nset check tpkt-reserved fix\nstats reset\nflows flush\n' >"$tmp/check.conf"
expect batch-check-good 0 '^$' -- batch -c "$tmp/check.conf"
expect batch-check-long 0 '^$' -- batch --check "$tmp/check.conf"
expect batch-check-example-conf 0 '^$' -- batch -c "$(dirname "$0")/../../packaging/nf_tpkt.conf"
expect batch-check-no-file 2 'batch: expected one file' -- batch -c
# a bad line: one line of error, FILE:LINE: first, the word's own message
out=$("$TPKTCTL" batch -c "$tmp/bad.conf" 2>&1)
rc=$?
same batch-check-bad "2 tpktctl: $tmp/bad.conf:3: bad value \"sideways\" for mode: expected off, monitor, normalize or enforce" \
	"$rc $out"
[ "$(wc -l <<<"$out")" = 1 ] && ok batch-check-bad-one-line || ko batch-check-bad-one-line "$out"
printf 'set mode normalize\nset m off\n' >"$tmp/ambiguous.conf"
expect batch-check-ambiguous 2 "^tpktctl: $tmp/ambiguous.conf:2: ambiguous word \"m\": mode or max-flows\$" -- batch -c "$tmp/ambiguous.conf"
# prefixes: a unique one is the verb or word (the request reaches netlink)
expect prefix-verb-ambiguous 2 '^tpktctl: ambiguous verb "s": show, set, stats or save$' -- s
expect prefix-help-ambiguous 2 '^tpktctl: ambiguous verb "st?": ' -- help s
expect prefix-verb-show 1 'nf_tpkt is not loaded' -- sh
expect prefix-verb-save 1 'nf_tpkt is not loaded' -- sa
expect prefix-words 1 'nf_tpkt is not loaded' -- se mo norm pi l check tpkt-r f
expect prefix-word-ambiguous 2 '^tpktctl: ambiguous word "p": ports or pickup$' -- set p 102
expect prefix-value-ambiguous 2 '^tpktctl: ambiguous value "f" for full: fail-open or fail-closed$' -- set full f
expect prefix-longer-than-name 2 'unknown verb "shows"' -- shows
expect set-old-units 1 'nf_tpkt is not loaded' -- set timeout 600s event-rate 100/s
# -p is an option of its own, that -j output takes
expect pretty 1 'nf_tpkt is not loaded' -- -j -p show
expect pretty-long 1 'nf_tpkt is not loaded' -- --pretty -j stats
expect save-not-loaded 1 'nf_tpkt is not loaded' -- save
expect save-extra 2 'save: unexpected word "now"' -- save now
expect stats-all-twice 2 'stats: unexpected word "--all"' -- stats -a --all
expect help-set 0 'set' -- set --help
expect version 0 "^tpktctl $(cat "$(dirname "$0")/../../VERSION")\$" -- --version

finish "cli errors"
