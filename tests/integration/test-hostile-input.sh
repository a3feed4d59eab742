#!/usr/bin/env bash
# duration: 28 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Input a service or an image controls, read by svc: an image config whose words hold newlines
# and control characters (they must not become lines of the unit file svc tree import writes),
# escape sequences a service logs or sets as its STATUS= (they must not reach the admin's
# terminal), and archives larger than the import's cap. No cached Debian tree: busybox-static.
. "$(dirname "$0")/lib.sh"

TREES=var/lib/svc/trees

# image OUT CONFIG [TAG]: a docker save archive of one layer (busybox-static as /bin/busybox,
# /etc/passwd and /etc/group, an empty /opt) with CONFIG as the image's config (JSON, with any
# string in it) and TAG as its RepoTags.
image() {
        python3 - "$@" <<'EOF' || fail "cannot build the image"
import io, json, shutil, sys, tarfile
out, config = sys.argv[1], json.loads(sys.argv[2])
tag = sys.argv[3] if len(sys.argv) > 3 else "hostile:1"
def add(t, name, data=None, kind=tarfile.REGTYPE, mode=0o644):
    ti = tarfile.TarInfo(name); ti.mtime = 1700000000; ti.type = kind; ti.mode = mode
    if data is not None: ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if data is not None else None)
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode='w', format=tarfile.GNU_FORMAT) as t:
    for d in ('bin', 'etc', 'opt', 'tmp'): add(t, d, kind=tarfile.DIRTYPE, mode=0o755)
    add(t, 'bin/busybox', open(shutil.which('busybox'), 'rb').read(), mode=0o755)
    add(t, 'etc/passwd', b'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n')
    add(t, 'etc/group', b'root:x:0:\nnogroup:x:65534:\n')
with tarfile.open(out, 'w', format=tarfile.GNU_FORMAT) as t:
    add(t, 'l0/layer.tar', layer.getvalue())
    add(t, 'config.json', json.dumps({"architecture": "amd64", "os": "linux", "config": config}).encode())
    add(t, 'manifest.json', json.dumps([{"Config": "config.json", "RepoTags": [tag], "Layers": ["l0/layer.tar"]}]).encode())
EOF
}

# no_control TEXT WHAT: TEXT has no byte below 0x20 but tab and newline, and no DEL.
no_control() {
        if printf '%s' "$1" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'; then
                fail "$2 has a control character: $(printf '%s' "$1" | od -c | head -n 20)"
        fi
}

# Every line of the unit file is a comment, a section, or one of the keys svc tree import writes.
only_seeded_keys() {
        local bad
        bad=$(grep -Ev '^(#.*|\[Unit\]|\[Service\]|)$' "$1" |
                grep -Ev '^(Description|RootDirectory|ExecStart|Environment|WorkingDirectory|User|Group|KillSignal|Overlay)=')
        [ -z "$bad" ] || fail "lines svc tree import does not write: $bad (in $(cat "$1"))"
}

