#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, kernel part: boot KVER once, run kernel-guest.sh, and merge
# medians and ratios into build/bench/results.json.
set -uo pipefail
KVER=${1:?usage: kernel.sh KVER}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOG=$ROOT/build/bench/kernel-$KVER.log
mkdir -p "$ROOT/build/bench"
timeout 1800 vng --run "/boot/vmlinuz-$KVER" --disable-kvm --cpus 2 --memory 1536M \
	--user root -- env ROOT="$ROOT" ROUNDS="${ROUNDS:-5}" \
	bash "$ROOT/tests/bench/kernel-guest.sh" 2>&1 | tee "$LOG" | grep -E '^BENCH'
grep -q '^BENCH-DONE' "$LOG" || { echo "kernel bench: guest failed, see $LOG" >&2; exit 1; }
python3 - "$LOG" "$ROOT/build/bench/results.json" "$KVER" <<'PY'
import json, os, statistics, sys
log, out, kver = sys.argv[1:4]
runs = {}
for line in open(log):
    if not line.startswith("BENCH variant="):
        continue
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    runs.setdefault(kv["variant"], []).append(kv)
res = json.load(open(out)) if os.path.exists(out) else {}
base = statistics.median(float(r["mbps"]) for r in runs["baseline"])
print("%-26s %10s %10s %10s %8s %8s %8s" % ("variant", "Mbit/s", "min", "max", "ratio", "fixed", "intact"))
for v, rs in runs.items():
    m = [float(r["mbps"]) for r in rs]
    med = statistics.median(m)
    res["kernel.%s.mbps" % v] = round(med, 1)
    res["kernel.%s.mbps_min" % v] = min(m)
    res["kernel.%s.mbps_max" % v] = max(m)
    res["kernel.%s.ratio" % v] = round(med / base, 3)
    line = "%-26s %10.1f %10.1f %10.1f %8.3f" % (v, med, min(m), max(m), med / base)
    if v in ("normalize_fix_every_pdu", "nft_payload_rule"):
        tp = sum(int(r["tpkts"]) for r in rs)
        nz = sum(int(r["nonzero"]) for r in rs)
        intact = all(r["digest"] == r["tx_digest"] for r in rs)
        res["kernel.%s.fixed_fraction" % v] = round(1 - nz / tp, 4) if tp else 0
        res["kernel.%s.payload_intact" % v] = intact
        line += " %8.4f %8s" % (1 - nz / tp if tp else 0, intact)
    print(line)
res["kernel.kver"] = kver
res["kernel.rounds"] = len(runs["baseline"])
json.dump(res, open(out, "w"), indent=2, sort_keys=True)
PY
