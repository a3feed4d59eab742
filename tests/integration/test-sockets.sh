#!/usr/bin/env bash
# Socket units (NAME.socket): svcd listens in its own network namespace (here one of the test's),
# starts the paired service on the first connection and hands it the sockets (Accept=no), or
# starts one instance of the template per connection (Accept=yes). The clients are python3 on
# the host, in svcd's namespace.
. "$(dirname "$0")/lib.sh"

# own_netns: svcd in a network namespace of the test, so that ports and abstract names are its own.
own_netns() {
        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
}

# socket NAME: the socket file NAME.socket from stdin.
socket() {
        mkdir -p "$T/etc/svc/units"
        cat >"$T/etc/svc/units/$1.socket"
}

# client [-s SEND] ADDRESS...: connects to each (HOST:PORT, a path, or @abstract), all before
# reading any, sends SEND to each, and prints what comes back from each, a line per address.
client() {
        nsenter --net="/run/netns/$NS" python3 - "$@" <<'EOF'
import socket, sys
args = sys.argv[1:]
send = None
if args[0] == "-s":
    send, args = args[1], args[2:]
def connect(a):
    if a.startswith("dgram:"):  # a datagram to a Unix socket; no answer
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"hello-datagram", a[6:])
        s.close()
        return None
    if a[0] in "/@":
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect("\0" + a[1:] if a[0] == "@" else a)
        return s
    host, port = a.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)
def answer(s):
    out = b""
    try:
        if send is not None:
            s.sendall(send.encode() + b"\n")
        while (b := s.recv(4096)):
            out += b
    except (BrokenPipeError, ConnectionResetError):  # closed unread: the connection was refused
        pass
    return out.decode().strip()
for s in [connect(a) for a in args]:
    if s:
        print(answer(s))
EOF
}

# A service that answers one connection on each socket it was given: the names it got
# (LISTEN_FDNAMES), how many (LISTEN_FDS) and its pid as it sees it.
serve_py() {
        cat >"$T/serve.py" <<'EOF'
import os, select, socket
n = int(os.environ["LISTEN_FDS"])
assert os.environ["LISTEN_PID"] == str(os.getpid())
socks = [socket.socket(fileno=3 + i) for i in range(n)]
ready, _, _ = select.select(socks, [], [], 10)
for s in ready:
    if s.type == socket.SOCK_DGRAM:
        print("datagram:", s.recv(100).decode(), flush=True)
        continue
    c, _ = s.accept()
    c.sendall(("%s %d pid %d\n" % (os.environ["LISTEN_FDNAMES"], n, os.getpid())).encode())
    c.close()
EOF
}

