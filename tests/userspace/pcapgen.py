# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Captures built from scratch for the inspect checks: classic pcap,
Ethernet, IPv4/IPv6, TCP with correct checksums, ISO-on-TCP payloads.
Independent of tpktctl's own packet code, so one does not check itself."""
import struct

# The CONNECT CONFIRM of Microsoft KB Q151626: TPKT reserved byte 0x11.
KB_CC = bytes.fromhex(
    "0311002c27d001ca002900c10d53574953534c494645"
    "54534150c20d45584348414e47455453415031c0010b")
# A conformant CONNECT REQUEST to go before it.
GOOD_CR = bytes.fromhex("0300001611e00000000100c0010ac1020100c2020102")


def dt(payload, reserved=0):
    """A TPKT with a COTP DT TPDU (EOT) carrying @payload."""
    n = 4 + 3 + len(payload)
    return bytes([3, reserved, n >> 8, n & 0xff, 2, 0xf0, 0x80]) + payload


def _sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def _csum(b):
    return ~_sum(b) & 0xffff


class Pcap:
    """A classic pcap file, microsecond timestamps, Ethernet."""

    def __init__(self, path, snaplen=65535):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0,
                                 snaplen, 1))
        self.t = 1700000000.0

    def record(self, frame, t=None):
        """Bytes of one record (written by write())."""
        if t is None:
            self.t += 0.001
            t = self.t
        cap = frame[:self.snaplen]
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        return struct.pack("<IIII", sec, usec, len(cap), len(frame)) + cap

    def write(self, frame, t=None):
        self.f.write(self.record(frame, t))

    def close(self):
        self.f.close()


def ether(payload, v6=False):
    return (b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" +
            (b"\x86\xdd" if v6 else b"\x08\x00") + payload)


def tcp(src, dst, sport, dport, seq, ack, flags, data, v6=False):
    """The TCP segment with its checksum over the pseudo header."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0)
    seg = hdr + data
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(seg))
    c = _csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, payload, ident=1, frag_off=0, more=False, proto=6):
    flags = (0x2000 if more else 0) | (frag_off // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    flags, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", _csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, payload, nh=6):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, src,
                       dst) + payload


def ipv4_fragments(src, dst, l4, size, ident=7):
    """@l4 (a whole TCP segment) in IPv4 fragments of @size bytes."""
    out = []
    for off in range(0, len(l4), size):
        out.append(ipv4(src, dst, l4[off:off + size], ident, off,
                        off + size < len(l4)))
    return out


def ipv6_fragments(src, dst, l4, size, ident=7):
    """@l4 in IPv6 fragments (a fragment header each) of @size bytes."""
    out = []
    for off in range(0, len(l4), size):
        more = off + size < len(l4)
        fh = struct.pack("!BBHI", 6, 0, off | more, ident)
        out.append(ipv6(src, dst, fh + l4[off:off + size], nh=44))
    return out


class Conn:
    """One TCP connection, client (0) to server port 102 (1)."""

    def __init__(self, cap, n=1, v6=False, cport=None):
        self.cap = cap
        self.v6 = v6
        if v6:
            self.addr = [bytes.fromhex("20010db8" + "0" * 22 + "%02x" % n),
                         bytes.fromhex("20010db8" + "0" * 22 + "ff")]
        else:
            self.addr = [bytes([10, 0, 1, n]), bytes([10, 0, 0, 2])]
        self.port = [cport or 40000 + n, 102]
        self.nxt = [1000 * n, 5000000 + 1000 * n]

    def frame(self, d, flags, data=b"", seq=None):
        l4 = tcp(self.addr[d], self.addr[1 - d], self.port[d],
                 self.port[1 - d], self.nxt[d] if seq is None else seq,
                 self.nxt[1 - d], flags, data, self.v6)
        ip = (ipv6 if self.v6 else ipv4)(self.addr[d], self.addr[1 - d], l4)
        return ether(ip, self.v6)

    def l4(self, d, data, flags=0x18):
        return tcp(self.addr[d], self.addr[1 - d], self.port[d],
                   self.port[1 - d], self.nxt[d], self.nxt[1 - d], flags,
                   data, self.v6)

    def handshake(self):
        self.cap.write(self.frame(0, 0x02))
        self.nxt[0] += 1
        self.cap.write(self.frame(1, 0x12))
        self.nxt[1] += 1
        self.cap.write(self.frame(0, 0x10))

    def send(self, d, data):
        self.cap.write(self.frame(d, 0x18, data))
        self.nxt[d] += len(data)
