# SPDX-License-Identifier: GPL-2.0
# For operators: the Prometheus exposition of the counters, and the YNL spec
# of the netlink family driven against the module by the kernel's own YNL
# client.  Sourced by suite.sh (lib.sh is loaded).

YNL_DIR=${YNL_DIR:-/opt/nf_tpkt-deps/ynl}
YNL_SPEC=$ROOT/Documentation/netlink/specs/nf_tpkt.yaml

# ynl NS ARGS...: the kernel's cli.py with our spec, JSON out, in NS.
# Debian's python3: deps.sh installs python3-yaml for it.  --no-schema:
# the spec is checked against the schema on the host
# (tests/userspace/check_ynl_spec.sh); here jsonschema would cost seconds
# per call under emulation.
ynl() {
	local ns=$1
	shift
	ip netns exec "$ns" /usr/bin/python3 "$YNL_DIR/tools/net/ynl/cli.py" \
		--spec "$YNL_SPEC" --no-schema --output-json "$@"
}

# promtool check metrics: exit 0 and not a word, else the words are shown
promtool_clean() {
	local out rc
	out=$(promtool check metrics <"$1" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && return 0
	log "promtool on $1: exit $rc: $out"
	return 1
}

# The counters after the field report's CC went through the gateway, as
# node_exporter's textfile collector would read them.
t_prometheus() {
	local ok=0 prom=$OUT/nf_tpkt.prom j1=$OUT/prom-stats1.json j2=$OUT/prom-stats2.json
	command -v promtool >/dev/null || { log "promtool missing"; return 1; }
	gw_set mode normalize check tpkt-reserved fix pickup strict max-flows 5000 || return 1
	"$TPKTCTL" -n gw flows flush
	"$TPKTCTL" -n gw stats reset >/dev/null || return 1
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] && [ $SERVER_RC -eq 0 ] || { show_peers; ok=1; }
	# the same counters in both forms: no traffic runs now, and the JSON
	# read before and after the exposition shows that nothing moved
	"$TPKTCTL" -n gw -j stats >"$j1" &&
		"$TPKTCTL" -n gw stats -o prometheus >"$prom" &&
		"$TPKTCTL" -n gw -j stats >"$j2" || { log "stats failed"; return 1; }
	cmp -s "$j1" "$j2" || { log "counters moved during the test"; ok=1; }
	promtool_clean "$prom" || ok=1
	"$TPKTCTL" -n gw -j show >"$OUT/prom-show.json" || ok=1
	python3 - "$prom" "$j1" "$OUT/prom-show.json" <<'EOF' || ok=1
import json, re, sys
prom = open(sys.argv[1]).read()
stats = json.load(open(sys.argv[2]))
policy = json.load(open(sys.argv[3]))["policy"]
samples = {}
for line in prom.splitlines():
    if line.startswith("#"):
        continue
    m = re.fullmatch(r'(\w+)\{([^}]*)\} (\d+)', line)
    assert m, line
    labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
    assert labels.pop("netns") == "gw", line
    key = (m.group(1),) + tuple(sorted(labels.items()))
    assert key not in samples, line
    samples[key] = int(m.group(3))
want = {}
for k, v in stats["counters"].items():
    want[("nf_tpkt_%s_total" % k,)] = v
for k, v in stats["tpdus"].items():
    want[("nf_tpkt_tpdus_total", ("tpdu", k))] = v
for k, v in stats["anomalies"].items():
    want[("nf_tpkt_anomalies_total", ("check", k))] = v
want[("nf_tpkt_flows_active",)] = stats["flows_active"]
want[("nf_tpkt_flows_max",)] = policy["max_flows"]
want[("nf_tpkt_policy_info", ("full", policy["full"]), ("mode", policy["mode"]),
      ("ooo", policy["ooo"]), ("pickup", policy["pickup"]))] = 1
assert samples == want, (set(samples.items()) ^ set(want.items()))
# and the field report is in it
assert samples[("nf_tpkt_anomalies_total", ("check", "tpkt-reserved"))] == 1
assert samples[("nf_tpkt_edits_total",)] == 1
assert samples[("nf_tpkt_tpdus_total", ("tpdu", "CC"))] == 1
assert samples[("nf_tpkt_packets_total",)] > 0
assert samples[("nf_tpkt_flows_max",)] == 5000
print("    %d samples, as stats -j has them" % len(samples))
EOF
	# --output, reset: the values before the reset, then zeros
	"$TPKTCTL" -n gw stats --output prometheus reset >"$OUT/nf_tpkt-reset.prom" || ok=1
	promtool_clean "$OUT/nf_tpkt-reset.prom" || ok=1
	grep -qx 'nf_tpkt_anomalies_total{netns="gw",check="tpkt-reserved"} 1' "$OUT/nf_tpkt-reset.prom" ||
		{ log "reset: not the values before it"; ok=1; }
	[ "$(stat gw tpkt-reserved)" = 0 ] || { log "reset did not reset"; ok=1; }
	# a collector's cron job needs no privilege; no -n, no netns label
	ip netns exec gw setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TPKTCTL" stats -o prometheus >"$OUT/nf_tpkt-user.prom" 2>&1 ||
		{ log "as nobody: $(head -3 "$OUT/nf_tpkt-user.prom")"; ok=1; }
	promtool_clean "$OUT/nf_tpkt-user.prom" || ok=1
	grep -qx 'nf_tpkt_policy_info{mode="normalize",pickup="strict",ooo="hold",full="fail-open"} 1' \
		"$OUT/nf_tpkt-user.prom" || { log "as nobody: no policy_info"; ok=1; }
	gw_set max-flows 65536
	return $ok
}

