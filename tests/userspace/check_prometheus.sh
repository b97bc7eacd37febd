#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# "tpktctl stats -o prometheus" on the host: the formatter's expositions
# (written by the cmocka test, no kernel needed) pass promtool's parser and
# linter without a word, promtool does catch the faults this relies on it
# for, and the command line refuses what it should before the kernel.
# The VM suite (t_prometheus) runs promtool on the module's real output.
set -u
TPKTCTL=${TPKTCTL:-build/tpktctl}
UNIT=$(dirname "$TPKTCTL")/unit/test_prometheus
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v promtool >/dev/null || { echo "promtool missing: run make deps" >&2; exit 1; }
[ -x "$UNIT" ] || { echo "$UNIT not built" >&2; exit 1; }

# promtool check metrics: any output at all is a finding
clean() {
	local out rc
	out=$(promtool check metrics <"$2" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "$1"; else ko "$1" "exit $rc: $out"; fi
}

# the same, but promtool must complain with PATTERN
finds() {
	local out rc
	out=$(promtool check metrics <"$3" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qE -- "$2" <<<"$out"; then ok "$1"; else ko "$1" "exit $rc: $out"; fi
}

"$UNIT" --write-samples "$tmp" || { echo "cannot write the samples" >&2; exit 1; }
n=0
for f in "$tmp"/*.prom; do
	clean "promtool-$(basename "$f" .prom)" "$f"
	n=$((n + 1))
done
[ $n -eq 4 ] && ok samples-written || ko samples-written "$n files"

# The samples hold what they should, so a clean promtool means something.
s=$tmp/netns.prom
grep -qx 'nf_tpkt_anomalies_total{netns="gw-1",check="tpkt-reserved"} 200' "$s" &&
	grep -qx 'nf_tpkt_policy_info{netns="gw-1",mode="enforce",pickup="strict",ooo="drop",full="fail-open"} 1' "$s" &&
	[ "$(grep -c '^# TYPE ' "$s")" = 29 ] && ok sample-content || ko sample-content
grep -qx 'nf_tpkt_packets_total{netns="gw"} 18446744073709551615' "$tmp/max.prom" &&
	ok sample-u64-max || ko sample-u64-max

# promtool catches what the formatter is careful about
sed 's/nf_tpkt_packets_total/nf_tpkt_packets/' "$tmp/policy.prom" >"$tmp/bad1"
finds promtool-sees-no-total '_total" suffix' "$tmp/bad1"
grep -v '^# HELP nf_tpkt_bytes_total' "$tmp/policy.prom" >"$tmp/bad2"
finds promtool-sees-no-help 'no help text' "$tmp/bad2"
sed 's/netns="gw-1"/netns="g"w"/' "$tmp/netns.prom" >"$tmp/bad3"
finds promtool-sees-bad-quote 'parsing error' "$tmp/bad3"

expect cli-format-unknown 2 'unknown output format "yaml": expected text, json or prometheus' -- stats -o yaml
expect cli-format-missing 2 'missing value for --output' -- stats --output
expect cli-json-and-prom 2 '-j and -o prometheus contradict' -- -j stats -o prometheus
expect cli-two-formats 2 'unexpected word "-o"' -- stats -o json -o text
expect cli-reset-twice 2 'unexpected word "reset"' -- stats reset -o prometheus reset
expect cli-usage 0 'stats \[reset\] \[-a\|--all\] \[-o text\|json\|prometheus\]' -- stats --help
# words accepted, then the kernel is needed (this machine has no module)
expect cli-prom-not-loaded 1 'nf_tpkt is not loaded' -- stats -o prometheus
expect cli-reset-prom-not-loaded 1 'nf_tpkt is not loaded' -- stats --output prometheus reset
expect cli-json-word-not-loaded 1 'nf_tpkt is not loaded' -- -j stats -o json

# the bash completion offers the formats (packaging/, as installed)
COMP=$(dirname "$0")/../../packaging/tpktctl.bash-completion
# what comp offers, on one line
compw() { comp "$@" | tr '\n' ' '; }
if [ -f "$COMP" ]; then
	same completion-formats "json prometheus text " "$(compw stats -o '')"
	same completion-formats-long "prometheus " "$(compw -n gw stats reset --output pr)"
	same completion-options "--all --output -a -o " "$(compw stats reset -)"
	same completion-reset-once "" "$(compw stats reset '')"
	same completion-output-once "--all -a " "$(compw stats -o json -)"
	same completion-all-once "" "$(compw stats -a -o json -)"
	same completion-nothing-left "" "$(compw stats -o json reset '')"
	# every format offered is one tpktctl takes
	for f in $(compw stats -o ''); do
		out=$("$TPKTCTL" stats -o "$f" 2>&1)
		grep -q 'unknown output format' <<<"$out" && ko "completion-format-$f" "$out" ||
			ok "completion-format-$f"
	done
else
	ko completion "$COMP missing"
fi

finish prometheus
