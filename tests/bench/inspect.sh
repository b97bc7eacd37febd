#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-inspect: tpktctl inspect against the read limit on one
# generated capture, and merge the figures into build/bench/results.json.
#
#   inspect.sh TPKTCTL CAPTURE [RESULTS.json]
#
# Wall time, best of ROUNDS (3), of: cat CAPTURE >/dev/null (the read
# limit), tpktctl inspect (text) and inspect -j (JSON), to /dev/null, and
# tshark -r CAPTURE -Y tpkt -T fields -e tpkt.reserved, run once only when
# its first run takes over TSHARK_ONCE_S (20) seconds.  Ratios are
# against cat in the same run; no timing is asserted.
set -euo pipefail
TPKTCTL=${1:?usage: inspect.sh TPKTCTL CAPTURE [RESULTS.json]}
CAP=${2:?usage: inspect.sh TPKTCTL CAPTURE [RESULTS.json]}
OUT=${3:-$(dirname "$CAP")/results.json}

exec python3 - "$TPKTCTL" "$CAP" "$OUT" "${ROUNDS:-3}" "${TSHARK_ONCE_S:-20}" <<'PY'
import json, os, shutil, subprocess, sys, time

tpktctl, cap, out, rounds, once_s = sys.argv[1:6]
rounds, once_s = int(rounds), float(once_s)
size = os.path.getsize(cap)


def run(argv, stdout=subprocess.DEVNULL):
    t = time.perf_counter()
    subprocess.run(argv, stdout=stdout, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def tpkts_of(doc):
    """TPKTs of -j output: one JSON document today; JSON Lines whose last
    summary object has "tpkts" tomorrow.  The last line (or the whole
    text) that parses as an object with "tpkts" wins."""
    found = None
    for chunk in [doc] + doc.splitlines():
        try:
            o = json.loads(chunk)
        except ValueError:
            continue
        if isinstance(o, dict) and "tpkts" in o:
            found = o["tpkts"]
            if chunk is doc:
                return found
    if found is None:
        sys.exit("inspect.sh: no \"tpkts\" in the output of %s inspect -j" % tpktctl)
    return found


# The TPKT count, untimed; it also checks inspect works on this file.
j = subprocess.run([tpktctl, "inspect", "-j", cap], capture_output=True,
                   text=True, check=True).stdout
tpkts = tpkts_of(j)
# events: JSON Lines of type "event" (older builds: an "events" array)
events = sum(1 for line in j.splitlines() if '"type":"event"' in line)
if not events:
    try:
        events = len(json.loads(j).get("events", []))
    except ValueError:
        pass
# Warm the page cache: every variant then reads from memory.
run(["cat", cap])

tools = [
    ("cat", ["cat", cap]),
    ("inspect_text", [tpktctl, "inspect", cap]),
    ("inspect_json", [tpktctl, "inspect", "-j", cap]),
]
best = {}
# Interleaved rounds (A B C A B C ...): a slow period of this shared
# machine then slows every variant of the round, not one.
for r in range(rounds):
    for name, argv in tools:
        t = run(argv)
        best[name] = min(best.get(name, t), t)

# tshark takes minutes on a file this size: its fields go to a file, so
# that the TPKTs it found can be checked against tpktctl's.
tshark_runs, tshark_tpkts = 0, None
if shutil.which("tshark"):
    fields = os.path.join(os.path.dirname(out) or ".", "inspect-tshark.txt")
    argv = ["tshark", "-r", cap, "-Y", "tpkt", "-T", "fields",
            "-e", "tpkt.reserved"]
    for r in range(rounds):
        with open(fields, "w") as f:
            t = run(argv, stdout=f)
        tshark_runs += 1
        best["tshark"] = min(best.get("tshark", t), t)
        if t > once_s:
            break
    with open(fields) as f:
        # one line per frame, a value per TPKT it dissected, comma-separated
        tshark_tpkts = sum(len([v for v in l.strip().split(",") if v])
                           for l in f)

res = json.load(open(out)) if os.path.exists(out) else {}
res = {k: v for k, v in res.items() if not k.startswith("inspect.")}
print("capture: %s, %.1f MB, %d TPKTs, %d events; best of %d, MB = 10^6 bytes"
      % (cap, size / 1e6, tpkts, events, rounds))
print("%-14s %9s %9s %12s %10s" % ("tool", "seconds", "MB/s", "TPKTs/s", "vs cat"))
for name in ("cat", "inspect_text", "inspect_json", "tshark"):
    if name not in best:
        continue
    t = best[name]
    k = "inspect.%s." % name
    res[k + "seconds"] = round(t, 4)
    res[k + "mbps"] = round(size / t / 1e6, 1)
    res[k + "tpkts_per_sec"] = round(tpkts / t)
    res[k + "ratio_to_cat"] = round(best["cat"] / t, 4)
    note = ""
    if name == "tshark":
        res[k + "runs"] = tshark_runs
        res[k + "tpkts"] = tshark_tpkts
        note = "  (%d run%s, %d TPKTs)" % (tshark_runs, "" if tshark_runs == 1 else "s",
                                           tshark_tpkts)
    print("%-14s %9.3f %9.1f %12.0f %10.3f%s" % (name, t, size / t / 1e6,
          tpkts / t, best["cat"] / t, note))
jt = best["inspect_json"] / best["inspect_text"]
res["inspect.json_text_ratio"] = round(jt, 3)
res["inspect.capture_bytes"] = size
res["inspect.tpkts"] = tpkts
res["inspect.events"] = events
res["inspect.rounds"] = rounds
print("inspect text: %.3f of the read limit (goal: at least 0.5); "
      "JSON/text time: %.3f (goal: at most 1.5)"
      % (best["cat"] / best["inspect_text"], jt))
if tshark_tpkts is not None and tshark_tpkts != tpkts:
    print("note: tshark dissected %d TPKTs, tpktctl %d" % (tshark_tpkts, tpkts))
json.dump(res, open(out, "w"), indent=2, sort_keys=True)
PY
