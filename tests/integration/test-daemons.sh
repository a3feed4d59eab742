#!/usr/bin/env bash
# Real Debian daemons from their packages' own unit files (issue 15): each service is the
# package's NAME.service, copied from the tree's /lib/systemd/system as it is, plus one drop-in
# (NAME.service.d/svc.conf) naming the tree, the published ports and the shared paths; a real
# client proves that it answers. The tree is the cached bookworm tree of
# contrib/test-daemon-tree.sh, bound read-only into each test's root. svcd runs in a network
# namespace of the test, and the clients reach the published ports there on 127.0.0.1; the IPv6
# clients (client_ns) come from a namespace of their own, over a veth, as in test-net6.sh.
. "$(dirname "$0")/lib.sh"

CACHE=${SVC_TEST_TREES:-/var/cache/svc/test-trees}/bookworm-daemons-v1
TREE=var/lib/svc/trees/deb

logof() { cat "$T/var/log/svc/$1/current" 2>/dev/null; }

log_has() { # NAME TEXT
        grep -q -- "$2" "$T/var/log/svc/$1/current" 2>/dev/null
}

# daemons: the cached tree at ROOT/var/lib/svc/trees/deb (read-only bind: the tests never change
# it), and a network namespace for svcd and the clients.
daemons() {
        [ -f "$CACHE/etc/debian_version" ] ||
                fail "the cached daemon tree $CACHE is missing: contrib/test-daemon-tree.sh builds it (make test-deps runs it)"
        mkdir -p "$T/$TREE" "$T/etc/svc/units"
        mount --bind "$CACHE" "$T/$TREE" || fail "cannot bind $CACHE"
        mount -o remount,bind,ro "$T/$TREE" || fail "cannot make the tree read-only"
        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
}

# packaged NAME: the package's own NAME.service, unchanged, and the drop-in from stdin.
packaged() {
        cp "$T/$TREE/lib/systemd/system/$1.service" "$T/etc/svc/units/$1.service" || fail "no $1.service in the tree"
        mkdir -p "$T/etc/svc/units/$1.service.d"
        cat >"$T/etc/svc/units/$1.service.d/svc.conf"
}

# in_ns CMD...: a client in svcd's network namespace.
in_ns() {
        nsenter --net="/run/netns/$NS" "$@"
}

