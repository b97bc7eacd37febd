#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Evasion techniques against nf_tpkt, with a real Linux receiver.

  adversary.py serve PORT OUT [halfclose]
                                    accept one connection (and close its
                                    sending half at once), read what the
                                    application gets until EOF or 3 s of
                                    silence, write its TPKT view to OUT
  adversary.py urgent ADDR PORT     send a stream whose reserved byte 0x11
                                    hides behind urgent data
  adversary.py rst_blind ADDR PORT  a clean TPKT, a forged RST far from the
                                    receiver's window, then reserved 0x11
  adversary.py rst_inwindow ADDR PORT
                                    the same with the RST inside the window
                                    but not at the next sequence number
  adversary.py bad_checksum ADDR PORT
                                    a clean first copy of a TPKT with a bad
                                    checksum, then the real one, reserved 0x11
  adversary.py syn_halfclosed ADDR PORT
                                    the server closes its half; a SYN on the
                                    tuple, then reserved 0x11 in the other

The receiver is an ordinary socket without SO_OOBINLINE, as applications
use them: what it reads is what matters, not what went by on the wire.
Its report: the bytes read (hex), the TPKT headers found by walking their
lengths from offset 0, and how many of those have a reserved byte not 0.
"""
import json
import socket
import struct
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


def serve(port, out, halfclose=False):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("LISTENING", flush=True)
    c, _ = ls.accept()
    if halfclose:
        c.shutdown(socket.SHUT_WR)
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


def tcp_checksum(src, dst, seg):
    data = (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(seg)) + seg)
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def snd_nxt(sniff, sport):
    """The sequence number after the last data this host sent from sport,
    and the acknowledgment number it carried, as seen leaving (a packet
    socket for ETH_P_ALL sees outgoing frames)."""
    end = time.time() + 3
    while time.time() < end:
        frame = sniff.recv(65536)
        ip = frame[14:]
        if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
            continue
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        port, seq, ack = struct.unpack("!H2xII", tcp[:12])
        n = struct.unpack("!H", ip[2:4])[0] - ihl - (tcp[12] >> 4) * 4
        if port == sport and n > 0:
            return (seq + n) & 0xffffffff, ack
    sys.exit("did not see the segment leave")


def forge(src, sport, addr, port, seq, ack, flags, payload=b"",
          csum_ok=True):
    """A TCP segment of our own making from src:sport, through a raw
    socket (the kernel adds the IP header)."""
    hdr = struct.pack("!HHIIBBHHH", sport, port, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    c = tcp_checksum(src, addr, hdr + payload) ^ (0 if csum_ok else 0x5555)
    seg = hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    raw.sendto(seg, (addr, 0))
    raw.close()


def forged_between(addr, port, make):
    """A connection that sends a clean TPKT, then what make(s, src, sport,
    (next sequence number, acknowledgment number)) forges (s the client's
    socket), then reserved 0x11 in a real segment."""
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(0x0003))  # ETH_P_ALL: outgoing too
    sniff.settimeout(3)
    s = socket.create_connection((addr, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    src, sport = s.getsockname()
    s.send(bytes.fromhex("0300000702f080"))
    make(s, src, sport, snd_nxt(sniff, sport))
    time.sleep(0.3)
    s.send(bytes.fromhex("0311000702f080"))
    time.sleep(1)
    s.close()


def rst(how, addr, port):
    """The gateway must not take an RST for the end of the connection when
    the receiver does not (RFC 5961): out of its window it is ignored, in
    it but not at exactly RCV.NXT it earns a challenge ACK.  The real
    connection goes on and sends reserved 0x11."""
    delta = 1000 if how == "inwindow" else 0x80000000
    forged_between(addr, port, lambda s, src, sport, nxt: forge(
        src, sport, addr, port, (nxt[0] + delta) & 0xffffffff, 0, 0x04))


def bad_checksum(addr, port):
    """A clean copy of the next TPKT with a bad TCP checksum, which the
    receiver discards: the real one at the same sequence numbers carries
    reserved 0x11 and must not pass for a retransmission of the first."""
    forged_between(addr, port, lambda s, src, sport, nxt: forge(
        src, sport, addr, port, nxt[0], nxt[1], 0x18,
        bytes.fromhex("0300000702f080"), csum_ok=False))


def syn_halfclosed(addr, port):
    """The server has closed its half; the client's may still send.  A SYN
    on the tuple (the receiver answers it with a challenge ACK) must not
    end the tracking of the half that is still open."""
    def make(s, src, sport, nxt):
        s.settimeout(3)
        if s.recv(1) != b"":
            sys.exit("the server did not close its half")
        forge(src, sport, addr, port, 0x12345678, 0, 0x02)

    forged_between(addr, port, make)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3], sys.argv[4:] == ["halfclose"])
    elif sys.argv[1] == "urgent":
        urgent(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] in ("rst_blind", "rst_inwindow"):
        rst(sys.argv[1][4:], sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "bad_checksum":
        bad_checksum(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "syn_halfclosed":
        syn_halfclosed(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: adversary.py serve PORT OUT | TECHNIQUE ADDR PORT")
