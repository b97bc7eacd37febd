# SPDX-License-Identifier: GPL-2.0 OR MIT
"""tpktctl inspect on the captures operators have: cut short, fed through a
slow pipe and interrupted, cut into a ring buffer, snaplen-limited, filtered,
with millions of events.  tshark is the oracle for frame numbers and for
the files --write-anomalies writes.

    python3 inspect_streams.py TPKTCTL TPKTCTL_RELEASE
"""
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inspect_json  # noqa: E402
import pcapgen  # noqa: E402

TPKTCTL, RELEASE = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tpktctl-streams.")
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)
    return ok


def run(*args, tool=None, stdin=None):
    p = subprocess.run([tool or TPKTCTL, "inspect"] + list(args),
                       capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


def path(name):
    return os.path.join(TMP, name)


def kb_capture(name):
    """The field report's exchange, then DTs: frame 5 is the bad CC."""
    cap = pcapgen.Pcap(path(name))
    c = pcapgen.Conn(cap)
    c.handshake()
    c.send(0, pcapgen.GOOD_CR)
    c.send(1, pcapgen.KB_CC)
    for i in range(4):
        c.send(0, pcapgen.dt(b"x" * (10 + i)))
        c.send(1, pcapgen.dt(b"y" * 20))
    cap.close()
    return path(name)


def ev_key(e):
    return (e["time"], e["flow"], e["src"], e["check"], e["action"],
            e["tpdu"], e["offset"], e["tpkt_offset"], e["orig"])


def record_ends(p):
    """Offsets where each record of a classic pcap file ends."""
    data = open(p, "rb").read()
    off, ends = 24, []
    while off < len(data):
        caplen = int.from_bytes(data[off + 8:off + 12], "little")
        off += 16 + caplen
        ends.append(off)
    return data, ends


def test_truncated():
    """Cut at every byte: what was read is reported, the cut is named."""
    full = kb_capture("kb.pcap")
    rc, out, _ = run("-j", full)
    whole = inspect_json.loads(out)
    data, ends = record_ends(full)
    cut = path("cut.pcap")
    bad = 0
    for n in range(24, len(data)):
        open(cut, "wb").write(data[:n])
        rc, out, err = run("-j", cut)
        frames = sum(1 for e in ends if e <= n)
        at_boundary = n in ends or n == 24
        try:
            j = inspect_json.loads(out)
        except ValueError:
            j = None
        ok = j is not None and j["frames"] == frames
        if at_boundary:
            ok = ok and rc == 0 and j["complete"] and err == ""
        else:
            ok = (ok and rc == 1 and not j["complete"] and
                  "cut.pcap: frame %d: truncated" % (frames + 1) in err)
        # exactly the events of the frames before the cut
        ok = ok and ([ev_key(e) for e in j["event_list"]] ==
                     [ev_key(e) for e in whole["event_list"]
                      if e["frame"] <= frames])
        if not ok:
            bad += 1
            if bad < 3:
                print("  cut at %d: rc %d, err %r, out %r" %
                      (n, rc, err, out[-300:]))
    check(bad == 0, "truncated captures: %d of %d cuts wrong"
          % (bad, len(data) - 24))
    # the text report too: the summary after the warning
    open(cut, "wb").write(data[:ends[4] + 10])
    rc, out, err = run(cut)
    check(rc == 1 and "tpkt-reserved" in out.splitlines()[0] and
          "\nverdict: 1 anomaly in 1 of 1 flows\n" in out and
          "frame 6: truncated" in err, "truncated, text: %d %r %r"
          % (rc, out, err))


def test_pipe_sigint():
    """A slow pipe: the event comes when its frame does; ^C gives the
    summary of what was read."""
    full = kb_capture("kb-pipe.pcap")
    data, ends = record_ends(full)
    for args in ([], ["-j"]):
        p = subprocess.Popen([TPKTCTL, "inspect"] + args + ["-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdin.write(data[:ends[4]])
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 20)
        line = p.stdout.readline().decode() if ready else ""
        check("tpkt-reserved" in line and "frame 5" in line.replace(
              '"frame":5', "frame 5"),
              "pipe %s: event before the end of the input: %r"
              % (args, line))
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        out, err = out.decode(), err.decode()
        check(p.returncode == 128 + signal.SIGINT,
              "pipe %s: SIGINT: rc %d" % (args, p.returncode))
        check("interrupted by signal 2" in err, "pipe: stderr %r" % err)
        if args:
            j = inspect_json.loads(line + out)
            check(j["interrupted"] and not j["complete"] and
                  j["frames"] == 5 and j["tpkts"] == 2,
                  "pipe -j: summary %r" % out[-400:])
        else:
            check("verdict: 1 anomaly in 1 of 1 flows" in out and
                  "capture: 5 frames" in out, "pipe: summary %r" % out)


def ring_capture(name, conns=6, rounds=12):
    """Connections that overlap in time, two with the bad CC."""
    cap = pcapgen.Pcap(path(name))
    cs = [pcapgen.Conn(cap, n + 1, v6=n % 3 == 2) for n in range(conns)]
    for c in cs:
        c.handshake()
    for n, c in enumerate(cs):
        c.send(0, pcapgen.GOOD_CR)
        c.send(1, pcapgen.KB_CC if n in (1, 4) else
               pcapgen.KB_CC[:1] + b"\0" + pcapgen.KB_CC[2:])
    rnd = random.Random(7)
    for _ in range(rounds):
        for c in cs:
            d = rnd.randrange(2)
            c.send(d, pcapgen.dt(b"z" * rnd.randrange(1, 200)) *
                   rnd.randrange(1, 4))
    cap.close()
    return path(name)


def test_ring_buffer():
    """One capture cut into many files reads as the uncut one."""
    full = ring_capture("ring.pcap")
    rc, out, _ = run("-j", full)
    whole = inspect_json.loads(out)
    subprocess.run(["editcap", "-c", "3", full, path("ring-part.pcap")],
                   check=True, capture_output=True)
    parts = sorted(f for f in os.listdir(TMP) if f.startswith("ring-part"))
    check(len(parts) > 20, "editcap made %d files" % len(parts))
    files = [path(f) for f in parts]
    random.Random(1).shuffle(files)	# --merge goes by time, not order
    rc, out, err = run("-j", "--merge", *files)
    merged = inspect_json.loads(out)
    # editcap writes pcapng: read by libpcap, not the mapped reader
    check(rc == 0 and err == "", "ring --merge: rc %d, stderr %r"
          % (rc, err))
    for k in ("frames", "flows", "flows_picked_up", "tpkts", "tpdus", "anomalies",
              "desyncs", "edits", "events"):
        check(merged[k] == whole[k], "ring --merge: %s %r, uncut %r"
              % (k, merged[k], whole[k]))
    check([ev_key(e) for e in merged["event_list"]] ==
          [ev_key(e) for e in whole["event_list"]] and whole["event_list"],
          "ring --merge: other events")
    check(all(e["frame"] <= 3 for e in merged["event_list"]),
          "ring --merge: frame numbers are per file")
    # the same cut as classic pcap files (the mapped reader)
    subprocess.run(["editcap", "-F", "pcap", "-c", "3", full,
                    path("ringc-part.pcap")], check=True,
                   capture_output=True)
    classic = sorted(path(f) for f in os.listdir(TMP)
                     if f.startswith("ringc-part"))
    rc, out, err = run("-j", "--merge", *classic[::-1])
    mc = inspect_json.loads(out)
    check(rc == 0 and err == "" and
          [ev_key(e) for e in mc["event_list"]] ==
          [ev_key(e) for e in whole["event_list"]] and
          all(mc[k] == whole[k] for k in ("frames", "flows", "tpkts",
                                          "flows_picked_up")),
          "ring of classic pcap files: rc %d %r" % (rc, err))
    # the check can fail: file by file, flows are cut at every file
    rc, out, err = run("-j", *files)
    apart = inspect_json.loads(out)
    check(apart["flows"] > whole["flows"] and apart["flows_picked_up"] > 0,
          "ring without --merge: %d flows" % apart["flows"])
    # --fix over a ring buffer writes one capture
    rc, out, err = run("--merge", "--fix", path("ring-fixed.pcap"), *files)
    n = subprocess.run(["tshark", "-r", path("ring-fixed.pcap"), "-Y",
                        "tpkt.reserved != 0"], capture_output=True,
                       text=True).stdout
    check(rc == 0 and n == "", "ring --fix: rc %d, left %r" % (rc, n))


def tshark_frames(p, flt):
    out = subprocess.run(["tshark", "-r", p, "-Y", flt, "-T", "fields",
                          "-e", "frame.number"], capture_output=True,
                         text=True, check=True).stdout
    return [int(x) for x in out.split()]


def test_oracle_and_outputs():
    """Frame numbers as tshark counts them; the files written hold exactly
    the offending frames (or their flows)."""
    full = ring_capture("oracle.pcap")
    rc, out, err = run("-j", "--write-anomalies", path("bad.pcap"), full)
    j = inspect_json.loads(out)
    bad = tshark_frames(full, "tpkt.reserved != 0")
    check(sorted(e["frame"] for e in j["event_list"]) == bad and len(bad) == 2,
          "event frames %r, tshark %r" % ([e["frame"] for e in j["event_list"]],
                                          bad))
    check(j["tpdus"]["CC"] == len(tshark_frames(full, "cotp.type == 0x0d")),
          "CC count against tshark")
    check(j["tpkts"] == len(subprocess.run(
        ["tshark", "-r", full, "-Y", "tpkt", "-T", "fields", "-e",
         "tpkt.length", "-E", "occurrence=a", "-E", "aggregator=\n"],
        capture_output=True, text=True).stdout.split()),
        "TPKT count against tshark")
    written = tshark_frames(path("bad.pcap"), "frame")
    check(len(written) == 2 and
          len(tshark_frames(path("bad.pcap"), "tpkt.reserved != 0")) == 2,
          "--write-anomalies: %d frames" % len(written))
    check(j["write_anomalies"]["written"] == 2, "written count")
    rc, out, err = run("-j", "--write-anomalies", path("flows.pcap"),
                       "--whole-flows", full)
    streams = subprocess.run(
        ["tshark", "-r", full, "-Y", "tpkt.reserved != 0", "-T", "fields",
         "-e", "tcp.stream"], capture_output=True, text=True).stdout.split()
    expect = tshark_frames(full, " or ".join("tcp.stream == " + s
                                              for s in streams))
    check(len(tshark_frames(path("flows.pcap"), "frame")) == len(expect) and
          len(expect) > 10, "--whole-flows: %d frames, tshark %d" %
          (len(tshark_frames(path("flows.pcap"), "frame")), len(expect)))

    # -f keeps the file's frame numbers
    rc, out, err = run("-j", "-f", "host 10.0.1.2", full)
    f = inspect_json.loads(out)
    check(rc == 0 and [e["frame"] for e in f["event_list"]] ==
          tshark_frames(full, "ip.addr == 10.0.1.2 and tpkt.reserved != 0")
          and f["flows"] == 1, "-f: events %r" % f["event_list"])
    rc, out, err = run("-f", "tcp port", full)
    check(rc == 2 and "bad filter" in err, "bad filter: %d %r" % (rc, err))

    # exit status, event limit
    rc, out, err = run("--exit-status", full)
    check(rc == 3, "--exit-status with anomalies: %d" % rc)
    rc, out, err = run("--exit-status", "check", "tpkt-reserved", "ignore",
                       full)
    check(rc == 0, "--exit-status, nothing found: %d %r" % (rc, err))
    rc, out, err = run("-j", "--max-events", "1", full)
    j = inspect_json.loads(out)
    check(len(j["event_list"]) == 1 and j["events_not_shown"] == 1 and
          j["anomalies"]["tpkt-reserved"] == 2, "--max-events 1")


def test_snaplen_and_ports():
    """Warnings name what was lost, and the JSON has the same figures."""
    full = ring_capture("snap.pcap")
    subprocess.run(["editcap", "-s", "60", full, path("snap60.pcap")],
                   check=True, capture_output=True)
    rc, out, err = run("-j", path("snap60.pcap"))
    j = inspect_json.loads(out)
    check(rc == 0 and j["truncated"] > 0 and "snaplen" in err,
          "snaplen: %d truncated, stderr %r" % (j["truncated"], err))
    rc, out, err = run("-j", "ports", "3000", full)
    j = inspect_json.loads(out)
    check(j["other_ports"] == j["frames"] and
          "TCP packets on other ports: 102, " in err,
          "other ports: %r" % err)


def many_events(p, n_tpkts, per_seg=200):
    """One connection whose every DT has reserved 0x11: an event each."""
    cap = pcapgen.Pcap(p)
    c = pcapgen.Conn(cap)
    c.handshake()
    c.send(0, pcapgen.GOOD_CR)
    c.send(1, pcapgen.KB_CC[:1] + b"\0" + pcapgen.KB_CC[2:])
    seg = pcapgen.dt(b"", reserved=0x11) * per_seg
    for _ in range(n_tpkts // per_seg):
        c.send(0, seg)
    cap.close()


def max_rss_kb(args):
    p = subprocess.run(["/usr/bin/time", "-f", "%M", RELEASE, "inspect"] +
                       args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, int(p.stderr.split()[-1])


def many_flows(p, n):
    cap = pcapgen.Pcap(p)
    for i in range(n):
        c = pcapgen.Conn(cap, 1, cport=1024 + i % 60000)
        c.addr[0] = bytes([10, 1 + i // 60000, (i >> 8) & 0xff, i & 0xff])
        cap.write(c.frame(0, 0x02))
    cap.close()


def frag_capture(name, v6, order):
    """The report's exchange with the bad CC in IP fragments."""
    cap = pcapgen.Pcap(path(name))
    c = pcapgen.Conn(cap, 3, v6=v6)
    c.handshake()
    c.send(0, pcapgen.GOOD_CR)
    l4 = c.l4(1, pcapgen.KB_CC)
    c.nxt[1] += len(pcapgen.KB_CC)
    cut = pcapgen.ipv6_fragments if v6 else pcapgen.ipv4_fragments
    frags = cut(c.addr[1], c.addr[0], l4, 24)
    for i in order(list(range(len(frags)))):
        cap.write(pcapgen.ether(frags[i], v6))
    c.send(0, pcapgen.dt(b"after"))
    cap.close()
    return path(name), len(frags)


def tshark_reassembled(p):
    """reserved byte and checksum status of each TPKT, as tshark
    reassembles the fragments."""
    out = subprocess.run(["tshark", "-r", p, "-o", "tcp.check_checksum:TRUE",
                          "-Y", "tpkt", "-T", "fields", "-e",
                          "tpkt.reserved", "-e", "tcp.checksum.status"],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


def test_fragments():
    """The CC in IPv4 and IPv6 fragments, in order and reversed: found
    and fixed as the module behind nf_defrag does."""
    for v6 in (False, True):
        for order in (lambda x: x, lambda x: x[::-1]):
            p, n_frags = frag_capture("frag.pcap", v6, order)
            before = tshark_reassembled(p)
            rc, out, err = run("-j", "--fix", path("frag-fixed.pcap"), p)
            j = inspect_json.loads(out)
            what = "fragments v%d %s" % (6 if v6 else 4,
                                        "reversed" if order([0, 1]) == [1, 0]
                                        else "in order")
            check(rc == 0 and j["anomalies"]["tpkt-reserved"] == 1 and
                  j["edits"] == 1 and j["desyncs"] == 0 and
                  j["defrag"]["reassembled"] == 1 and j["tpkts"] == 3 and
                  j["fragments"] == n_frags == 3,
                  "%s: %r %r" % (what, err, out[-500:]))
            after = tshark_reassembled(path("frag-fixed.pcap"))
            # the oracle can fail: the input has the byte, tshark sees it
            check(("17", "1") in before, "%s: tshark %r" % (what, before))
            check(after and all(r == ("0", "1") for r in after) and
                  len(after) == len(before),
                  "%s: fixed output as tshark reassembles it: %r"
                  % (what, after))


def test_shrinking_file():
    """A capture truncated while it is read (copytruncate): the file ends
    as a truncated one does, with the summary, never with SIGBUS."""
    p = path("shrink.pcap")
    many_events(p, 2000000)
    for delay in (0.3, 0.1, 0.03):
        shutil.copy(p, path("shrink-now.pcap"))
        proc = subprocess.Popen([TPKTCTL, "inspect",
                                 path("shrink-now.pcap")],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        os.truncate(path("shrink-now.pcap"), 4096)
        out, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            break
    check(proc.returncode == 1 and "shrank while it was read" in err and
          "\nverdict: " in out, "shrinking file: rc %d, stderr %r"
          % (proc.returncode, err[-300:]))


# Peak RSS, documented in tpktctl(8): a million events in 48 MiB, and a
# table of max-flows (65536) flows in 160 MiB, whatever the capture holds.
EVENTS_RSS_KB = 48 * 1024
FLOWS_RSS_KB = 160 * 1024


def test_memory():
    p = path("million.pcap")
    many_events(p, 1000000)
    for args in ([], ["-j"]):
        rc, kb = max_rss_kb(args + [p])
        check(rc == 0 and kb < EVENTS_RSS_KB,
              "1e6 events %s: rc %d, peak RSS %d KiB (bound %d)"
              % (args, rc, kb, EVENTS_RSS_KB))
        print("  a million events%s: peak RSS %d KiB" %
              (" (-j)" if args else "", kb))
    p = path("flows.pcap")
    many_flows(p, 200000)
    rc, kb = max_rss_kb(["-j", p])
    check(rc == 0 and kb < FLOWS_RSS_KB,
          "2e5 flows: rc %d, peak RSS %d KiB (bound %d)"
          % (rc, kb, FLOWS_RSS_KB))
    print("  200000 flows (-j): peak RSS %d KiB" % kb)
    out = subprocess.run([RELEASE, "inspect", "-j", p], capture_output=True,
                         text=True).stdout
    j = inspect_json.loads(out)
    check(j["flows"] == 200000 and j["flows_evicted"] == 200000 - 65536,
          "2e5 flows: %d flows, %d evicted" % (j["flows"],
                                               j["flows_evicted"]))


for t in (test_truncated, test_pipe_sigint, test_ring_buffer,
          test_oracle_and_outputs, test_snaplen_and_ports, test_fragments,
          test_shrinking_file, test_memory):
    before = failed
    t()
    print("%s %s" % ("ok" if failed == before else "not ok", t.__name__))
subprocess.run(["rm", "-rf", TMP])
print("inspect streams: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
