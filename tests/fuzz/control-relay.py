#!/usr/bin/env python3
# control-relay.py LISTEN UPSTREAM NAMEFILE OUTDIR: a relay between svc-ctl and a real svcd's
# control socket that keeps what each client sent, as seeds of fuzz-control (see
# fuzz-control.c for the first byte): NAME-raw (mode 0, the stream as it is) and
# NAME-after-handshake (mode 1: the stream after BEGIN, behind the target's own handshake).
# NAME is read from NAMEFILE when a client connects. Descriptors are passed on to svcd, as
# `svc exec` passes its stdio; the seeds keep no trace of them but the call's arguments.
import array
import os
import select
import socket
import sys

listen_path, upstream_path, name_file, outdir = sys.argv[1:5]


def recv_with_fds(sock):
    fds = array.array("i")
    data, anc, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    return data, list(fds)


def relay(client, upstream):
    sent = b""
    open_ends = {client, upstream}
    while client in open_ends:
        readable, _, _ = select.select(list(open_ends), [], [])
        for sock in readable:
            if sock is client:
                data, fds = recv_with_fds(client)
                if fds:
                    upstream.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
                    for fd in fds:
                        os.close(fd)
                elif data:
                    upstream.sendall(data)
                else:
                    upstream.shutdown(socket.SHUT_WR)
                    open_ends.discard(client)
                sent += data
            else:
                data = upstream.recv(65536)
                if not data:
                    open_ends.discard(upstream)
                    continue
                client.sendall(data)
    return sent


def save(name, sent):
    begin = sent.find(b"BEGIN\r\n")
    with open(os.path.join(outdir, name + "-raw"), "wb") as f:
        f.write(b"\x00" + sent)
    if begin >= 0:
        with open(os.path.join(outdir, name + "-after-handshake"), "wb") as f:
            f.write(b"\x01" + sent[begin + len(b"BEGIN\r\n") :])


def main():
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(listen_path)
    server.listen(4)
    while True:
        client, _ = server.accept()
        with open(name_file) as f:
            name = f.read().strip()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(upstream_path)
        sent = relay(client, upstream)
        client.close()
        upstream.close()
        save(name, sent)
        open(os.path.join(outdir, ".done"), "w").close()


main()