# The spec against the module: policy read, changed and refused, counters,
# flows and events decoded by the kernel's YNL client with our spec only,
# compared with what tpktctl says; and the family as the kernel describes
# it (nlctrl) against the spec: command ids, do/dump, permissions, request
# attribute types and ranges.
t_ynl() {
	local ok=0 y=$OUT/ynl cpid evpid
	[ -f "$YNL_DIR/tools/net/ynl/cli.py" ] || { log "$YNL_DIR: no cli.py"; return 1; }
	mkdir -p "$y"
	gw_set mode normalize check tpkt-reserved fix max-flows 65536 timeout 600 \
		pickup strict ooo drop ports 102 hooks forward event-rate 100 || return 1

	# get-policy: every field as tpktctl shows it
	ynl gw --do get-policy --json '{}' >"$y/policy.json" || { log "get-policy failed"; ok=1; }
	"$TPKTCTL" -n gw -j show >"$y/show.json"
	python3 - "$y/policy.json" "$y/show.json" <<'EOF' || { log "get-policy differs"; ok=1; }
import json, sys
y = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))["policy"]
ports = ",".join("%d" % (r >> 16) if r >> 16 == r & 0xffff else
                 "%d-%d" % (r >> 16, r & 0xffff) for r in y["policy-ports"]["range"])
got = {"mode": y["policy-mode"], "ports": ports,
       "hooks": ",".join(sorted(y["policy-hooks"])),
       "max_flows": y["policy-max-flows"], "timeout": y["policy-timeout"],
       "full": y["policy-full"], "pickup": y["policy-pickup"],
       "ooo": y["policy-ooo"], "event_rate": y["policy-event-rate"],
       "checks": y["policy-actions"]}
assert got == s, (got, s)
print("    get-policy: %s" % json.dumps(got)[:150])
EOF

	# set-policy: fields of each kind (enum, flags, u32, array, multi-attr)
	ynl gw --do set-policy --json '{"policy-mode": "enforce", "policy-max-flows": 4321,
		"policy-hooks": ["forward", "input"], "policy-actions": {"cotp-param": "drop"},
		"policy-ports": {"range": [6684774, 196611002]}}' >"$y/set.out" 2>&1 ||
		{ log "set-policy failed: $(tail -3 "$y/set.out")"; ok=1; }
	"$TPKTCTL" -n gw -j show | python3 -c '
import json, sys
p = json.load(sys.stdin)["policy"]
assert p["mode"] == "enforce" and p["max_flows"] == 4321, p
assert p["hooks"] == "forward,input" and p["ports"] == "102,3000-3002", p
assert p["checks"]["cotp-param"] == "drop" and p["checks"]["tpkt-reserved"] == "fix", p
assert p["timeout"] == 600, p' || { log "set-policy did not take"; ok=1; }
	# out of the spec's range: refused by the module, nothing changed
	ynl gw --do set-policy --json '{"policy-mode": "monitor", "policy-timeout": 0}' \
		>"$y/refused.out" 2>&1 && { log "timeout 0 accepted"; ok=1; }
	grep -q 'error' "$y/refused.out" || { log "refusal: $(cat "$y/refused.out")"; ok=1; }
	"$TPKTCTL" -n gw -j show | python3 -c '