# Accept=no: nothing runs until the first connection, which the service then answers on the socket
# it got, with FileDescriptorName= in $LISTEN_FDNAMES, and reads the datagram that came with them;
# once it is done the socket wakes it again.
# A Unix socket gets SocketMode=, SocketUser=, SocketGroup= and DirectoryMode=, an abstract one
# lives in svcd's namespace, and RemoveOnStop= unlinks the file when the socket stops.
test_accept_no_starts_the_service_on_the_first_connection() {
        own_netns
        serve_py
        unit web <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/serve.py
EOF
        socket web <<EOF
[Socket]
ListenStream=127.0.0.1:8080
FileDescriptorName=webfd
EOF
        socket web-files <<EOF
[Socket]
Service=web.service
ListenStream=/run/web/web.sock
ListenStream=@svct-web-${T##*.}
ListenDatagram=/run/web/web.dgram
SocketUser=nobody
SocketGroup=nogroup
SocketMode=0660
DirectoryMode=0710
RemoveOnStop=yes
EOF
        start_svcd
        svc start web.socket web-files.socket || fail "svc start of the sockets: $(tail -n 5 "$T/svcd.log")"
        assert_eq inactive "$(state web)" "the service before any connection"
        assert_contains "$(svc status web.socket)" "listening" "svc status web.socket"
        assert_eq "srw-rw---- nobody nogroup" "$(stat -c '%A %U %G' "$T/run/web/web.sock")" "the socket file"
        assert_eq "drwx--x--- root" "$(stat -c '%A %U' "$T/run/web")" "its directory (DirectoryMode=)"
        # A client on each socket and a datagram, before anything runs: one start serves them all.
        local out names=web-files.socket:web-files.socket:web-files.socket:webfd
        out=$(client 127.0.0.1:8080 "$T/run/web/web.sock" "@svct-web-${T##*.}" "dgram:$T/run/web/web.dgram") ||
                fail "no answer on the first connections: $(tail -n 5 "$T/svcd.log")"
        assert_eq "$names 4 pid 2
$names 4 pid 2
$names 4 pid 2" "$out" "what the service got, on the TCP, file and abstract sockets"
        wait_until 10 grep -q "datagram: hello-datagram" "$T/var/log/svc/web/current" ||
                fail "the service did not read the datagram: $(cat "$T/var/log/svc/web/current")"
        wait_until 10 state_is web inactive || fail "the service did not end: $(state web)"
        local list
        list=$(svc list)
        echo "$list" | grep -Eq '^web.socket +listening +web +1 +0 +no +127.0.0.1:8080$' ||
                fail "svc list does not count the start web.socket set off: $list"
        svc stop web-files.socket || fail "svc stop web-files.socket"
        [ ! -e "$T/run/web/web.sock" ] || fail "RemoveOnStop=yes left the socket file"
        nsenter --net="/run/netns/$NS" grep -q "@svct-web-${T##*.}" /proc/net/unix &&
                fail "the abstract socket is still there after the stop"
        assert_contains "$(svc status web-files.socket)" "inactive" "the stopped socket"
        # The service started by hand still gets the sockets that listen.
        svc start web || fail "svc start web"
        out=$(client 127.0.0.1:8080) || fail "no answer from the service started by hand"
        assert_eq "webfd 1 pid 2" "$out" "a start by hand gets the listening socket"
}

# Accept=yes: an instance of the template per connection, named after the connection, with it
# as stdin and stdout and as fd 3; MaxConnections=1 closes the second one while the first is open.
test_accept_yes_runs_an_instance_per_connection() {
        own_netns
        unit_isolated 'echo@' <<'EOF'
[Service]
StandardInput=socket
ExecStart=/bin/sh -c 'read line; echo "hello $line fds=$LISTEN_FDS names=$LISTEN_FDNAMES"; test -S /proc/self/fd/3 || echo "no fd 3"; [ "$line" != hold ] || sleep 30'
EOF
        socket echo <<'EOF'
[Socket]
ListenStream=127.0.0.1:7000
Accept=yes
MaxConnections=1
EOF
        start_svcd
        svc start echo.socket || fail "svc start echo.socket"
        local out
        out=$(client -s world 127.0.0.1:7000) || fail "no answer: $(tail -n 5 "$T/svcd.log")"
        assert_eq "hello world fds=1 names=connection" "$out" "the instance's answer"
        wait_until 10 sh -c "! \"$SVC\" --root \"$T\" list | grep -q '^echo@0-'" ||
                fail "the instance of the first connection is still listed: $(svc list)"
        client -s hold 127.0.0.1:7000 >"$T/held" &
        local held=$!
        wait_until 10 sh -c "\"$SVC\" --root \"$T\" list | grep -q '^echo@1-127.0.0.1:7000-127.0.0.1:[0-9]* *running'" ||
                fail "no instance named after the connection: $(svc list)"
        out=$(client -s extra 127.0.0.1:7000) || fail "the extra connection failed instead of being closed"
        assert_eq "" "$out" "the connection past MaxConnections= (closed at once)"
        grep -q "refusing one" "$T/svcd.log" || fail "svcd did not say why it closed the connection"
        assert_eq 1 "$(grep -c 'allocated host uids' "$T/svcd.log")" "uid ranges allocated (one for the template's instances)"
        svc list | grep -Eq '^echo.socket +listening +echo@ +2 +1 ' || fail "svc list: $(svc list)"
        kill "$held"
        wait "$held" 2>/dev/null || : # ended by our signal
}

# A bad [Socket] key refuses that socket alone, naming file and line; the other units load. A
# socket whose Condition*= fails (tested in its service's tree) stays inactive and says why.
# [Unit] Conflicts= and PartOf= of a socket work as in systemd: a socket that starts stops the
# service it conflicts with, which stops the socket when it starts again; a stop of the service a
# socket is part of stops the socket.
test_broken_socket_is_refused_alone_and_dependencies() {
        own_netns
        unit ok <<'EOF'
[Service]
ExecStart=/bin/sleep 30
EOF
        socket bad <<'EOF'
[Socket]
ListenStream=127.0.0.1:7001
SocketMode=rw-rw-rw
EOF
        socket good <<'EOF'
[Unit]
PartOf=ok.service
[Socket]
ListenStream=127.0.0.1:7002
Service=ok
EOF
        # The service's tree is the host's view, which has /etc/hostname.
        socket cond <<'EOF'
[Unit]
ConditionPathExists=!/etc/hostname
[Socket]
ListenStream=127.0.0.1:7004
Service=ok
EOF
        socket rival <<'EOF'
[Unit]
Conflicts=ok.service
[Socket]
ListenStream=127.0.0.1:7003
EOF
        local out
        out=$("$SVC" check --no-programs "$T/etc/svc/units/bad.socket" 2>&1) && fail "svc check accepted bad.socket"
        assert_contains "$out" "bad.socket:3: SocketMode=rw-rw-rw: expected an octal mode" "svc check"
        start_svcd
        grep -q "bad.socket:3: SocketMode=rw-rw-rw" "$T/svcd.log" || fail "svcd did not name the line"
        out=$(svc start bad.socket 2>&1) && fail "svc start bad.socket succeeded"
        assert_contains "$out" "bad.socket:3: SocketMode=rw-rw-rw" "svc start bad.socket"
        svc start cond.socket || fail "svc start cond.socket: a failed condition is no error"
        out=$(svc status cond.socket)
        assert_contains "$out" "inactive" "cond.socket"
        assert_contains "$out" "condition failed: ConditionPathExists=!/etc/hostname" "cond.socket's reason"
        svc start good.socket || fail "the good socket does not start"
        svc start ok || fail "the service does not start"
        svc start rival.socket || fail "svc start rival.socket"
        wait_until 10 state_is ok inactive || fail "rival.socket did not stop ok: $(state ok)"
        # The stop of ok, whoever asked for it, takes good.socket along (PartOf=).
        assert_contains "$(svc status good.socket)" "inactive" "good.socket once ok was stopped"
        svc start good.socket ok || fail "svc start good.socket ok"
        local list
        list=$(svc list)
        echo "$list" | grep -Eq '^rival.socket +inactive ' || fail "rival.socket once ok started again: $list"
        echo "$list" | grep -Eq '^good.socket +running ' || fail "good.socket while ok runs: $list"
        svc stop ok || fail "svc stop ok"
        assert_contains "$(svc status good.socket)" "inactive" "good.socket (PartOf=ok.service) after svc stop ok"
        # A socket file broken since it loaded does not start on its old definition.
        echo 'Backlog=none' >>"$T/etc/svc/units/good.socket"
        out=$(svc start good.socket 2>&1) && fail "good.socket started on its old definition"
        assert_contains "$out" "good.socket:6: Backlog=none: expected a whole number" "svc start of the broken good.socket"
        # svc enable listens now, and at every start of svcd.
        svc enable rival.socket || fail "svc enable rival.socket"
        [ -e "$T/var/lib/svc/enabled/rival.socket" ] || fail "svc enable recorded nothing"
        assert_contains "$(svc status rival.socket)" "listening" "the enabled socket"
}

run_tests "$@"
