#!/usr/bin/env python3
"""qmp.py SOCKET COMMAND [ARGUMENTS-JSON]: one QMP command to a running qemu, e.g.
qmp.py box.qmp send-key '{"keys": [{"type": "qcode", "data": "ctrl"}, ...]}' or qmp.py box.qmp quit.
Exits 0 when qemu answered with "return" (or closed the socket on quit)."""
import json
import socket
import sys


def main():
    path, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rw")

    def call(cmd, arguments=None):
        msg = {"execute": cmd}
        if arguments is not None:
            msg["arguments"] = arguments
        f.write(json.dumps(msg) + "\n")
        f.flush()
        for line in f:  # skip events until the answer
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply
        return {"return": "closed"}

    json.loads(f.readline())  # the greeting
    call("qmp_capabilities")
    reply = call(command, args)
    if "error" in reply:
        print("qmp: %s: %s" % (command, reply["error"]), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
