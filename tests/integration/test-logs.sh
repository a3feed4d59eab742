#!/usr/bin/env bash
# duration: 38 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Log capture: timestamps, rotation by size and count, no line lost under a flood, partial
# lines, svc logs -n and -f.
. "$(dirname "$0")/lib.sh"

logdir() { echo "$T/var/log/svc/$1"; }

# All entries of a unit's log, oldest first, without timestamps.
all_lines() {
        local d
        d=$(logdir "$1")
        # Rotated files are named @TIMESTAMP.s: the glob sorts them oldest first.
        local rotated=("$d"/@*.s)
        [ -e "${rotated[0]}" ] || rotated=()
        cat "${rotated[@]}" "$d/current" | cut -c28- | grep -v '^\['
}

# units/keys.c: SyslogIdentifier= "is ignored: svc writes each service's lines to a log of its own,
# named after the unit, untagged".
test_syslog_identifier_is_ignored() {
        unit tagged <<'EOF'
[Service]
Type=oneshot
SyslogIdentifier=other
ExecStart=/bin/echo hello from tagged
EOF
        start_svcd
        svc start tagged || fail "start failed"
        wait_until 10 grep -q 'hello from tagged' "$(logdir tagged)/current" || fail "line never written"
        assert_eq "hello from tagged" "$(all_lines tagged | grep hello)" "line, untagged"
        [ ! -e "$(logdir other)" ] || fail "a log named after SyslogIdentifier= exists"
        grep -q "tagged.unit:3: warning: SyslogIdentifier= is ignored" "$T/svcd.log" || fail "no warning naming tagged.unit:3"
}

test_flood_loses_no_line() {
        unit flood <<'EOF'
[Service]
Type=oneshot
ExecStart=/usr/bin/seq 1 300000
LogRotateSize=256K
LogRotateCount=1000
EOF
        start_svcd
        svc start flood || fail "start failed"
        # The writer may still be busy: wait for the last line.
        wait_until 20 grep -q '^.\{27\}300000$' "$(logdir flood)/current" || fail "last line never written"
        all_lines flood >"$T/got"
        seq 1 300000 >"$T/want"
        cmp -s "$T/want" "$T/got" || fail "lines lost or reordered: $(diff "$T/want" "$T/got" | head -5)"
        local n
        n=$(find "$(logdir flood)" -maxdepth 1 -name '@*' | wc -l)
        [ "$n" -ge 5 ] || fail "expected several rotations, got $n"
}

test_rotation_keeps_count() {
        unit rot <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'i=0; while [ $i -lt 4000 ]; do echo "line $i padding padding padding"; i=$((i+1)); done'
LogRotateSize=8K
LogRotateCount=3
EOF
        start_svcd
        svc start rot || fail "start failed"
        wait_until 10 grep -q 'line 3999 ' "$(logdir rot)/current" || fail "last line never written"
        local n
        n=$(find "$(logdir rot)" -maxdepth 1 -name '@*' | wc -l)
        assert_eq 3 "$n" "archives kept"
        for f in "$(logdir rot)"/@*.s "$(logdir rot)/current"; do
                [ "$(stat -c %s "$f")" -le 8192 ] || fail "$f is larger than LogRotateSize"
        done
        # Whole lines only: every entry starts with a timestamp.
        ! cat "$(logdir rot)"/* | grep -qv '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}\.[0-9]\{6\} ' ||
                fail "an entry without a timestamp (a line was split)"
}

test_timestamps_and_partial_lines() {
        unit partial <<'EOF'
[Service]
ExecStart=/bin/sh -c 'printf "abc"; sleep 0.5; printf "def\n"; printf "tail-without-newline"; sleep 0.5; exit 0'
Restart=no
EOF
        start_svcd
        svc start partial
        wait_until 5 state_is partial inactive || fail "did not finish"
        wait_until 5 grep -q 'tail-without-newline' "$(logdir partial)/current" || fail "partial line lost at exit"
        local lines
        lines=$(all_lines partial)
        assert_eq "abcdef
tail-without-newline" "$lines" "entries"
        grep -q '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}\.[0-9]\{6\} abcdef$' "$(logdir partial)/current" ||
                fail "no timestamp: $(cat "$(logdir partial)/current")"
}

test_svcd_note_does_not_cut_a_partial_line() {
        # "[started]" is written while "half-" waits for the rest of its line.
        unit halfline <<'EOF'
[Service]
Type=notify
ExecStart=/bin/sh -c 'printf half-; sleep 0.3; systemd-notify --ready; sleep 0.3; echo line; exec sleep 1000'
EOF
        start_svcd
        svc start halfline || fail "start failed"
        wait_until 5 grep -q "line$" "$(logdir halfline)/current" || fail "no line: $(cat "$(logdir halfline)/current")"
        assert_eq "half-line" "$(all_lines halfline)" "the service's line"
        grep -q '\[started\]$' "$(logdir halfline)/current" || fail "no note"
}

test_svc_logs_n_and_follow() {
        unit talker <<'EOF'
[Service]
ExecStart=/bin/sh -c 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.1; done'
LogRotateSize=2K
EOF
        start_svcd
        svc start talker
        wait_until 10 grep -q 'tick 30' "$(logdir talker)/current" || fail "no ticks"
        local out
        out=$(svc logs talker -n 3)
        assert_eq 3 "$(echo "$out" | wc -l)" "svc logs -n 3"
        svc logs -f talker >"$T/follow" &
        local fpid=$!
        sleep 3 # long enough for several rotations at 2K
        kill "$fpid"
        wait "$fpid" 2>/dev/null
        # Followed lines are consecutive ticks: none lost across rotations.
        grep -o 'tick [0-9]*' "$T/follow" | awk '{print $2}' >"$T/nums"
        [ "$(wc -l <"$T/nums")" -ge 25 ] || fail "follow printed too little: $(wc -l <"$T/nums")"
        awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' "$T/nums" ||
                fail "svc logs -f skipped lines across rotation"
        local rc=0
        svc logs nosuchunit >/dev/null 2>&1 || rc=$?
        assert_eq 0 "$rc" "logs of a unit that never logged"
}

test_svcd_notes_in_log_and_status_tail() {
        unit noted <<'EOF'
[Service]
ExecStart=/bin/sh -c 'echo hello; exit 7'
Restart=no
EOF
        start_svcd
        svc start noted 2>/dev/null
        wait_until 5 state_is noted failed
        local st
        st=$(svc status noted)
        assert_contains "$st" "hello" "status shows the last log lines"
        assert_contains "$st" "exited with status 7"
        assert_contains "$(cat "$(logdir noted)/current")" "[failed, exited with status 7]"
}

run_tests "$@"
