#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile byte streams for the VM suite (suite.d/25-hostile.sh).

  hostile.py serve PORT              echo every connection back until it closes
  hostile.py corpus ADDR PORT DIR exact|length [MAX]
                                     one connection per file of DIR, sent and
                                     echoed back intact or at full length; the
                                     first 8 bytes of a fuzzer input are its
                                     control bytes, not stream
  hostile.py garbage ADDR PORT SECS N   N connections of random bytes both ways

Prints one summary line; exits non-zero if a connection fails to carry its
bytes both ways: whatever arrives, the module never stalls a stream in
normalize mode, and never changes one in monitor mode.
"""
import hashlib
import os
import random
import socket
import sys
import threading
import time

def serve(port):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port))
    ls.listen(64)

    def echo(c):
        with c:
            pump(c, c.sendall)

    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()

def pump(s, sink):
    """Hand everything s receives to sink, until EOF or an error (a timeout:
    what came through is compared by the caller)."""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            sink(d)
    except OSError:
        pass

def drain(s, sink):
    """pump() in a thread of its own, started."""
    t = threading.Thread(target=pump, args=(s, sink))
    t.start()
    return t

def exchange(addr, port, data, timeout=20):
    """Send data, read the echo back; returns what came back."""
    s = socket.create_connection((addr, port), timeout=timeout)
    got = bytearray()
    t = drain(s, got.extend)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join(timeout)
    s.close()
    return bytes(got)

def corpus(addr, port, d, exact, limit):
    files = sorted(os.listdir(d))
    if limit and len(files) > limit:
        # evenly spaced, the same ones every run
        files = [files[i * len(files) // limit] for i in range(limit)]
    bad = []
    sent = 0
    # enforce mode may drop a stream for good: that connection waits out
    # its timeout, so many run at once
    sem = threading.Semaphore(8 if exact else 32)
    timeout = 20 if exact else 3
    lock = threading.Lock()

    def one(name):
        nonlocal sent
        with sem:
            data = open(os.path.join(d, name), "rb").read()[8:]
            try:
                got = exchange(addr, port, data, timeout)
                # edits keep the length; only monitor mode keeps every byte
                ok = got == data if exact else len(got) == len(data)
                n = len(got)
            except OSError as e:
                ok, n = not exact, str(e)
            with lock:
                sent += len(data)
                if not ok:
                    bad.append("%s (%d bytes, echo %s)" % (name, len(data), n))

    ts = [threading.Thread(target=one, args=(f,)) for f in files]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("corpus: %d streams, %d bytes, %d not echoed %s%s"
          % (len(files), sent, len(bad), "intact" if exact else "in full",
             (": " + ", ".join(bad[:5])) if bad else ""))
    return 1 if bad else 0

def garbage(addr, port, secs, n):
    stop = time.time() + secs
    totals = []
    bad = []
    lock = threading.Lock()

    def one(i):
        rnd = random.Random(i)
        s = socket.create_connection((addr, port), timeout=20)
        sent, got = hashlib.sha256(), hashlib.sha256()
        nsent = 0
        t = drain(s, got.update)
        while time.time() < stop:
            chunk = rnd.randbytes(rnd.choice((1, 7, 100, 1448, 16384, 65536)))
            s.sendall(chunk)
            sent.update(chunk)
            nsent += len(chunk)
        s.shutdown(socket.SHUT_WR)
        t.join(30)
        s.close()
        with lock:
            totals.append(nsent)
            if got.digest() != sent.digest():
                bad.append(i)

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("garbage: %d connections, %d bytes each way, %d not echoed intact"
          % (n, sum(totals), len(bad)))
    return 1 if bad else 0

def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(int(sys.argv[2]))
    elif cmd == "corpus":
        sys.exit(corpus(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                        sys.argv[5] == "exact",
                        int(sys.argv[6]) if len(sys.argv) > 6 else 0))
    elif cmd == "garbage":
        sys.exit(garbage(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                         int(sys.argv[5])))
    else:
        sys.exit("usage: see the head of " + sys.argv[0])

if __name__ == "__main__":
    main()