# An image whose User would end its line and add BindPaths=/:/host: refused, naming User.
test_import_refuses_a_user_that_would_add_a_line() {
        local cfg out rc=0
        cfg='{"Cmd":["/bin/busybox","true"],"User":"root\nBindPaths=/:/host\n#"}'
        image "$T/user.tar" "$cfg"
        out=$(svc tree import --unit evil evil "$T/user.tar" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit code ($out)"
        assert_contains "$out" "the image's User \"root\\x0aBindPaths=/:/host\\x0a#\" cannot be written as User=: it has a control character"
        assert_contains "$out" "tree evil is there, but no unit was written"
        [ ! -e "$T/etc/svc/units/evil.unit" ] || fail "a unit was written: $(cat "$T/etc/svc/units/evil.unit")"
        no_control "$out" "the import's output"
        cfg='{"Cmd":["/bin/busybox","true"],"WorkingDir":"/opt\n[Service]\nBindPaths=/:/host"}'
        image "$T/cwd.tar" "$cfg"
        out=$(svc tree import --unit evil2 evil2 "$T/cwd.tar" 2>&1) && fail "a WorkingDir with newlines was written"
        assert_contains "$out" "the image's WorkingDir \"/opt\\x0a[Service]\\x0aBindPaths=/:/host\" cannot be written as WorkingDirectory="
        [ ! -e "$T/etc/svc/units/evil2.unit" ] || fail "a unit was written: $(cat "$T/etc/svc/units/evil2.unit")"
}

# Words that can be quoted (Cmd, Env values) are, and read back byte for byte; what is only
# shown (the tag, ExposedPorts, Volumes, an Env name svc cannot set) stays inside its comment
# or the Description; no BindPaths= appears and svc check passes. The service then writes its
# arguments and environment where the test reads them.
test_import_quotes_hostile_words_and_they_round_trip() {
        local cfg out u=$T/etc/svc/units/evil.unit
        mkdir -p "$T/out"
        cfg=$(python3 -c '
import json, sys
print(json.dumps({
  "Entrypoint": ["/bin/busybox", "sh", "-c"],
  "Cmd": ["printf %s \"$1\" >\"$0/a1\"; printf %s \"$2\" >\"$0/a2\"; printf %s \"$EVIL\" >\"$0/env\"; exec /bin/busybox true",
          sys.argv[1], "x\nBindPaths=/:/host\n#", "\u001b[2J\u001b]0;t\u0007 100% $HOME \\ \" '"'"' \u00e9\u009b\r"],
  "Env": ["PATH=/bin", "EVIL=a\nBindPaths=/:/host\n\u001b[31m%n$X", "BAD\nBindPaths=/:/host\n#X=1"],
  "ExposedPorts": {"80/tcp\nBindPaths=/:/host\n#": {}},
  "Volumes": {"/data\n[Service]\nBindPaths=/:/host": {}},
  "StopSignal": "TERM\nBindPaths=/:/host",
  "WorkingDir": "/opt"}))' "$T/out")
        image "$T/words.tar" "$cfg" $'evil\nBindPaths=/:/host\n\e[2J:1\\'
        out=$(svc tree import --unit evil evil "$T/words.tar" 2>&1) || fail "import failed: $out"
        no_control "$out" "the import's output"
        assert_contains "$out" 'docker save evil\x0aBindPaths=/:/host\x0a\x1b[2J:1\x5c, 1 layer'
        no_control "$(cat "$u")" "the unit file"
        only_seeded_keys "$u"
        ! grep -q '^[[:space:]]*BindPaths' "$u" || fail "BindPaths= in the unit file: $(cat "$u")"
        assert_contains "$(cat "$u")" 'Description=evil (image evil\x0aBindPaths=/:/host\x0a\x1b[2J:1\x5c)'
        assert_contains "$(cat "$u")" '# The image sets an environment variable svc cannot: BAD\x0aBindPaths=/:/host\x0a#X=1'
        assert_contains "$(cat "$u")" '# The image listens on 80/tcp\x0aBindPaths=/:/host\x0a#.'
        assert_contains "$(cat "$u")" '# The image keeps data in /data\x0a[Service]\x0aBindPaths=/:/host.'
        assert_not_contains "$(cat "$u")" "KillSignal=" "a StopSignal that is no signal name"
        assert_contains "$(svc check "$u" 2>&1)" "evil.unit: ok"
        # The test reads what the service writes.
        mkdir -p "$u.d"
        printf '[Service]\nBindPaths=%s:%s:idmap\n' "$T/out" "$T/out" >"$u.d/out.conf"
        start_svcd
        svc start evil || fail "start failed: $(cat "$T/var/log/svc/evil/current" 2>/dev/null)"
        wait_until 5 test -e "$T/out/env" || fail "the service wrote nothing: $(cat "$T/var/log/svc/evil/current" 2>/dev/null)"
        printf 'x\nBindPaths=/:/host\n#' >"$T/a1.want"
        printf '\e[2J\e]0;t\a 100%% $HOME \\ " '"'"' \xc3\xa9\xc2\x9b\r' >"$T/a2.want"
        printf 'a\nBindPaths=/:/host\n\e[31m%%n$X' >"$T/env.want"
        cmp "$T/a1.want" "$T/out/a1" || fail "Cmd word 1: $(od -c "$T/out/a1")"
        cmp "$T/a2.want" "$T/out/a2" || fail "Cmd word 2: $(od -c "$T/out/a2")"
        cmp "$T/env.want" "$T/out/env" || fail "Env EVIL: $(od -c "$T/out/env")"
}

# A service's log lines and STATUS= with escape sequences: svc status and svc logs show them
# escaped (\x1b), to a pipe as to a terminal; valid UTF-8 stays as it is.
test_status_and_logs_escape_control_characters() {
        unit_isolated esc <<'EOF'
[Service]
Type=notify
ExecStart=/bin/sh -c 'printf "clear\\033[2J\\033]0;title\\007 h\\303\\251llo \\342\\234\\223 bad\\377 c1\\302\\233x\\n"; systemd-notify --ready --status="$$(printf "st\\033[31mred\\033[0m\\tok")"; exec sleep 1000'
EOF
        start_svcd
        svc start esc || fail "start failed"
        wait_until 5 grep -q clear "$T/var/log/svc/esc/current" || fail "esc logged nothing"
        wait_until 5 sh -c "'$SVC' --root '$T' status esc | grep -q Status:" || fail "no Status: $(svc status esc)"
        local out
        out=$(svc status esc)
        no_control "$out" "svc status"
        assert_contains "$out" 'Status: "st\x1b[31mred\x1b[0m	ok"'
        assert_contains "$out" 'clear\x1b[2J\x1b]0;title\x07 héllo ✓ bad\xff c1\xc2\x9bx'
        out=$(svc logs esc)
        no_control "$out" "svc logs"
        assert_contains "$out" 'clear\x1b[2J\x1b]0;title\x07 héllo ✓ bad\xff c1\xc2\x9bx'
        # On a terminal too (script(1) gives svc one).
        out=$(script -qec "'$SVC' --root '$T' logs esc" /dev/null | tr -d '\r')
        assert_contains "$out" 'clear\x1b[2J'
        if printf '%s' "$out" | grep -q $'\e\\[2J'; then fail "svc logs on a terminal: a raw escape sequence"; fi
        # The file keeps the bytes as the service wrote them.
        grep -q $'clear\e\\[2J' "$T/var/log/svc/esc/current" || fail "the log file lost the service's bytes"
}

# --max-size and --max-entries bound what one import writes, checked while extracting: the
# import stops with a sentence and nothing of the tree is left.
test_import_stops_at_its_size_and_entry_caps() {
        mkdir -p "$T/big/d"
        head -c 300000 /dev/zero >"$T/big/d/zeros"
        local i
        for i in $(seq 1 50); do : >"$T/big/d/f$i"; done
        tar -C "$T/big" -czf "$T/big.tar.gz" . || fail "tar"
        local out rc=0
        out=$(svc tree import --max-size 256K big "$T/big.tar.gz" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit code ($out)"
        assert_contains "$out" "holds more than 256K of files (--max-size)"
        [ ! -e "$T/$TREES/big" ] && [ ! -e "$T/$TREES/.big" ] || fail "a partial tree was left: $(ls -a "$T/$TREES")"
        out=$(svc tree import --max-entries 20 big "$T/big.tar.gz" 2>&1) && fail "--max-entries 20 took 53 entries"
        assert_contains "$out" "holds more than 20 entries (--max-entries)"
        [ ! -e "$T/$TREES/.big" ] || fail "a partial tree was left"
        # An image: its layers count against the caps as well as the archive it came in.
        image "$T/img.tar" '{"Cmd":["/bin/busybox","true"]}'
        out=$(svc tree import --max-size 64K img "$T/img.tar" 2>&1) && fail "an image over --max-size was imported"
        assert_contains "$out" "(--max-size)"
        [ ! -e "$T/$TREES/.img" ] || fail "a partial tree was left"
        out=$(svc tree import --max-size 1x big "$T/big.tar.gz" 2>&1) && fail "a bad --max-size was taken"
        assert_contains "$out" "--max-size"
        out=$(svc tree import --max-size 1M --max-entries 100 big "$T/big.tar.gz" 2>&1) || fail "within the caps: $out"
        assert_contains "$out" "Imported tree big"
}

run_tests "$@"