import json, sys
p = json.load(sys.stdin)["policy"]
assert p["mode"] == "enforce" and p["timeout"] == 600, p' || { log "refused set changed the policy"; ok=1; }
	gw_set mode normalize hooks forward ports 102 max-flows 65536 check cotp-param count || ok=1

	# events: a subscriber while the field report's CC goes through
	"$TPKTCTL" -n gw flows flush
	"$TPKTCTL" -n gw stats reset >/dev/null
	# cli.py --subscribe only tells what it got after a fixed sleep; its
	# library, the same code, can say when it has subscribed
	ip netns exec gw timeout 120 /usr/bin/python3 - "$YNL_DIR" "$YNL_SPEC" \
		>"$y/events.json" 2>"$y/events.err" <<'EOF' &
import json, sys, time
sys.path.insert(0, sys.argv[1] + "/tools/net/ynl")
from lib import YnlFamily
ynl = YnlFamily(sys.argv[2], "")  # no schema check: see ynl()
ynl.ntf_subscribe("events")
print("SUBSCRIBED", file=sys.stderr, flush=True)
# until 2 s after the first event (a second one would show), 60 s at most
end, first = time.time() + 60, None
while time.time() < end and (first is None or time.time() < first + 2):
    ynl.check_ntf()
    if ynl.async_msg_queue and first is None:
        first = time.time()
    time.sleep(0.2)
print(json.dumps(ynl.async_msg_queue, default=lambda b: b.hex()))
EOF
	evpid=$!
	for _ in $(seq 300); do grep -q SUBSCRIBED "$y/events.err" && break; sleep 0.2; done
	grep -q SUBSCRIBED "$y/events.err" || { log "no subscription: $(tail -3 "$y/events.err")"; ok=1; }
	exchange "${KB_SERVER[@]}" -- $(kb_client)
	[ $CLIENT_RC -eq 0 ] || { show_peers; ok=1; }

	# get-stats: every counter as stats -j has it, read between two
	# stats -j that agree (the flow's FIN may still be on its way)
	for _ in 1 2 3 4 5; do
		sleep 1
		"$TPKTCTL" -n gw -j stats >"$y/tstats0.json"
		ynl gw --do get-stats --json '{}' >"$y/stats.json" || { log "get-stats failed"; ok=1; }
		"$TPKTCTL" -n gw -j stats >"$y/tstats.json"
		cmp -s "$y/tstats0.json" "$y/tstats.json" && break
	done
	python3 - "$y/stats.json" "$y/tstats.json" <<'EOF' || { log "get-stats differs"; ok=1; }
import json, sys
y = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
assert y["stats-counters"] == s["counters"], (y["stats-counters"], s["counters"])
assert y["stats-tpdus"] == s["tpdus"], (y["stats-tpdus"], s["tpdus"])
assert y["stats-anomalies"] == s["anomalies"], (y["stats-anomalies"], s["anomalies"])
assert y["stats-flows-active"] == s["flows_active"], y
assert y["stats-anomalies"]["tpkt-reserved"] == 1 and y["stats-tpdus"]["CC"] == 1, y
print("    get-stats: %d counters, %d TPDU types, %d checks, as stats -j" %
      (len(y["stats-counters"]), len(y["stats-tpdus"]), len(y["stats-anomalies"])))
EOF
	wait $evpid
	python3 - "$y/events.json" "$(command stat -L -c %i /run/netns/gw)" <<'EOF' || { log "events: $(head -c 300 "$y/events.json") $(tail -3 "$y/events.err")"; ok=1; }