# client_ns: a client namespace on a veth to svcd's, IPv6 only: fd50:1::2 there, fd50:1::1 on
# svcd's side. Call before start_svcd.
client_ns() {
        CLIENT=svct-${T##*.}-c
        netns_add "$CLIENT"
        ip -n "$NS" link add lan type veth peer name eth0 netns "$CLIENT" || fail "veth lan"
        ip -n "$NS" addr add fd50:1::1/64 dev lan nodad
        ip -n "$CLIENT" addr add fd50:1::2/64 dev eth0 nodad
        ip -n "$NS" link set lan up
        ip -n "$CLIENT" link set eth0 up
}

# in_client CMD...: a client in the client namespace.
in_client() {
        nsenter --net="/run/netns/$CLIENT" "$@"
}

# upgradable_tree: the cached tree as generation 1 of the Debian tree deb, which svc tree upgrade
# can upgrade without the network, as in test-trees.sh: svc-testpkg 1.0 is installed, 1.1 is in
# a file: repository that is the tree's only apt source. Generation 1 is an overlay on the cache
# (which stays untouched); the trees live in memory, where svc tree upgrade's copy of 636 MB
# takes seconds instead of tens.
upgradable_tree() {
        [ -f "$CACHE/etc/debian_version" ] ||
                fail "the cached daemon tree $CACHE is missing: contrib/test-daemon-tree.sh builds it (make test-deps runs it)"
        local trees=$T/var/lib/svc/trees gen=$T/var/lib/svc/trees/.deb/1 pkg=$T/pkg v
        mkdir -p "$trees" "$T/ovl/upper" "$T/ovl/work" "$T/etc/svc/units"
        mount -t tmpfs -o size=2g,mode=0755 svct-trees "$trees" || fail "tmpfs for the trees"
        mkdir -p "$gen"
        mount -t overlay -o "lowerdir=$CACHE,upperdir=$T/ovl/upper,workdir=$T/ovl/work" svct-deb "$gen" ||
                fail "overlay on $CACHE"
        ln -s .deb/1 "$trees/deb"
        printf '{"origin":"debian","suite":"bookworm","generation":1,"generations":{"1":{"how":"create"}}}\n' \
                >"$trees/.deb/manifest.json"
        mkdir -p "$gen/srv/repo"
        for v in 1.0 1.1; do
                rm -rf "$pkg"
                mkdir -p "$pkg/DEBIAN"
                printf 'Package: svc-testpkg\nVersion: %s\nArchitecture: all\nMaintainer: svc <svc@localhost>\nDescription: svc test package\n' \
                        "$v" >"$pkg/DEBIAN/control"
                dpkg-deb --root-owner-group --build "$pkg" "$T/svc-testpkg_${v}_all.deb" >/dev/null || fail "dpkg-deb"
        done
        cp "$T/svc-testpkg_1.0_all.deb" "$gen/tmp/"
        chroot "$gen" dpkg -i /tmp/svc-testpkg_1.0_all.deb >/dev/null || fail "dpkg -i svc-testpkg 1.0"
        rm "$gen/tmp/svc-testpkg_1.0_all.deb"
        mv "$T/svc-testpkg_1.1_all.deb" "$gen/srv/repo/"
        (cd "$gen/srv/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null) || fail "dpkg-scanpackages"
        echo 'deb [trusted=yes] file:/srv/repo ./' >"$gen/etc/apt/sources.list"
        NS=svct-${T##*.}
        netns_add "$NS"
        # shellcheck disable=SC2034 # read by start_svcd (lib.sh)
        SVCD_NETNS=$NS
}

start_ok() {
        svc start "$1" || fail "svc start $1: $(svc status "$1" 2>&1) $(logof "$1" | tail -n 20)"
}

# nginx answers a GET through its published port over IPv4 (127.0.0.1), over IPv6 from a client
# namespace (the client's own address in the access log) and on the host's [::1] (svcd's relay);
# its access log, under the service's own /var, keeps every request across svc restart and svc
# tree upgrade, which restarts nginx onto the new generation of its tree.
test_nginx_serves_both_families_and_keeps_its_log_across_upgrade() {
        upgradable_tree
        client_ns
        packaged nginx <<'EOF'
[Service]
RootDirectory=deb
PublishPort=8080:80
EOF
        start_svcd
        start_ok nginx
        local page
        page=$(in_ns curl -sS --max-time 5 http://127.0.0.1:8080/) || fail "GET / failed: $(logof nginx)"
        assert_contains "$page" "Welcome to nginx" "the default page"
        page=$(in_client curl -sS --max-time 5 'http://[fd50:1::1]:8080/over-ipv6') || fail "GET over IPv6 failed: $(logof nginx)"
        assert_contains "$page" "404 Not Found" "nginx's answer over IPv6"
        page=$(in_ns curl -sS --max-time 5 'http://[::1]:8080/') || fail "GET on [::1] failed"
        assert_contains "$page" "Welcome to nginx" "the page on the host's [::1]"
        in_ns curl -sS --max-time 5 -o /dev/null http://127.0.0.1:8080/first-request || :
        svc restart nginx || fail "svc restart nginx: $(logof nginx | tail -n 20)"
        page=$(in_ns curl -sS --max-time 5 http://127.0.0.1:8080/) || fail "GET / after the restart failed"
        assert_contains "$page" "Welcome to nginx" "the page after the restart"
        local log
        log=$(svc exec nginx cat /var/log/nginx/access.log) || fail "no access log"
        assert_contains "$log" "GET /first-request" "the access log after the restart"
        assert_contains "$log" 'fd50:1::2 - - [' "the IPv6 client's own address in the access log"
        local out
        out=$(svc tree upgrade deb 2>&1) || fail "svc tree upgrade failed: $out"
        assert_contains "$out" "generation 2 is current, upgraded from 1: svc-testpkg 1.0 -> 1.1" "svc tree upgrade"
        wait_until 10 eval '[ "$(svc status --json nginx | sed -n "s/.*\"tree_path\":\"\\([^\"]*\\)\".*/\\1/p")" = "$T/var/lib/svc/trees/.deb/2" ]' ||
                fail "nginx did not restart onto generation 2: $(svc status nginx)"
        assert_eq 1.1 "$(svc exec nginx dpkg-query -W -f '${Version}' svc-testpkg)" "the new generation's package"
        page=$(in_client curl -sS --max-time 5 'http://[fd50:1::1]:8080/') || fail "GET over IPv6 after the upgrade failed: $(logof nginx | tail)"
        assert_contains "$page" "Welcome to nginx" "the page after the upgrade"
        log=$(svc exec nginx cat /var/log/nginx/access.log) || fail "no access log after the upgrade"
        assert_contains "$log" "GET /first-request" "the access log after the upgrade"
        assert_contains "$log" "GET /over-ipv6" "the IPv6 request in the access log after the upgrade"
}

# sshd: a key made by the test logs in as root and runs a command; svc restart ssh keeps an open
# session (KillMode=process) and the new sshd takes new logins.
test_ssh_login_runs_a_command_and_survives_restart() {
        daemons
        mkdir -m 700 "$T/ssh"
        ssh-keygen -q -t ed25519 -N '' -f "$T/id" || fail "ssh-keygen"
        cp "$T/id.pub" "$T/ssh/authorized_keys"
        chmod 600 "$T/ssh/authorized_keys"
        packaged ssh <<EOF
[Service]
RootDirectory=deb
PublishPort=2222:22
BindReadOnlyPaths=$T/ssh:/root/.ssh:idmap
EOF
        start_svcd
        start_ok ssh
        local opts=(-i "$T/id" -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
                -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)
        local out
        out=$(in_ns ssh "${opts[@]}" root@127.0.0.1 'echo in-sandbox $(hostname) $(id -u)') ||
                fail "ssh login failed: $(logof ssh | tail -n 20)"
        assert_contains "$out" "in-sandbox" "the command's output"
        # An open session: it writes a mark every 0.2 s into a pipe the test reads.
        in_ns ssh "${opts[@]}" root@127.0.0.1 'while :; do echo tick; sleep 0.2; done' >"$T/session" 2>&1 &
        echo $! >>"$T/.pids"
        local session=$!
        wait_until 10 grep -q tick "$T/session" || fail "the session does not run"
        svc restart ssh || fail "svc restart ssh: $(logof ssh | tail -n 20)"
        local n
        n=$(grep -c tick "$T/session")
        wait_lines 5 -gt "$((n + 3))" grep tick "$T/session" || fail "the open session died with the restart: $(tail -n 3 "$T/session") $(logof ssh | tail -n 20)"
        pid_alive "$session" || fail "the ssh client of the open session exited"
        out=$(in_ns ssh "${opts[@]}" root@127.0.0.1 'echo second-login') || fail "login after the restart failed"
        assert_eq second-login "$out" "a login after the restart"
        kill "$session" 2>/dev/null
}

# cron runs a job of /etc/cron.d (bound into the service) and its output reaches svc logs cron,
# through the service's /dev/log. An @reboot job: cron runs those once per boot, when its
# /run/crond.reboot is missing, and the service's /run is new; a minute job would wait up to 60 s.
test_cron_runs_a_job() {
        daemons
        mkdir -p "$T/cron.d"
        printf 'SHELL=/bin/sh\n@reboot root echo cron-job-ran | logger -t svcjob\n' >"$T/cron.d/svctest"
        packaged cron <<EOF
[Service]
RootDirectory=deb
BindReadOnlyPaths=$T/cron.d/svctest:/etc/cron.d/svctest:idmap
EOF
        start_svcd
        start_ok cron
        # The job's own line (cron's "CMD (echo cron-job-ran ...)" comes first and names it too).
        wait_until 10 log_has cron "svcjob: cron-job-ran" || fail "the job did not run: $(logof cron | tail -n 20)"
        assert_contains "$(svc logs cron)" "svcjob: cron-job-ran" "svc logs cron"
}

# vsftpd: anonymous passive downloads through published ports: over IPv4 with EPSV and with
# PASV, over IPv6 with EPSV (RFC 2428: the reply names only the port, the client connects to the
# address it used) from a client namespace and on the host's [::1]. listen_ipv6=YES, as Debian
# ships it: one socket for both families.
test_vsftpd_passive_download() {
        daemons
        client_ns
        mkdir -p "$T/ftp"
        echo "hello over ftp" >"$T/ftp/hello.txt"
        cat >"$T/vsftpd.conf" <<'EOF'
listen=NO
listen_ipv6=YES
anonymous_enable=YES
no_anon_password=YES
anon_root=/srv/ftp
local_enable=NO
write_enable=NO
secure_chroot_dir=/run/vsftpd/empty
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30009
pasv_address=127.0.0.1
EOF
        packaged vsftpd <<EOF
[Service]
RootDirectory=deb
PublishPort=2121:21
PublishPort=30000-30009:30000-30009
BindReadOnlyPaths=$T/vsftpd.conf:/etc/vsftpd.conf:idmap
BindReadOnlyPaths=$T/ftp:/srv/ftp
EOF
        start_svcd
        start_ok vsftpd
        local out
        out=$(in_ns curl -sS --max-time 5 ftp://127.0.0.1:2121/hello.txt) || fail "EPSV download failed: $(logof vsftpd | tail)"
        assert_eq "hello over ftp" "$out" "EPSV download"
        out=$(in_ns curl -sS --max-time 5 --disable-epsv ftp://127.0.0.1:2121/hello.txt) || fail "PASV download failed"
        assert_eq "hello over ftp" "$out" "PASV download"
        out=$(in_client curl -sS --max-time 5 'ftp://[fd50:1::1]:2121/hello.txt') || fail "EPSV download over IPv6 failed: $(logof vsftpd | tail)"
        assert_eq "hello over ftp" "$out" "EPSV download over IPv6"
        out=$(in_ns curl -sS --max-time 5 'ftp://[::1]:2121/hello.txt') || fail "EPSV download on [::1] failed: $(logof vsftpd | tail)"
        assert_eq "hello over ftp" "$out" "EPSV download on [::1]"
}

# redis answers PING, SET and GET (redis-cli of the tree, inside the service); the value, saved
# under the service's own /var/lib/redis, survives svc restart.
test_redis_keeps_a_value_across_restart() {
        daemons
        packaged redis-server <<'EOF'
[Service]
RootDirectory=deb
EOF
        # svcd's hard limit of open files below the package's LimitNOFILE=65535, as on most hosts:
        # the service gets svcd's, with a warning, and starts.
        ulimit -n 4096
        start_svcd
        start_ok redis-server
        assert_eq 4096 "$(svc exec redis-server sh -c 'ulimit -Hn')" "redis's hard limit"
        assert_contains "$(cat "$T/svcd.log")" "redis-server: LimitNOFILE= asks for more than svcd's own hard limit 4096" "svcd's warning"
        assert_eq PONG "$(svc exec redis-server redis-cli ping)" "PING"
        assert_eq OK "$(svc exec redis-server redis-cli set greeting hello-from-svc)" "SET"
        assert_eq OK "$(svc exec redis-server redis-cli save)" "SAVE"
        svc restart redis-server || fail "svc restart redis-server: $(logof redis-server | tail -n 20)"
        wait_until 10 svc exec redis-server redis-cli ping || fail "redis does not answer after the restart"
        assert_eq hello-from-svc "$(svc exec redis-server redis-cli get greeting)" "GET after the restart"
}

# mariadb: a client makes a table and a row; the row survives svc restart. Its unit says
# PrivateTmp=false (a warning) and ExecStartPost=!/etc/mysql/debian-start (root of the sandbox,
# not User=mysql), and its socket directory /run/mysqld comes from the package's tmpfiles.d.
test_mariadb_keeps_a_row_across_restart() {
        daemons
        packaged mariadb <<'EOF'
[Service]
RootDirectory=deb
EOF
        start_svcd
        start_ok mariadb
        svc exec mariadb mariadb -e 'CREATE DATABASE t; CREATE TABLE t.kv (k TEXT, v TEXT); INSERT INTO t.kv VALUES ("greeting", "hello-db")' ||
                fail "the client could not write: $(logof mariadb | tail -n 20)"
        assert_contains "$(cat "$T/svcd.log")" "PrivateTmp=false: svc gives every service a /tmp" "the warning"
        svc restart mariadb || fail "svc restart mariadb: $(logof mariadb | tail -n 20)"
        assert_eq hello-db "$(svc exec mariadb mariadb -N -e 'SELECT v FROM t.kv')" "the row after the restart"
}

# postfix (its template unit, instance "-") takes a message over SMTP for a local user and
# delivers it to /var/mail; dovecot, another service, serves that mailbox over IMAP (LOGIN,
# SELECT, FETCH). The two share only the mail directory: the named volume "mail", made by svcd
# at its first use with the owner and mode of the tree's /var/mail. The test's main.cf listens beyond
# loopback (the published port arrives on the service's address) and looks nothing up in DNS.
test_postfix_delivers_and_dovecot_serves_it() {
        daemons
        # The package's main.cf ("Local only") with these settings in place of its own.
        grep -v -E '^(inet_interfaces|myhostname|mydestination) ' "$T/$TREE/etc/postfix/main.cf" >"$T/main.cf"
        printf '%s\n' "inet_interfaces = all" "myhostname = localhost" "mydestination = localhost" \
                "smtp_dns_support_level = disabled" "smtpd_peername_lookup = no" >>"$T/main.cf"
        cat >"$T/10-auth.conf" <<'EOF'
auth_mechanisms = plain login
disable_plaintext_auth = no
passdb {
  driver = static
  args = password=svc-test
}
userdb {
  driver = passwd
}
EOF
        # The mailbox postfix writes; the index in the service's own /tmp; list is uid 38.
        printf '%s\n' "mail_location = mbox:/tmp/%u:INBOX=/var/mail/%u" "mbox_write_locks = fcntl" \
                "first_valid_uid = 1" "namespace inbox {" "  inbox = yes" "}" >"$T/10-mail.conf"
        cp "$T/$TREE/lib/systemd/system/postfix@.service" "$T/etc/svc/units/postfix@.service"
        mkdir -p "$T/etc/svc/units/postfix@.service.d"
        cat >"$T/etc/svc/units/postfix@.service.d/svc.conf" <<EOF
[Service]
RootDirectory=deb
PublishPort=2525:25
BindReadOnlyPaths=$T/main.cf:/etc/postfix/main.cf:idmap
BindPaths=mail:/var/mail
EOF
        packaged dovecot <<EOF
[Service]
RootDirectory=deb
PublishPort=1143:143
BindReadOnlyPaths=$T/10-auth.conf:/etc/dovecot/conf.d/10-auth.conf:idmap
BindReadOnlyPaths=$T/10-mail.conf:/etc/dovecot/conf.d/10-mail.conf:idmap
BindPaths=mail:/var/mail
EOF
        start_svcd
        start_ok postfix@-
        start_ok dovecot
        cat >"$T/smtp.py" <<'EOF'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", 2525, timeout=10) as s:
    s.sendmail("tester@localhost", ["list@localhost"], "Subject: svc test\r\n\r\nhello-over-smtp\r\n")
EOF
        in_ns python3 "$T/smtp.py" || fail "SMTP failed: $(logof postfix@- | tail -n 20)"
        local vol=$T/var/lib/svc/volumes/mail
        assert_eq "0 8 2775" "$(stat -c '%u %g %a' "$vol")" "the volume's owner and mode (root:mail of the tree)"
        wait_until 15 grep -q hello-over-smtp "$vol/list" || fail "no delivery to /var/mail/list: $(logof postfix@- | tail -n 20)"
        cat >"$T/imap.py" <<'EOF'
import imaplib
m = imaplib.IMAP4("127.0.0.1", 1143, timeout=10)
m.login("list", "svc-test")
typ, data = m.select("INBOX")
assert typ == "OK", data
typ, data = m.fetch(data[0].decode(), "(BODY[TEXT])")
print(data[0][1].decode().strip())
m.logout()
EOF
        local body
        body=$(in_ns python3 "$T/imap.py") || fail "IMAP failed: $(logof dovecot | tail -n 20)"
        assert_eq hello-over-smtp "$body" "the message over IMAP"
        # dovecot's unit says ProtectHome=no: its own /var is still a kept writable layer.
        svc exec dovecot sh -c 'echo kept >/var/lib/dovecot/svc-mark' || fail "dovecot's /var/lib is not writable"
        svc restart dovecot || fail "svc restart dovecot: $(logof dovecot | tail -n 20)"
        assert_eq kept "$(svc exec dovecot cat /var/lib/dovecot/svc-mark)" "dovecot's /var/lib after the restart"
        body=$(in_ns python3 "$T/imap.py") || fail "IMAP after the restart failed: $(logof dovecot | tail -n 20)"
        assert_eq hello-over-smtp "$body" "the message over IMAP after the restart"
        # One tree, two sandboxes: beyond the shared /var/mail, neither sees what the other wrote.
        svc exec postfix@- sh -c 'echo mine >/var/spool/postfix/svc-mark' || fail "postfix's spool is not writable"
        if svc exec dovecot test -e /var/spool/postfix/svc-mark; then fail "dovecot sees postfix's spool"; fi
        if svc exec postfix@- test -e /var/lib/dovecot/svc-mark; then fail "postfix sees dovecot's /var/lib"; fi
        assert_eq hello-over-smtp "$(svc exec dovecot sh -c 'grep -h hello-over-smtp /var/mail/list')" \
                "the shared mailbox, seen by dovecot"
}

# dovecot.socket as Debian ships it (0.0.0.0:143, [::]:143, 993 twice, BindIPv6Only=ipv6-only,
# KeepAlive=): nothing runs until an IMAP client connects; then dovecot.service, from its own
# file, starts in its sandbox, takes the four sockets from svcd (it logs none of "not configured
# in Dovecot") and answers the client that woke it, over IPv4 and IPv6, with no PublishPort=.
test_dovecot_starts_on_the_first_imap_connection_to_its_socket() {
        daemons
        packaged dovecot <<EOF
[Service]
RootDirectory=deb
EOF
        cp "$T/$TREE/lib/systemd/system/dovecot.socket" "$T/etc/svc/units/" || fail "no dovecot.socket in the tree"
        start_svcd
        svc start dovecot.socket || fail "svc start dovecot.socket: $(tail -n 5 "$T/svcd.log")"
        assert_eq inactive "$(state dovecot)" "dovecot before any connection"
        cat >"$T/imap.py" <<'EOF'
import imaplib, sys
m = imaplib.IMAP4(sys.argv[1], 143, timeout=20)
print(m.welcome.decode())
typ, caps = m.capability()
assert typ == "OK", caps
print(caps[0].decode())
m.logout()
EOF
        local out
        out=$(in_ns python3 "$T/imap.py" 127.0.0.1) || fail "IMAP on the socket failed: $(logof dovecot | tail -n 20)"
        assert_contains "$out" "Dovecot (Debian) ready." "dovecot's greeting"
        assert_contains "$out" "IMAP4rev1" "its CAPABILITY answer"
        assert_eq running "$(state dovecot)" "dovecot after the first connection"
        out=$(in_ns python3 "$T/imap.py" ::1) || fail "IMAP over IPv6 failed: $(logof dovecot | tail -n 20)"
        assert_contains "$out" "Dovecot (Debian) ready." "the greeting over IPv6"
        log_has dovecot "not configured in Dovecot" && fail "dovecot refused a socket: $(logof dovecot | tail -n 5)"
        svc list | grep -Eq '^dovecot.socket +running +dovecot +1 ' ||
                fail "svc list does not show dovecot.socket running its service: $(svc list)"
}

run_tests "$@"
