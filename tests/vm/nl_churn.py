#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Replace the nf_tpkt policy of the current network namespace N times, as
fast as netlink goes, dumping the flows every 10 changes and flushing them
and resetting counters every 50, so that dumps meet flows unlinked under
them; for the concurrency test (suite.d/28-concurrency.sh).  Speaks through the
kernel's YNL library with the project's spec, so no attribute number is
written twice.

  nl_churn.py YNL_DIR SPEC N SECONDS GO_FILE

Loading the spec takes long under emulation: it prints READY once it can
send, waits for GO_FILE to exist, then spreads the N changes over about
SECONDS.  Every mode comes by in turn, "off" included, so the hooks are
unregistered and registered again under traffic.
"""
import os
import sys
import time

ynl_dir, spec, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
secs, go = float(sys.argv[4]), sys.argv[5]
sys.path.insert(0, ynl_dir + "/tools/net/ynl")
from lib import YnlFamily  # noqa: E402

# no schema check (seconds under emulation): check_ynl_spec.sh does it
ynl = YnlFamily(spec, "")
modes = ["normalize", "monitor", "enforce", "normalize", "off"]
print("READY", flush=True)
while not os.path.exists(go):
    time.sleep(0.05)
t0 = time.time()
dumps = listed = 0
for i in range(1, n + 1):
    wait = t0 + secs * (i - 1) / n - time.time()
    if wait > 0:
        time.sleep(wait)
    ynl.do("set-policy", {
        "policy-mode": modes[i % 5],
        "policy-ooo": ["drop", "pass"][i % 2],
        "policy-max-flows": 4 + i % 8,
        "policy-pickup": "loose",
        "policy-event-rate": i % 3 * 100,
    })
    if i % 10 == 0:
        dumps += 1
        listed += len(ynl.dump("get-flows", {}))
    if i % 50 == 0:
        ynl.do("flush-flows", {})
        ynl.do("get-stats", {"stats-reset": True})
print("nl_churn: %d policy changes, %d flow dumps listing %d flows, in %.1f s"
      % (n, dumps, listed, time.time() - t0))
