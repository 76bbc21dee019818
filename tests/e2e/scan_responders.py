#!/usr/bin/env python3
"""Small stand-ins for the end-to-end test of `voipsec scan` (tests/e2e/test_scan.sh) and the
scan benchmark (scripts/bench.sh): things that are not SIP servers but sit where a scanner looks.

    scan_responders.py MODE ADDR PORT [LOG] [SERVER]

  blackhole  UDP and TCP on ADDR:PORT: reads everything, answers nothing, keeps TCP connections
             open (a firewalled or hung device: the scanner must call it silent, and not hang)
  garbage    UDP: answers every datagram with bytes that are not SIP; TCP: answers the first bytes
             of a connection with an HTTP error and closes (something else on a SIP port)
  ami        TCP: sends an Asterisk Manager Interface banner on connect, then reads and closes
  dns        UDP: answers every DNS query with NXDOMAIN (the name does not exist), writing each
             queried name to LOG (so a test can see what was resolved, and that nothing went to
             the machine's real resolver)
  sip        UDP: answers every SIP request with 200 OK (Via, From, To, Call-ID, CSeq copied),
             Server "voipsec-bench-responder" or SERVER (the scan bench's stand-in when Kamailio
             is missing; the demo's pretend devices)

LOG may be "-" for none.

ADDR must be a loopback address (127.0.0.0/8): this refuses anything else. Prints "ready" on
standard output once bound, then serves until killed. Bounded: at most 64 TCP connections open,
each read at most 64 KiB.
"""
import ipaddress
import selectors
import socket
import struct
import sys

AMI_BANNER = b"Asterisk Call Manager/5.0.2\r\n"
GARBAGE_UDP = b"\x00\x01\x02 this is not SIP \xff\xfe\r\n"
GARBAGE_TCP = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
MAX_CONNS = 64
SERVER = "voipsec-bench-responder"


def udp_socket(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.setblocking(False)
    return s


def tcp_socket(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.setblocking(False)
    return s


def sip_answer(req):
    try:
        text = req.decode("utf-8", "replace")
    except Exception:
        return None
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head or not head[0].endswith("SIP/2.0") or head[0].startswith("SIP/"):
        return None
    keep = []
    for line in head[1:]:
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"):
            if name in ("to", "t") and ";tag=" not in line:
                line += ";tag=vsbench1"
            keep.append(line)
    out = ["SIP/2.0 200 OK"] + keep + ["Server: " + SERVER, "Content-Length: 0", "", ""]
    return "\r\n".join(out).encode()


def dns_nxdomain(q):
    if len(q) < 12:
        return None, None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None, None
    # the question: labels, then type and class
    i, labels = 12, []
    while i < len(q) and q[i] != 0 and len(labels) < 64:
        n = q[i]
        labels.append(q[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    end = i + 5
    if end > len(q):
        return None, None
    question = q[12:end]
    rd = flags & 0x0100
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | 3, 1, 0, 0, 0)
    return hdr + question, ".".join(labels)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    log = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] != "-" else None
    global SERVER
    if len(sys.argv) > 5:
        SERVER = sys.argv[5]
    if ipaddress.ip_address(addr) not in ipaddress.ip_network("127.0.0.0/8"):
        print("scan_responders: %s is not a loopback address" % addr, file=sys.stderr)
        return 2
    sel = selectors.DefaultSelector()
    udp = tcp = None
    if mode in ("blackhole", "garbage", "dns", "sip"):
        udp = udp_socket(addr, port)
        sel.register(udp, selectors.EVENT_READ, "udp")
    if mode in ("blackhole", "garbage", "ami"):
        tcp = tcp_socket(addr, port)
        sel.register(tcp, selectors.EVENT_READ, "listen")
    if udp is None and tcp is None:
        print("scan_responders: unknown mode %s" % mode, file=sys.stderr)
        return 2
    logf = open(log, "a", buffering=1) if log else None
    conns = {}
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s, what = key.fileobj, key.data
            if what == "udp":
                try:
                    data, peer = s.recvfrom(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    continue
                reply = None
                if mode == "garbage":
                    reply = GARBAGE_UDP
                elif mode == "sip":
                    reply = sip_answer(data)
                elif mode == "dns":
                    reply, name = dns_nxdomain(data)
                    if logf and name is not None:
                        logf.write(name + "\n")
                if reply:
                    try:
                        s.sendto(reply, peer)
                    except OSError:
                        pass
            elif what == "listen":
                try:
                    c, _ = s.accept()
                except BlockingIOError:
                    continue
                if len(conns) >= MAX_CONNS:
                    c.close()
                    continue
                c.setblocking(False)
                if mode == "ami":
                    try:
                        c.send(AMI_BANNER)
                    except OSError:
                        pass
                conns[c] = 0
                sel.register(c, selectors.EVENT_READ, "conn")
            else:  # a TCP connection
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:  # reset by the peer
                    data = b""
                done = not data
                if data:
                    conns[s] += len(data)
                    if mode == "garbage":
                        try:
                            s.send(GARBAGE_TCP)
                        except OSError:
                            pass
                        done = True
                    elif conns[s] > 65536:
                        done = True
                if done:
                    sel.unregister(s)
                    del conns[s]
                    s.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
