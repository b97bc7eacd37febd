# SPDX-License-Identifier: GPL-2.0
# The CLI round trip, against the module: what show prints and what save
# writes give, fed back to set and batch, the policy they were taken from.
# Sourced by suite.sh (lib.sh is loaded).  It works in a namespace of its
# own, rt, whose fresh policy is the module's defaults.

# rt_policy FILE: the policy part of show -j in rt, as sorted JSON
rt_policy() {
	policy_of rt >"$1"
}

# roundtrip_policies N SEED: N random valid policies as set words, one a
# line, every field given in some, a few in others
roundtrip_policies() {
	python3 - "$1" "$2" <<'PY'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
checks = ["tpkt-reserved", "tpkt-version", "tpkt-length", "cotp-li",
          "cotp-code", "cotp-class-tpdu", "cotp-class-option", "cotp-param",
          "cotp-oversize", "desync"]
fixable = {"tpkt-reserved", "cotp-class-option"}
def ports():
    out = []
    for _ in range(r.randint(1, 16)):
        a, b = sorted((r.randint(1, 65535), r.randint(1, 65535)))
        out.append(str(a) if r.random() < 0.5 else "%d-%d" % (a, b))
    return ",".join(out)
fields = {
    "mode": lambda: r.choice(["off", "monitor", "normalize", "enforce"]),
    "ports": ports,
    "hooks": lambda: ",".join(r.sample(["forward", "input", "output"],
                                       r.randint(1, 3))),
    "max-flows": lambda: str(r.choice([1, 77, 65536, 16777216,
                                       r.randint(1, 16777216)])),
    "timeout": lambda: str(r.choice([1, 86400, r.randint(1, 86400)])),
    "full": lambda: r.choice(["fail-open", "fail-closed"]),
    "pickup": lambda: r.choice(["strict", "loose"]),
    "ooo": lambda: r.choice(["hold", "drop", "pass"]),
    "event-rate": lambda: str(r.choice([0, 100000, r.randint(0, 100000)])),
}
for i in range(n):
    words = []
    for k in fields:
        if i % 2 == 0 or r.random() < 0.3:
            words += [k, fields[k]()]
    for c in checks:
        if i % 2 == 0 or r.random() < 0.3:
            acts = ["ignore", "count", "drop"] + (["fix"] if c in fixable else [])
            words += ["check", c, r.choice(acts)]
    if not words:
        words = ["mode", "monitor"]
    print(" ".join(words))
PY
}

t_roundtrip() {
	local ok=0 d=$OUT/roundtrip i=0 words
	mkdir -p "$d"
	ip netns del rt 2>/dev/null
	ip netns add rt || return 1
	# a fresh namespace has the defaults: saved, they are the reset
	"$TPKTCTL" -n rt save >"$d/defaults.conf" || { ip netns del rt; return 1; }
	head -1 "$d/defaults.conf" | grep -q "^# nf_tpkt policy, saved by tpktctl $(cat "$ROOT/VERSION") from network namespace rt\$" ||
		{ log "save header: $(head -1 "$d/defaults.conf")"; ok=1; }
	[ "$(grep -c '^set ' "$d/defaults.conf")" = 19 ] ||
		{ log "save: not one line per field and check: $(cat "$d/defaults.conf")"; ok=1; }
	"$TPKTCTL" batch -c "$d/defaults.conf" || { log "save output fails batch -c"; ok=1; }
	rt_policy "$d/default.json"
	# nothing happened in rt: stats has nothing to say, stats -a everything
	[ -z "$("$TPKTCTL" -n rt stats)" ] || { log "stats of a quiet namespace: $("$TPKTCTL" -n rt stats)"; ok=1; }
	[ "$("$TPKTCTL" -n rt stats -a | wc -l)" -gt 20 ] || { log "stats -a"; ok=1; }
	# -p: the same document, indented
	"$TPKTCTL" -n rt -j show | python3 -c '
import json, subprocess, sys
plain = sys.stdin.read()
pretty = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
assert plain.count("\n") == 1 and pretty.count("\n") > 10, (plain, pretty)
assert json.loads(plain)["policy"] == json.loads(pretty)["policy"]' \
		"$TPKTCTL" -n rt -j -p show || { log "-p"; ok=1; }
	roundtrip_policies 12 1006 >"$d/policies"
	while read -r words; do
		i=$((i + 1))
		"$TPKTCTL" -n rt -b "$d/defaults.conf" || { log "$i: reset"; ok=1; break; }
		# shellcheck disable=SC2086
		"$TPKTCTL" -n rt set $words || { log "$i: set $words"; ok=1; continue; }
		rt_policy "$d/set-$i.json"
		"$TPKTCTL" -n rt show >"$d/show-$i.txt"
		"$TPKTCTL" -n rt save >"$d/save-$i.conf" || { log "$i: save"; ok=1; continue; }
		# save, reset, restore
		"$TPKTCTL" -n rt -b "$d/defaults.conf"
		rt_policy "$d/reset-$i.json"
		cmp -s "$d/reset-$i.json" "$d/default.json" || { log "$i: reset is not the defaults"; ok=1; }
		"$TPKTCTL" -n rt -b "$d/save-$i.conf" || { log "$i: -b of the saved file"; ok=1; }
		rt_policy "$d/restored-$i.json"
		cmp -s "$d/set-$i.json" "$d/restored-$i.json" ||
			{ log "$i: save does not restore set $words: $(diff "$d/set-$i.json" "$d/restored-$i.json")"; ok=1; }
		# show's text, its counter lines left out, is set's words
		"$TPKTCTL" -n rt -b "$d/defaults.conf"
		# shellcheck disable=SC2046
		"$TPKTCTL" -n rt set $(grep -v '^\(flows\|traffic\|anomalies\):' "$d/show-$i.txt") ||
			{ log "$i: set refuses show's text: $(cat "$d/show-$i.txt")"; ok=1; continue; }
		rt_policy "$d/from-show-$i.json"
		cmp -s "$d/set-$i.json" "$d/from-show-$i.json" ||
			{ log "$i: show's text gives another policy: $(diff "$d/set-$i.json" "$d/from-show-$i.json")"; ok=1; }
	done <"$d/policies"
	[ $i = 12 ] || { log "only $i policies"; ok=1; }
	ip netns del rt
	return $ok
}

ALL_TESTS+=(roundtrip)
