#!/usr/bin/env python3
"""Network ends for the networking tests: servers that tell each client its address as they see
it, and clients that print what they got.

  tcp-serve PORT           answers each connection with "peer ADDR"
  udp-serve PORT           answers each datagram with "peer ADDR"
  tcp-ask HOST PORT        connects, prints the answer (exit 1 and the error when it cannot)
  udp-ask HOST PORT        sends a datagram, prints the answer
  tcp-ask6, udp-ask6       the same over IPv6 only (a name resolved to its IPv6 address)
  tcp-hold HOST PORT N SECONDS...
                           opens N connections and sends nothing; at each of SECONDS (counted
                           from the last connect, ascending) prints "after S s: open K" (K: not
                           yet closed by the other end)
  tcp-echo PORT            sends back all a connection sent, once it has ended its side
  tcp-roundtrip HOST PORT BYTES
                           sends BYTES random bytes, ends its side, prints "same N" when the
                           N bytes that come back are those

Servers listen on both families where the namespace has IPv6, and print an IPv4 peer as such
(10.0.0.1, not ::ffff:10.0.0.1).
  tcp-log PORT FILE        accepts connections and appends "peer ADDR" to FILE
  smtp-sink PORT FILE      an SMTP server (RFC 5321's minimum) that appends "peer ADDR", the
                           envelope and the message to FILE
"""
import os
import socket
import sys
import time


def listener(kind):
    """A socket bound to every address of both families, or of IPv4 where IPv6 is disabled."""
    try:
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        return s, "::"
    except OSError:
        return socket.socket(socket.AF_INET, kind), "0.0.0.0"


def peer(addr):
    return addr[0][7:] if addr[0].startswith("::ffff:") else addr[0]


def serve_tcp(port, log=None):
    s, any_addr = listener(socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((any_addr, port))
    s.listen(16)
    print(f"listening on tcp {port}", flush=True)
    while True:
        c, addr = s.accept()
        line = f"peer {peer(addr)}\n"
        print(f"connection from {peer(addr)}", flush=True)
        if log:
            with open(log, "a") as f:
                f.write(line)
        try:
            c.sendall(line.encode())
        except OSError:
            pass
        c.close()


def serve_udp(port):
    s, any_addr = listener(socket.SOCK_DGRAM)
    s.bind((any_addr, port))
    print(f"listening on udp {port}", flush=True)
    while True:
        _, addr = s.recvfrom(512)
        s.sendto(f"peer {peer(addr)}\n".encode(), addr)


def ask(kind, host, port, family=socket.AF_INET):
    sock_type = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    try:
        target = socket.getaddrinfo(host, port, family, sock_type)[0][4]
    except OSError as e:
        print(f"error {e}", flush=True)
        sys.exit(1)
    s = socket.socket(family, sock_type)
    s.settimeout(3)
    try:
        if kind == "tcp":
            s.connect(target)
        else:
            s.sendto(b"hello\n", target)
        print(s.recv(512).decode().strip(), flush=True)
    except OSError as e:
        print(f"error {e}", flush=True)
        sys.exit(1)


def hold(host, port, n, checkpoints):
    target = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    socks = []
    for _ in range(n):
        s = socket.socket(target[0], socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect(target[4])
            s.setblocking(False)
            socks.append(s)
        except OSError:
            s.close()
    start = time.monotonic()
    for at in checkpoints:
        time.sleep(max(0.0, start + at - time.monotonic()))
        open_now = 0
        for s in socks:
            try:
                open_now += s.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                open_now += 1
            except OSError:
                pass
        print(f"after {at:g} s: open {open_now}", flush=True)


def smtp_sink(port, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(4)
    print(f"smtp on {port}", flush=True)
    while True:
        c, addr = s.accept()
        f = c.makefile("rwb")

        def say(text):
            f.write(text.encode() + b"\r\n")
            f.flush()

        got = [f"peer {addr[0]}"]
        say("220 sink ESMTP")
        for raw in f:
            line = raw.decode(errors="replace").rstrip("\r\n")
            verb = line.split(" ")[0].split(":")[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 sink")
            elif verb in ("MAIL", "RCPT"):
                got.append(line)
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                for body in f:
                    b = body.decode(errors="replace").rstrip("\r\n")
                    if b == ".":
                        break
                    got.append(b[1:] if b.startswith(".") else b)
                with open(path, "a") as out:
                    out.write("\n".join(got) + "\n")
                got = [f"peer {addr[0]}"]
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                break
            else:
                say("502 no")
        c.close()


def serve_echo(port):
    s, any_addr = listener(socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((any_addr, port))
    s.listen(16)
    print(f"listening on tcp {port}", flush=True)
    while True:
        c, _ = s.accept()
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        c.sendall(data)
        c.close()


def roundtrip(host, port, n):
    data = os.urandom(n)
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            back += chunk
    except OSError as e:
        print(f"error {e}", flush=True)
        sys.exit(1)
    print(f"same {len(back)}" if back == data else f"differ {len(back)}", flush=True)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "tcp-serve":
        serve_tcp(int(args[0]))
    elif mode == "tcp-log":
        serve_tcp(int(args[0]), args[1])
    elif mode == "udp-serve":
        serve_udp(int(args[0]))
    elif mode == "smtp-sink":
        smtp_sink(int(args[0]), args[1])
    elif mode in ("tcp-ask", "udp-ask", "tcp-ask6", "udp-ask6"):
        ask(mode[:3], args[0], int(args[1]), socket.AF_INET6 if mode.endswith("6") else socket.AF_INET)
    elif mode == "tcp-echo":
        serve_echo(int(args[0]))
    elif mode == "tcp-roundtrip":
        roundtrip(args[0], int(args[1]), int(args[2]))
    elif mode == "tcp-hold":
        hold(args[0], int(args[1]), int(args[2]), [float(a) for a in args[3:]])
    else:
        sys.exit(f"unknown mode {mode}")


main()
