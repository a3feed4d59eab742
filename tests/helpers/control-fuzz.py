#!/usr/bin/env python3
# control-fuzz.py SOCKET SEED COUNT: COUNT hostile connections to svcd's control socket, from a
# fixed seed (the same inputs at every run): random bytes, broken SASL handshakes, and, after a
# correct handshake, D-Bus messages whose header fields, lengths and body are mutated from a
# valid Status call. Each connection ends with our side shut for writing and waits (5 s at most)
# until svcd has closed it. Exits 1 if svcd stops accepting connections or keeps one open.
import os
import random
import socket
import struct
import sys


def valid_status_call(serial):
    """A little-endian method call of org.svc.Manager1.Status("as": ["x"])."""
    body = struct.pack("<I", 6) + struct.pack("<I", 1) + b"x\0"

    def field(code, sig, value):
        raw = value.encode() + b"\0"
        if sig in ("s", "o"):
            data = struct.pack("<I", len(raw) - 1) + raw
        else:  # g
            data = bytes([len(raw) - 1]) + raw
        return bytes([code, 1]) + sig.encode() + b"\0" + data

    fields = [
        field(1, "o", "/org/svc/manager"),
        field(2, "s", "org.svc.Manager1"),
        field(3, "s", "Status"),
        field(8, "g", "as"),
    ]
    arr = b""
    for f in fields:
        arr += b"\0" * ((-len(arr)) % 8) + f
    header = b"l" + bytes([1, 0, 1]) + struct.pack("<III", len(body), serial, len(arr)) + arr
    header += b"\0" * ((-len(header)) % 8)
    return header + body


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind = rng.randrange(5)
        i = rng.randrange(len(data))
        if kind == 0:
            data[i] = rng.randrange(256)
        elif kind == 1:
            data[i : i + 4] = struct.pack("<I", rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 27, rng.randrange(1 << 32)]))
        elif kind == 2:
            del data[i : i + rng.randint(1, 16)]
        elif kind == 3:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        else:
            data = data[: rng.randrange(len(data))]
        if not data:
            data = bytearray(b"\0")
    return bytes(data)


def handshake(s):
    s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    reply = s.recv(256)
    if not reply.startswith(b"OK "):
        return False
    s.sendall(b"BEGIN\r\n")
    return True


def one(path, rng, n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    kind = n % 4
    got = 0
    try:
        if kind == 0:
            s.sendall(bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096))))
        elif kind == 1:
            line = rng.choice([b"\0AUTH EXTERNAL zz\r\n", b"\0AUTH\r\n", b"\0" + b"A" * 20000, b"\0AUTH ANONYMOUS\r\nBEGIN\r\n",
                               b"\0NEGOTIATE_UNIX_FD\r\nBEGIN\r\n", b"\0AUTH EXTERNAL\r\nDATA\r\nDATA 3030\r\nBEGIN\r\n"])
            s.sendall(line)
        elif handshake(s):
            msg = valid_status_call(n) if kind == 2 else mutate(rng, valid_status_call(n))
            for _ in range(rng.randint(1, 3)):
                s.sendall(mutate(rng, msg) if kind == 3 else msg)
        # Our end closed for writing: svcd sees the end of what it was sent, answers or closes.
        s.shutdown(socket.SHUT_WR)
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                got += len(data)
        except socket.timeout:
            raise TimeoutError(f"connection {n} ({kind}): svcd kept it open after its end") from None
        except OSError:
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    return kind, got


def main():
    path, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    unanswered = 0
    for n in range(count):
        try:
            kind, got = one(path, rng, n)
            # A valid call gets the handshake's replies and then its answer.
            if kind == 2 and got < 64:
                unanswered += 1
        except (ConnectionRefusedError, FileNotFoundError) as e:
            print(f"connection {n}: svcd no longer accepts: {e}")
            return 1
        except TimeoutError as e:
            print(e)
            return 1
    if unanswered:
        print(f"{unanswered} valid calls among the hostile ones got no answer")
        return 1
    print(f"{count} hostile connections sent, every valid call answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
