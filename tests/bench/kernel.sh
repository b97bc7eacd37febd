#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, kernel part: run kernel-guest.sh in guests of KVER and merge
# medians and ratios into build/bench/results.json.  ROUNDS (7) and PARTS
# (throughput,flows; profile adds a perf profile) come from the
# environment.
#
# Each part boots the guest that measures it:
# - throughput (and profile): one vCPU, with QEMU's -icount.  Its clock
#   advances one nanosecond per instruction executed, whatever the host
#   does meanwhile, so Mbit/s are bits per 10^9 guest instructions and a
#   ratio compares the instructions two variants spend on the same stream
#   (rounds agreed within 0.15 %; on wall-clock time they spread over 25 %).
#   One vCPU also keeps the emulated links from losing packets.
#   BENCH_CPUS=2 and BENCH_ICOUNT=0 give the wall-clock measurement.
# - flows: two vCPUs, wall clock; with one, MemFree moved in 4 MiB steps.
set -uo pipefail
KVER=${1:?usage: kernel.sh KVER}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOG=$ROOT/build/bench/kernel-$KVER.log
PARTS=${PARTS:-throughput,flows}
CPUS=${BENCH_CPUS:-1}
ICOUNT=${BENCH_ICOUNT:-$([ "$CPUS" = 1 ] && echo 1 || echo 0)}
[ "$ICOUNT" = 0 ] || [ "$CPUS" = 1 ] ||
	{ echo "kernel.sh: BENCH_ICOUNT=1 needs BENCH_CPUS=1" >&2; exit 1; }
# with one vCPU, MemFree moved in 4 MiB steps
FLOWS_CPUS=2
mkdir -p "$ROOT/build/bench"
: >"$LOG"

# boot CPUS ICOUNT PARTS: one guest running those parts, its output
# appended to $LOG
boot() {
	local qemu=() n
	[ "$2" = 1 ] && qemu=(--qemu-opts "-icount shift=0,sleep=off")
	echo "== guest: $1 vCPU, icount $2, $3"
	n=$(grep -c '^BENCH-DONE' "$LOG")
	timeout 1800 vng --run "/boot/vmlinuz-$KVER" --disable-kvm --cpus "$1" --memory 1536M \
		"${qemu[@]}" --user root -- env ROOT="$ROOT" ROUNDS="${ROUNDS:-7}" PARTS="$3" \
		bash "$ROOT/tests/bench/kernel-guest.sh" 2>&1 | tee -a "$LOG" | grep -E '^BENCH' |
		grep -v '^BENCH-PROFILE'
	[ "$(grep -c '^BENCH-DONE' "$LOG")" -gt "$n" ] ||
		{ echo "kernel bench: guest failed, see $LOG" >&2; exit 1; }
}

tp=$(tr , '\n' <<<"$PARTS" | grep -xE 'throughput|profile' | paste -sd,)
[ -z "$tp" ] || boot "$CPUS" "$ICOUNT" "$tp"
[[ ",$PARTS," != *,flows,* ]] || boot "$FLOWS_CPUS" 0 flows
grep '^BENCH-PROFILE' "$LOG" | sed 's/^BENCH-PROFILE[-A-Z]* //' >"$ROOT/build/bench/profile-$KVER.txt"
[ -s "$ROOT/build/bench/profile-$KVER.txt" ] && echo "profile: build/bench/profile-$KVER.txt"
python3 - "$LOG" "$ROOT/build/bench/results.json" "$KVER" "$CPUS" "$ICOUNT" "$FLOWS_CPUS" <<'PY'
import json, os, statistics, sys
log, out, kver, cpus, icount, flows_cpus = sys.argv[1:7]
runs = {}
for line in open(log):
    if not line.startswith("BENCH variant="):
        continue
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    if kv["round"] == "profile":
        continue    # slowed down by perf: not a figure
    runs.setdefault(kv["variant"], []).append(kv)
