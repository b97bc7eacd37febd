#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Real port-102 captures through tpktctl inspect, against Zeek.

For every tests/data/pcaps/NAME.pcap with a NAME.zeek-cotp.log beside it:

  * tpktctl inspect -j --fix OUT mode normalize NAME.pcap succeeds;
  * the TPDU counts per connection, direction and type equal those of
    Zeek's ICSNPP COTP log (an independent dissector);
  * these captures are conformant: no anomaly, no edit, no drop, and the
    --fix output is byte-identical to the input;
  * a capture that starts mid-stream is picked up with the default loose
    pickup, and not parsed at all with "pickup strict".

Usage: captures.py TPKTCTL DATA_DIR
"""
import collections
import filecmp
import glob

import inspect_json
import os
import subprocess
import sys
import tempfile

TPDU_CODES = {
    0x0e: "CR", 0x0d: "CC", 0x08: "DR", 0x0c: "DC", 0x0f: "DT",
    0x01: "ED", 0x06: "AK", 0x02: "EA", 0x05: "RJ", 0x07: "ER",
}

# What tshark and the pcaps README say about these files.
EXPECT = {
    "s7comm_plus": {"tpkts": 157, "flows": 3, "flows_picked_up": 1,
                    "linktype": 113},
    "s7ident": {"tpkts": 24, "flows": 1, "flows_picked_up": 0, "linktype": 1},
    "snap7": {"tpkts": 64, "flows": 1, "flows_picked_up": 1, "linktype": 1},
}

failures = 0
passes = 0


def check(cond, what):
    global failures, passes
    if cond:
        passes += 1
    else:
        failures += 1
        print("FAIL: " + what)
    return cond


def zeek_counts(path):
    """(src, dst) -> Counter of TPDU names, from a Zeek TSV log."""
    fields = None
    counts = collections.defaultdict(collections.Counter)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
                continue
            if not line or line.startswith("#"):
                continue
            row = dict(zip(fields, line.split("\t")))
            orig = "%s:%s" % (row["id.orig_h"], row["id.orig_p"])
            resp = "%s:%s" % (row["id.resp_h"], row["id.resp_p"])
            key = (orig, resp) if row["is_orig"] == "T" else (resp, orig)
            counts[key][TPDU_CODES.get(int(row["pdu_code"], 16),
                                       "unknown")] += 1
    return counts


def inspect(tpktctl, *args):
    p = subprocess.run([tpktctl, "inspect"] + list(args),
                       capture_output=True, text=True)
    if not check(p.returncode == 0,
                 "inspect %s: exit %d: %s" % (" ".join(args), p.returncode,
                                             p.stderr.strip())):
        return None
    # warnings only, and the mid-stream one exactly when flows were
    warnings = p.stderr.splitlines()
    check(all(w.startswith("tpktctl: warning: ") for w in warnings),
          "inspect %s: stderr %r" % (" ".join(args), p.stderr))
    if "-j" in args:
        picked = inspect_json.loads(p.stdout)["flows_picked_up"]
        check(any("picked up mid-stream" in w for w in warnings) ==
              (picked > 0), "inspect %s: %d picked up, warnings %r"
              % (" ".join(args), picked, warnings))
    return p.stdout


def linktype(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
    return int.from_bytes(hdr[20:24], "little")


def one(tpktctl, pcap, zeek, tmp):
    name = os.path.basename(pcap)[:-len(".pcap")]
    exp = EXPECT.get(name, {})
    out = os.path.join(tmp, name + "-fixed.pcap")
    doc = inspect(tpktctl, "-j", "--fix", out, "mode", "normalize", pcap)
    if doc is None:
        return
    j = inspect_json.loads(doc)

    # every direction of every flow, as Zeek saw it
    ours = {}
    for d in inspect_json.directions(j):
        ours[(d["src"], d["dst"])] = collections.Counter(
            {k: v for k, v in d["tpdus"].items() if v})
    theirs = zeek_counts(zeek)
    for key in sorted(set(ours) | set(theirs)):
        a = ours.get(key, collections.Counter())
        b = theirs.get(key, collections.Counter())
        check(a == b, "%s: %s > %s: tpktctl %s, zeek %s"
              % (name, key[0], key[1], dict(a), dict(b)))
    total = sum(sum(c.values()) for c in theirs.values())
    check(j["tpkts"] == total, "%s: %d tpkts, zeek %d TPDUs"
          % (name, j["tpkts"], total))
    check(sum(j["tpdus"].values()) == total, "%s: tpdus %s"
          % (name, j["tpdus"]))

    # conformant traffic: nothing to report, nothing to change
    check(j["anomalies"]["tpkt-reserved"] == 0,
          "%s: tpkt-reserved anomalies" % name)
    check(not any(j["anomalies"].values()), "%s: anomalies %s"
          % (name, j["anomalies"]))
    check(j["event_list"] == [], "%s: events %s" % (name, j["event_list"][:3]))
    for k in ("edits", "drops", "desyncs"):
        check(j[k] == 0, "%s: %s = %d" % (name, k, j[k]))
    check(filecmp.cmp(pcap, out, shallow=False),
          "%s: --fix output differs from the input" % name)

    for k in ("tpkts", "flows", "flows_picked_up"):
        if k in exp:
            check(j[k] == exp[k], "%s: %s = %d, expected %d"
                  % (name, k, j[k], exp[k]))
    if "linktype" in exp:
        check(linktype(pcap) == exp["linktype"], "%s: link type" % name)

    # strict pickup: directions whose SYN is not in the capture are not
    # parsed at all; the others give the same counts as before
    picked = {(d["src"], d["dst"]): d["picked_up"]
              for d in inspect_json.directions(j)}
    from_syn = sum(sum(c.values()) for k, c in theirs.items()
                   if not picked.get(k, False))
    if exp.get("flows_picked_up"):
        doc = inspect(tpktctl, "-j", "pickup", "strict", pcap)
        s = inspect_json.loads(doc) if doc else {}
        check(s.get("flows_picked_up") == 0, "%s: strict: picked up %s"
              % (name, s.get("flows_picked_up")))
        check(s.get("tpkts") == from_syn, "%s: strict: %s tpkts, expected %d"
              % (name, s.get("tpkts"), from_syn))
        if name == "snap7":
            check(s.get("tpkts") == 0, "snap7: strict: parsed")

    # the text summary, for the log
    text = inspect(tpktctl, pcap)
    if text is not None:
        print("-- tpktctl inspect %s" % os.path.relpath(pcap))
        print(text, end="")


def main():
    tpktctl, data = sys.argv[1], sys.argv[2]
    pcaps = sorted(glob.glob(os.path.join(data, "*.pcap")))
    check(len(pcaps) >= 3, "captures in %s: %s" % (data, pcaps))
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for pcap in pcaps:
            zeek = pcap[:-len(".pcap")] + ".zeek-cotp.log"
            if os.path.exists(zeek):
                one(tpktctl, pcap, zeek, tmp)
                n += 1
        check(n == len(EXPECT), "%d captures with a Zeek log" % n)
    print("captures: %d files, %d passed, %d failed" % (n, passes, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
