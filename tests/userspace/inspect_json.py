# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Read "tpktctl inspect -j" output: JSON Lines of events and flows as they
were found, then the summary.  loads() gives the summary with the lines
before it as "event_list" and "flow_list", so that a check reads one object."""
import json


def loads(text):
    events, flows, summary = [], [], None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        o = json.loads(line)
        kind = o.get("type")
        if kind == "event":
            events.append(o)
        elif kind == "flow":
            flows.append(o)
        elif kind == "summary":
            if summary is not None:
                raise ValueError("line %d: a second summary" % n)
            summary = o
        else:
            raise ValueError("line %d: unknown type %r" % (n, kind))
    if summary is None:
        raise ValueError("no summary line")
    summary["event_list"] = events
    summary["flow_list"] = flows
    return summary


def load(path):
    with open(path) as f:
        return loads(f.read())


def directions(summary):
    """Every direction of every flow: dicts with src, dst, tpdus, ..."""
    return [d for f in summary["flow_list"] for d in f["directions"]]
