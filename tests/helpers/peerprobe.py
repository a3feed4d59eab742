#!/usr/bin/env python3
"""Hostile peers of svcd's sockets, for tests/integration/test-peers.sh. They speak just enough
D-Bus (ANONYMOUS authentication and one method call).

  call SOCKET METHOD UNIT       one call (Stop, Start: "asb"); waits for the answer, prints
                                "reply" or "error NAME", or "closed" when svcd hung up
  call-exit SOCKET METHOD UNIT N
                                N times: a child connects and exits at once, leaving the
                                connection to a child of its own that makes the call; prints
                                "sent I" after each exit, the calls' answers, then "done"
  hold SOCKET N                 opens N connections that send nothing; prints how many svcd
                                kept open after a moment, then holds them until killed
  status-loop SOCKET UNIT N STOPFILE
                                N connections that ask Status([UNIT]) over and over, each again
                                once answered, until STOPFILE exists; prints "answers N"
  notify-exit SOCKET N          N times: a child sends READY=1 to a notify socket and exits
  pass-fds SOCKET N             N connections that ask for descriptor passing and send three
                                descriptors with a message sd-bus cannot parse (the length of
                                its path is past its header); prints "agreed K", how many
                                times svcd agreed to descriptors, once svcd closed every one
"""
import os
import select
import socket
import struct
import sys
import time

PATH = "/org/svc/manager"
INTERFACE = "org.svc.Manager1"


def pad(b, n):
    return b + b"\0" * ((-len(b)) % n)


def string(s, length_fmt="<I"):
    return struct.pack(length_fmt, len(s)) + s.encode() + b"\0"


def header_field(code, sig, value):
    b = struct.pack("<B", code) + string(sig, "<B")
    if sig == "g":
        return b + string(value, "<B")
    return pad(b, 4) + string(value)


def method_call(member, unit, serial=1):
    """A little-endian METHOD_CALL of MEMBER(as, b) on svc's manager with [UNIT], true; of
    Status(as) with [UNIT]."""
    signature = "as" if member == "Status" else "asb"
    fields = b""
    for code, sig, value in ((1, "o", PATH), (2, "s", INTERFACE), (3, "s", member), (8, "g", signature)):
        fields = pad(fields, 8) + header_field(code, sig, value)
    elem = string(unit)
    body = struct.pack("<I", len(elem)) + elem
    if signature == "asb":
        body = pad(body, 4) + struct.pack("<I", 1)
    head = b"l" + struct.pack("<BBBII", 1, 0, 1, len(body), serial) + struct.pack("<I", len(fields))
    return pad(head + fields, 8) + body


AUTH = b"\0AUTH ANONYMOUS 70726f6265\r\n"


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def call(path, member, unit):
    converse(connect(path), member, unit)


def converse(s, member, unit):
    # In steps: sd-bus reads what follows the authentication only on the next wake-up of the
    # connection.
    s.settimeout(60)
    data = b""
    sent = False
    while True:
        try:
            if not data and not sent:
                s.sendall(AUTH)
            chunk = s.recv(65536)
        except (BrokenPipeError, ConnectionResetError):
            chunk = b""
        if not chunk:
            print("closed", flush=True)
            return
        data += chunk
        ok = data.find(b"\r\n")
        if ok >= 0 and not sent:
            s.sendall(b"BEGIN\r\n")
            time.sleep(0.1)
            s.sendall(method_call(member, unit))
            sent = True
        msg = data[ok + 2:] if ok >= 0 else b""
        if len(msg) >= 16:
            if msg[1] == 3:
                i = msg.find(b"org.")
                name = msg[i:msg.find(b"\0", i)].decode() if i >= 0 else "?"
                print("error " + name, flush=True)
            else:
                print("reply", flush=True)
            return


def call_exit(path, member, unit, n):
    # The process that connects exits at once; a child of it keeps the connection and talks.
    rfd, wfd = os.pipe()
    for i in range(n):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                s = connect(path)
                if os.fork() == 0:
                    try:
                        converse(s, member, unit)
                    finally:
                        os._exit(0)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        print("sent %d" % (i + 1), flush=True)
    os.close(wfd)
    os.read(rfd, 1)  # EOF once every talker has ended
    print("done", flush=True)


def hold(path, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(path))
        except OSError as e:
            print("connect failed: %s" % e, flush=True)
            break
    time.sleep(1)
    # svcd closes what it refuses: such a socket reads EOF.
    r, _, _ = select.select(socks, [], [], 0)
    closed = sum(1 for s in r if s.recv(1) == b"")
    print("open %d" % (len(socks) - closed), flush=True)
    while True:
        time.sleep(1000)


def message_length(buf):
    """The length of the D-Bus message at the start of BUF, or 0 while its header is incomplete."""
    if len(buf) < 16:
        return 0
    body, fields = struct.unpack_from("<I", buf, 4)[0], struct.unpack_from("<I", buf, 12)[0]
    return 16 + fields + ((-fields) % 8) + body


def status_loop(path, unit, conns, stopfile):
    """CONNS connections, each asking Status([UNIT]) again as soon as it is answered."""
    socks = {}
    for _ in range(conns):
        s = connect(path)
        s.sendall(AUTH)
        line = b""
        while not line.endswith(b"\r\n"):
            line += s.recv(1)
        s.sendall(b"BEGIN\r\n")
        socks[s] = [b"", 1]
    time.sleep(0.1)
    for s, st in socks.items():
        s.sendall(method_call("Status", unit, st[1]))
    answers = 0
    while not os.path.exists(stopfile):
        r, _, _ = select.select(list(socks), [], [], 0.2)
        for s in r:
            st = socks[s]
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("svcd hung up")
            st[0] += chunk
            n = message_length(st[0])
            if n and len(st[0]) >= n:
                st[0] = st[0][n:]
                st[1] += 1
                answers += 1
                s.sendall(method_call("Status", unit, st[1]))
    print("answers %d" % answers, flush=True)


def notify_exit(path, n):
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.sendto(b"READY=1", path)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    print("done")


def pass_fds(path, n):
    bad = bytearray(method_call("Status", "x"))
    struct.pack_into("<I", bad, 20, 0x5B)  # the length of the path, the first header field
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(3)]
    agreed = 0
    for _ in range(n):
        s = connect(path)
        s.settimeout(10)
        s.sendall(AUTH + b"NEGOTIATE_UNIX_FD\r\nBEGIN\r\n")
        data = b""
        while data.count(b"\r\n") < 2 and b"\r\nERROR" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        agreed += b"AGREE_UNIX_FD" in data
        time.sleep(0.05)  # BEGIN read, as after any handshake
        try:
            s.sendmsg([bytes(bad)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", *fds))])
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.close()
    print("agreed %d" % agreed, flush=True)


def main():
    cmd = sys.argv[1]
    if cmd == "call":
        call(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "call-exit":
        call_exit(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
    elif cmd == "status-loop":
        status_loop(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif cmd == "notify-exit":
        notify_exit(sys.argv[2], int(sys.argv[3]))
    elif cmd == "pass-fds":
        pass_fds(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