res = json.load(open(out)) if os.path.exists(out) else {}
base = statistics.median(float(r["mbps"]) for r in runs["baseline"]) if runs else 0
print("%-26s %10s %10s %10s %8s %8s %8s" % ("variant", "Mbit/s", "min", "max", "ratio", "fixed", "intact"))
for v, rs in runs.items():
    m = [float(r["mbps"]) for r in rs]
    med = statistics.median(m)
    res["kernel.%s.mbps" % v] = round(med, 1)
    res["kernel.%s.mbps_min" % v] = min(m)
    res["kernel.%s.mbps_max" % v] = max(m)
    res["kernel.%s.ratio" % v] = round(med / base, 3)
    line = "%-26s %10.1f %10.1f %10.1f %8.3f" % (v, med, min(m), max(m), med / base)
    mod = ""
    if rs[0].get("drops", "-") != "-":
        # segments the module dropped (ooo drop) or saw again, all rounds
        for k in ("drops", "ooo", "rexmits"):
            res["kernel.%s.%s_total" % (v, k)] = sum(int(r[k]) for r in rs)
            mod += " %s %d" % (k, res["kernel.%s.%s_total" % (v, k)])
    if v in ("normalize_fix_every_pdu", "nft_payload_rule"):
        tp = sum(int(r["tpkts"]) for r in rs)
        nz = sum(int(r["nonzero"]) for r in rs)
        intact = all(r["digest"] == r["tx_digest"] for r in rs)
        res["kernel.%s.fixed_fraction" % v] = round(1 - nz / tp, 4) if tp else 0
        res["kernel.%s.payload_intact" % v] = intact
        line += " %8.4f %8s" % (1 - nz / tp if tp else 0, intact)
    print(line + ("  " + mod if mod else ""))
# flow table: memory per flow from /proc/meminfo before and after FLOWS
# flows: unreclaimable kernel memory (slabs, the buckets) and, noisier, all
# the kernel's memory with caches dropped; setup rate against the packet
# rate the gateway forwards the same flood at without the module
fl = {}
for line in open(log):
    if line.startswith("BENCH flows "):
        kv = dict(f.split("=", 1) for f in line.split()[2:])
        fl.setdefault(kv["variant"], []).append(kv)
if fl:
    mod, base = fl["module"], fl["baseline"]
    # the same flood without the module moves memory too (skbs, slabs of
    # the stack): its median is taken off
    def per_flow(key):
        b = statistics.median(int(r[key]) for r in base)
        return b, [(int(r[key]) - b) / int(r["flows"]) for r in mod if int(r["flows"])]
    base_unrecl, bpf = per_flow("unrecl_delta")
    base_mem, kpf = per_flow("mem_delta")
    slab = [int(r["slab_delta"]) / int(r["flows"]) for r in mod if int(r["flows"])]
    rate = [int(r["flows"]) / float(r["elapsed_s"]) for r in mod]
    brate = [int(r["forwarded"]) / float(r["elapsed_s"]) for r in base]
    for key, v in (("bytes_per_flow", bpf), ("kernel_bytes_per_flow", kpf)):
        res["flows." + key] = round(statistics.median(v), 1)
        res["flows.%s_min" % key] = round(min(v), 1)
        res["flows.%s_max" % key] = round(max(v), 1)
    res["flows.slab_bytes_per_flow"] = round(statistics.median(slab), 1)
    res["flows.baseline_unrecl_delta"] = base_unrecl
    res["flows.baseline_mem_delta"] = base_mem
    res["flows.count"] = int(statistics.median(int(r["flows"]) for r in mod))
    res["flows.setup_per_sec"] = round(statistics.median(rate))
    res["flows.baseline_forward_pps"] = round(statistics.median(brate))
    res["flows.setup_ratio"] = round(statistics.median(rate) / statistics.median(brate), 3)
    print("flows: %d tracked, %.1f bytes/flow of unreclaimable kernel memory "
          "(min %.1f, max %.1f; the flow slab alone %.1f; all kernel memory "
          "%.1f, min %.1f, max %.1f), setup %.0f/s against %.0f SYN/s "
          "forwarded without the module (ratio %.3f)"
          % (res["flows.count"], res["flows.bytes_per_flow"], min(bpf), max(bpf),
             res["flows.slab_bytes_per_flow"], res["flows.kernel_bytes_per_flow"],
             min(kpf), max(kpf), res["flows.setup_per_sec"],
             res["flows.baseline_forward_pps"], res["flows.setup_ratio"]))
    res["flows.cpus"] = int(flows_cpus)
if runs:
    res["kernel.kver"] = kver
    res["kernel.cpus"] = int(cpus)
    res["kernel.icount"] = icount == "1"
    res["kernel.rounds"] = len(runs.get("baseline", []))
json.dump(res, open(out, "w"), indent=2, sort_keys=True)
PY
