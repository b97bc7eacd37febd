#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The example alerting rules (packaging/prometheus/nf_tpkt-alerts.yml):
# promtool checks them and runs their unit tests
# (tests/prometheus/nf_tpkt-alerts.test.yml); the tests are shown to fail
# when a rule stops firing; and every series the rules and tests name is
# one that a real "tpktctl stats -o prometheus" writes
# (tests/prometheus/field-report.prom, from the VM suite's t_prometheus).
set -u
. "$(dirname "$0")/lib.sh"
RULES=packaging/prometheus/nf_tpkt-alerts.yml
TESTS=tests/prometheus/nf_tpkt-alerts.test.yml
REAL=tests/prometheus/field-report.prom
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v promtool >/dev/null || { echo "promtool missing: run make deps" >&2; exit 1; }

out=$(promtool check rules "$RULES" 2>&1)
if [ $? -eq 0 ]; then ok "check rules"; else ko "check rules" "$out"; fi
out=$(promtool test rules "$TESTS" 2>&1)
if [ $? -eq 0 ]; then ok "test rules"; else ko "test rules" "$out"; fi

# each rule with its threshold out of reach: its firing case must fail
mkdir -p "$tmp/packaging/prometheus" "$tmp/tests/prometheus"
cp "$TESTS" "$tmp/tests/prometheus/"
for alert in $(sed -n 's/^ *- alert: //p' "$RULES"); do
	python3 - "$RULES" "$alert" >"$tmp/$RULES" <<'PY'
import re, sys
text, alert = open(sys.argv[1]).read(), sys.argv[2]
head, sep, rest = text.partition("- alert: %s\n" % alert)
body, nxt, tail = rest.partition("- alert: ")
# "> 0" and "> 0.9" become out of reach
body2 = re.sub(r"> 0(\.\d+)?", "> 1e12", body)
assert body2 != body, alert
print(head + sep + body2 + nxt + tail, end="")
PY
	out=$(cd "$tmp" && promtool test rules "$TESTS" 2>&1)
	if [ $? -ne 0 ] && grep -q "alertname: $alert," <<<"$out"; then
		ok "test fails without $alert"
	else
		ko "test fails without $alert" "$out"
	fi
done

# names and label sets: the rules' and the tests' against the real output
out=$(python3 - "$RULES" "$TESTS" "$REAL" <<'PY'
import re, sys
rules, tests, real = (open(f).read() for f in sys.argv[1:])
have = {}
for line in real.splitlines():
    m = re.fullmatch(r'(\w+)\{([^}]*)\} \S+', line)
    if m:
        have.setdefault(m.group(1), set()).add(
            frozenset(re.findall(r'(\w+)="', m.group(2))))
bad = []
for name in set(re.findall(r'\bnf_tpkt_\w+', rules)):
    if name not in have:
        bad.append("rule uses %s, not in %s" % (name, sys.argv[3]))
for name, labels in re.findall(r"series: '(\w+)\{([^}]*)\}'", tests):
    keys = frozenset(re.findall(r'(\w+)="', labels)) - {"instance", "job"}
    if keys not in have.get(name, ()):
        bad.append("test series %s{%s} is not one tpktctl writes" % (name, labels))
print("\n".join(bad))
PY
)
if [ -z "$out" ]; then ok "series as tpktctl writes them"; else ko "series as tpktctl writes them" "$out"; fi

finish "prometheus rules"
