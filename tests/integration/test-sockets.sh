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

# client ADDRESS [SEND]: connects (HOST:PORT, a path, or @abstract), sends SEND, prints what comes back.
client() {
        nsenter --net="/run/netns/$NS" python3 - "$@" <<'EOF'
import socket, sys
a = sys.argv[1]
if a.startswith("/") or a.startswith("@"):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect("\0" + a[1:] if a[0] == "@" else a)
else:
    host, port = a.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
try:
    if len(sys.argv) > 2:
        s.sendall(sys.argv[2].encode() + b"\n")
except (BrokenPipeError, ConnectionResetError):  # closed unread: the connection was refused
    pass
out = b""
while True:
    try:
        b = s.recv(4096)
    except ConnectionResetError:  # closed unread: the connection was refused
        break
    if not b:
        break
    out += b
print(out.decode().strip())
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
    c, _ = s.accept()
    c.sendall(("%s %d pid %d\n" % (os.environ["LISTEN_FDNAMES"], n, os.getpid())).encode())
    c.close()
EOF
}

# Accept=no: nothing runs until the first connection, which the service then answers on the socket
# it got, with FileDescriptorName= in $LISTEN_FDNAMES; once it is done the socket wakes it again.
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
        local out
        out=$(client 127.0.0.1:8080) || fail "no answer on the first connection: $(tail -n 5 "$T/svcd.log")"
        assert_eq "web-files.socket:web-files.socket:webfd 3 pid 2" "$out" "what the service got"
        wait_until 10 state_is web inactive || fail "the service did not end: $(state web)"
        out=$(client "$T/run/web/web.sock") || fail "no answer on the Unix socket"
        assert_contains "$out" "web-files.socket:web-files.socket:webfd 3" "through the socket file"
        wait_until 10 state_is web inactive || fail "the service did not end again"
        out=$(client "@svct-web-${T##*.}") || fail "no answer on the abstract socket"
        assert_contains "$out" " 3 pid 2" "through the abstract socket"
        local list
        list=$(svc list)
        assert_contains "$list" "web.socket" "svc list"
        echo "$list" | grep -Eq '^web-files.socket +(listening|running) +web +2 ' ||
                fail "svc list does not count two connections for web-files.socket: $list"
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
        out=$(client 127.0.0.1:7000 world) || fail "no answer: $(tail -n 5 "$T/svcd.log")"
        assert_eq "hello world fds=1 names=connection" "$out" "the instance's answer"
        wait_until 10 sh -c "! \"$SVC\" --root \"$T\" list | grep -q '^echo@0-'" ||
                fail "the instance of the first connection is still listed: $(svc list)"
        client 127.0.0.1:7000 hold >"$T/held" &
        wait_until 10 sh -c "\"$SVC\" --root \"$T\" list | grep -q '^echo@1-127.0.0.1:7000-127.0.0.1:[0-9]* *running'" ||
                fail "no instance named after the connection: $(svc list)"
        out=$(client 127.0.0.1:7000 extra) || fail "the extra connection failed instead of being closed"
        assert_eq "" "$out" "the connection past MaxConnections= (closed at once)"
        grep -q "refusing one" "$T/svcd.log" || fail "svcd did not say why it closed the connection"
        assert_eq 1 "$(grep -c 'allocated host uids' "$T/svcd.log")" "uid ranges allocated (one for the template's instances)"
        svc list | grep -Eq '^echo.socket +listening +echo@ +2 +1 ' || fail "svc list: $(svc list)"
}

# A bad [Socket] key refuses that socket alone, naming file and line; the other units load.
# [Unit] Conflicts= and PartOf= of a socket work as in systemd: a socket that starts stops the
# service it conflicts with, which stops the socket when it starts again; a stop of the service a
# socket is part of stops the socket.
test_broken_socket_is_refused_alone_and_dependencies() {
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
        svc start good.socket || fail "the good socket does not start"
        svc start ok || fail "the service does not start"
        svc start rival.socket || fail "svc start rival.socket"
        wait_until 10 state_is ok inactive || fail "rival.socket did not stop ok: $(state ok)"
        # The stop of ok, whoever asked for it, takes good.socket along (PartOf=).
        assert_contains "$(svc status good.socket)" "inactive" "good.socket once ok was stopped"
        svc start good.socket ok || fail "svc start good.socket ok"
        assert_contains "$(svc status rival.socket)" "inactive" "rival.socket once ok started again"
        assert_contains "$(svc status good.socket)" "running" "good.socket while ok runs"
        svc stop ok || fail "svc stop ok"
        assert_contains "$(svc status good.socket)" "inactive" "good.socket (PartOf=ok.service) after svc stop ok"
}

run_tests "$@"