import json, sys, time
q = json.loads(open(sys.argv[1]).read())
ev = [m["msg"]["event"] for m in q if m["name"] == "event"]
cc = [e for e in ev if e["check"] == "tpkt-reserved"]
assert len(cc) == 1, q
e = cc[0]
assert e["family"] == 2 and e["saddr"] == "0a0c0002" and e["sport"] == 102, e
assert e["daddr"] == "0a0b0002" and e["action"] == "fix" and e["tpdu"] == 1, e
assert e["value"] == 0x11 and e["offset"] == 1 and e["tpkt-offset"] == 0, e
assert e["orig"] == "0311002c27d0", e
# NF_INET_FORWARD, in on the server side, the gateway's namespace, now
assert e["hook"] == 2 and e["ifname"] == "g1" and e["ifindex"] > 0, e
assert e["netns"] == int(sys.argv[2]), (e, sys.argv[2])
assert abs(e["time"] / 1e9 - time.time()) < 120, e
print("    event: %s" % json.dumps(e))
EOF

	# get-flows: a dump while a flow lives
	"$TPKTCTL" -n gw flows flush
	server_start --send-bytes 20000 --timeout 40
	ip netns exec cl timeout 60 "$PEER" --connect "$SV4:102" --send-bytes 20000 \
		--pdu-size 100 --split-at 10 --pause-ms 50 --timeout 40 >"$OUT/client.out" 2>&1 &
	cpid=$!
	for _ in $(seq 50); do
		"$TPKTCTL" -n gw -j flows >"$y/tflows.json"
		# once CR and CC went by: the class is known
		grep -Eq '"max_tpdu": ?1024' "$y/tflows.json" && break
		sleep 0.2
	done
	ynl gw --dump get-flows >"$y/flows.json" || { log "get-flows failed"; ok=1; }
	wait $cpid
	CLIENT_RC=$?
	wait $SERVER_PID
	SERVER_RC=$?
	[ $CLIENT_RC = 0 ] && [ $SERVER_RC = 0 ] || { show_peers; ok=1; }
	python3 - "$y/flows.json" "$y/tflows.json" <<'EOF' || { log "get-flows differs"; ok=1; }
import json, sys
y = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))
assert len(y) == 1 and len(t) == 1, (y, t)
f, g = y[0]["flow"], t[0]
assert f["family"] == 2 and f["saddr"] == "0a0b0002" and f["daddr"] == "0a0c0002", f
assert "10.11.0.2:%d" % f["sport"] == g["src"] and f["dport"] == 102, (f, g)
assert f["class"] == g["cotp_class"] == 0 and f["max-tpdu"] == g["max_tpdu"] == 1024, (f, g)
assert len(f["dir"]) == 2 and [d["state"] for d in f["dir"]] == ["tracking"] * 2, f
assert f["dir"][0]["packets"] > 0 and f["dir"][0]["stream-bytes"] > 0, f
print("    get-flows: %s" % json.dumps(f)[:200])
EOF

	# the family as the kernel describes it, against the spec
	ynl_nlctrl --do getfamily --json '{"family-name": "nf_tpkt"}' >"$y/family.json" ||
		{ log "nlctrl getfamily failed"; ok=1; }
	ynl_nlctrl --dump getpolicy --json '{"family-name": "nf_tpkt"}' >"$y/policies.json" ||
		{ log "nlctrl getpolicy failed"; ok=1; }
	/usr/bin/python3 - "$YNL_SPEC" "$y/family.json" "$y/policies.json" "$YNL_DIR" <<'EOF' || ok=1
import json, sys
sys.path.insert(0, sys.argv[4] + "/tools/net/ynl")
from lib import SpecFamily
spec = SpecFamily(sys.argv[1], sys.argv[4] + "/Documentation/netlink/genetlink-legacy.yaml")
fam = json.load(open(sys.argv[2]))
pol = json.load(open(sys.argv[3]))
bad = []
def want(cond, msg):
    if not cond:
        bad.append(msg)
want(fam["family-name"] == spec.name and fam["version"] == spec.yaml["version"],
     "family %s version %s" % (fam["family-name"], fam["version"]))
# indexed arrays decode as [{index: entry}, ...]
entries = lambda arr: [list(x.values())[0] for x in arr]
want([g["name"] for g in entries(fam["mcast-groups"])] == ["events"],
     "groups %s" % fam["mcast-groups"])
kops = {o["id"]: set(o.get("flags", [])) for o in entries(fam["ops"])}
ops = [o for o in spec.msgs.values() if not o.is_async]
want(set(kops) == {o.value for o in ops}, "command ids %s" % sorted(kops))
for o in ops:
    f = kops.get(o.value, set())
    want(("cmd-cap-do" in f) == ("do" in o.yaml), "%s: do %s" % (o.name, f))
    want(("cmd-cap-dump" in f) == ("dump" in o.yaml), "%s: dump %s" % (o.name, f))
    want(("uns-admin-perm" in f) == ("uns-admin-perm" in o.yaml.get("flags", [])),
         "%s: permission %s" % (o.name, f))
# policies: which policy each command uses, and the attributes of each
op_pol, tables = {}, {}
aslist = lambda x: x if isinstance(x, list) else [x]
for m in pol:
    for p in aslist(m.get("op-policy", [])):
        op_pol[p["op-id"]] = p
    for a in aslist(m.get("policy", [])):
        tables.setdefault(a["policy-id"], {})[a["attr-id"]] = a
# 6.12 reports a dump-only command's policy under command 0 (it takes the
# id from the absent do half): give it to the one dump-only command
if 0 in op_pol:
    dump_only = [o.value for o in spec.msgs.values()
                 if "dump" in o.yaml and "do" not in o.yaml and o.value not in op_pol]
    want(len(dump_only) == 1 and set(op_pol[0]) == {"op-id", "dump"},
         "policy of command 0: %s" % op_pol[0])
    if dump_only:
        op_pol[dump_only[0]] = op_pol.pop(0)
top = {a.value: a for a in spec.attr_sets["nf-tpkt"].attrs.values()}
types = {"u8": "u8", "u16": "u16", "u32": "u32", "u64": "u64", "flag": "flag",
         "nest": "nested"}
checked = 0
for o in ops:
    p = op_pol.get(o.value, {})
    idx = p.get("do", p.get("dump"))
    want(idx is not None, "%s: no policy" % o.name)
    attrs = tables.get(idx, {})
    req = set()
    for mode in ("do", "dump"):
        req |= set(o.yaml.get(mode, {}).get("request", {}).get("attributes", []))
    taken = {top[t].name for t, a in attrs.items() if a.get("type") != "reject" and t in top}
    want(taken == req, "%s: the module takes %s, the spec %s" % (o.name, sorted(taken), sorted(req)))
    for t, a in attrs.items():
        if a.get("type") == "reject" or t not in top:
            continue
        s = top[t]
        want(a["type"] == types[s.type], "%s: %s in the module" % (s.name, a["type"]))
        chk = s.yaml.get("checks", {})
        if "enum" in s.yaml and s.type != "u32":
            hi = len(spec.consts[s.yaml["enum"]].entries) - 1
            want(a.get("max-value-u") == hi, "%s: max %s, spec %s" % (s.name, a.get("max-value-u"), hi))
        elif "max" in chk:
            want(a.get("max-value-u") == chk["max"] and a.get("min-value-u", 0) == chk.get("min", 0),
                 "%s: %s..%s, spec %s..%s" % (s.name, a.get("min-value-u"), a.get("max-value-u"),
                                              chk.get("min", 0), chk["max"]))
        elif "flags-mask" in chk:
            # 6.12's nlctrl.yaml swaps mask (12) and pad (11): the mask
            # comes out as "pad", its bytes undecoded
            mask = a.get("mask")
            if mask is None and "pad" in a:
                mask = int.from_bytes(bytes.fromhex(a["pad"]), "little")
            want(mask == spec.consts[chk["flags-mask"]].get_mask(), "%s: mask %s" % (s.name, mask))
        checked += 1
for b in bad:
    print("    nlctrl: " + b)
print("    nlctrl: %d commands, %d request attributes as the spec has them, %d differences"
      % (len(kops), checked, len(bad)))
sys.exit(1 if bad else 0)
EOF
	return $ok
}

# nlctrl, the genetlink family that describes the others: its spec is the
# kernel's own.  --process-unknown: 6.12's nlctrl.yaml has NL_POLICY_TYPE_
# ATTR_MASK where PAD is, and ynl.py will not decode a "pad" otherwise.
ynl_nlctrl() {
	ip netns exec gw /usr/bin/python3 "$YNL_DIR/tools/net/ynl/cli.py" \
		--process-unknown \
		--spec "$YNL_DIR/Documentation/netlink/specs/nlctrl.yaml" \
		--no-schema --output-json "$@"
}

ALL_TESTS+=(prometheus ynl)
