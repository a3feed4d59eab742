#!/usr/bin/env bash
# duration: 37 (seconds on the ASan build: tests/integration/run.sh starts the longest first)
# Timers (NAME.timer): a monotonic timer starts its service, a Persistent= calendar timer missed
# while svcd was stopped runs once at the next start, Debian's certbot.timer loads as shipped and
# fires, `svc enable NAME.timer` arms it, a calendar systemd refuses is refused with file:line.
. "$(dirname "$0")/lib.sh"

CORPUS=${SVC_UNIT_CORPUS:-/var/cache/svc/unit-corpus}

# job NAME: a oneshot service that appends a line to $T/NAME.runs at each run.
job() {
        unit "$1" <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo run >>$T/$1.runs'
EOF
}

# timer NAME.timer: the timer file from stdin.
timer() {
        mkdir -p "$T/etc/svc/units"
        cat >"$T/etc/svc/units/$1"
}

runs() {
        if [ -f "$T/$1.runs" ]; then wc -l <"$T/$1.runs"; else echo 0; fi
}

# timer_row NAME: NAME's row of `svc list --timers`.
timer_row() {
        svc list --timers | grep " $1 "
}

armed() {
        timer_row "$1" | grep -q ' left '
}

test_on_active_sec_starts_its_service() {
        job tick
        timer tick.timer <<'EOF'
[Unit]
Description=tick once, a second after svcd starts
[Timer]
OnActiveSec=1s
AccuracySec=1ms
[Install]
WantedBy=timers.target
EOF
        enable tick.timer
        start_svcd
        wait_until 10 lines_at_least "$T/tick.runs" 1 || fail "tick.timer did not start tick"
        wait_until 10 state_is tick inactive || fail "tick did not finish: $(state tick)"
        local row
        row=$(timer_row tick.timer)
        assert_contains "$row" " tick" "svc list --timers names the service it activates"
        assert_contains "$row" " ago " "svc list --timers shows the last elapse"
        assert_contains "$row" "(elapsed)" "a one-time timer that elapsed"
        assert_eq 1 "$(runs tick)" "runs of a one-time timer"
}

test_on_unit_active_sec_repeats() {
        job beat
        timer beat.timer <<'EOF'
[Timer]
OnActiveSec=0
OnUnitActiveSec=300ms
AccuracySec=1ms
EOF
        enable beat.timer
        start_svcd
        wait_until 20 lines_at_least "$T/beat.runs" 3 || fail "beat.timer ran $(runs beat) times, not 3"
        assert_contains "$(timer_row beat.timer)" " left " "the next elapse of a repeating timer"
}

test_persistent_missed_run_happens_once_at_start() {
        job backup
        timer backup.timer <<'EOF'
[Timer]
OnCalendar=daily
Persistent=true
AccuracySec=1ms
EOF
        enable backup.timer
        # The last run was three days ago: the runs of the two days since were missed.
        mkdir -p "$T/var/lib/svc/timers"
        touch -d '3 days ago' "$T/var/lib/svc/timers/backup.timer"
        start_svcd
        wait_until 10 lines_at_least "$T/backup.runs" 1 || fail "the missed run did not happen"
        wait_until 10 state_is backup inactive || fail "backup did not finish"
        local row
        row=$(timer_row backup.timer)
        assert_contains "$row" " left " "the next run after the missed one"
        assert_eq 1 "$(runs backup)" "runs after two missed days"
        [ -n "$(find "$T/var/lib/svc/timers/backup.timer" -mmin -1)" ] || fail "the stamp was not updated"
        # Stopped and started again: nothing was missed since, nothing runs.
        stop_svcd || fail "svcd did not stop cleanly"
        start_svcd
        wait_until 10 armed backup.timer || fail "backup.timer is not armed after the restart: $(timer_row backup.timer)"
        assert_eq 1 "$(runs backup)" "runs after a restart with nothing missed"
        # A stamp that is a symlink is not followed, not trusted.
        stop_svcd
        rm "$T/var/lib/svc/timers/backup.timer"
        touch -d '3 days ago' "$T/old"
        ln -s "$T/old" "$T/var/lib/svc/timers/backup.timer"
        start_svcd
        wait_until 10 grep -q 'backup.timer: its stamp in var/lib/svc/timers is not a regular file' "$T/svcd.log" ||
                fail "a symlinked stamp was not refused"
        assert_eq 1 "$(runs backup)" "runs with a symlinked stamp"
}

test_certbot_timer_loads_as_shipped_and_fires() {
        [ -f "$CORPUS/certbot/certbot.timer" ] || fail "no $CORPUS/certbot/certbot.timer: make test-deps builds the corpus"
        svc check --no-programs "$CORPUS/certbot/certbot.timer" >"$T/out" 2>&1 || fail "certbot.timer: $(cat "$T/out")"
        mkdir -p "$T/etc/svc/units"
        cp "$CORPUS/certbot/certbot.timer" "$CORPUS/certbot/certbot.service" "$T/etc/svc/units/"
        # The service runs a mark instead of certbot, which this host does not have, into a
        # world-writable host directory: root inside is an unprivileged range on the host, and
        # PrivateTmp= hides the host's /tmp.
        mkdir -p "$T/etc/svc/units/certbot.service.d" "$T/marks"
        chmod 755 "$T"
        chmod 1777 "$T/marks"
        printf '[Service]\nExecStart=\nExecStart=/bin/sh -c "echo renew >>%s/marks/certbot.runs"\nBindPaths=%s/marks\n' "$T" "$T" \
                >"$T/etc/svc/units/certbot.service.d/test.conf"
        enable certbot.timer
        start_svcd
        # As shipped: at 00:00 or 12:00, plus a random delay of up to 12 hours.
        local row now next
        row=$(timer_row certbot.timer)
        assert_contains "$row" " left " "certbot.timer's next elapse"
        assert_contains "$row" " certbot" "certbot.timer activates certbot"
        now=$(date +%s)
        next=$(date -d "$(echo "$row" | awk '{print $2, $3, $4}')" +%s)
        [ "$next" -gt "$now" ] && [ "$next" -le $((now + 24 * 3600)) ] || fail "next elapse $row is not within a day"
        # Its OnCalendar= brought near by a drop-in: it fires.
        mkdir -p "$T/etc/svc/units/certbot.timer.d"
        printf '[Timer]\nOnCalendar=\nOnCalendar=%s UTC\nRandomizedDelaySec=0\nAccuracySec=1ms\n' \
                "$(date -u -d @$(($(date +%s) + 2)) '+%Y-%m-%d %H:%M:%S')" >"$T/etc/svc/units/certbot.timer.d/soon.conf"
        svc reload-units >"$T/out" 2>&1 || fail "reload-units: $(cat "$T/out")"
        wait_until 10 lines_at_least "$T/marks/certbot.runs" 1 ||
                fail "certbot.timer did not fire: $(timer_row certbot.timer); $(svc status certbot 2>&1)"
}

test_enable_arms_a_timer_now() {
        job later
        timer later.timer <<'EOF'
[Timer]
OnActiveSec=500ms
AccuracySec=1ms
EOF
        start_svcd
        assert_contains "$(timer_row later.timer)" "(not enabled)" "a timer not enabled"
        assert_eq 0 "$(runs later)" "runs before enable"
        svc enable later.timer || fail "svc enable later.timer failed"
        [ -e "$T/var/lib/svc/enabled/later.timer" ] || fail "enable did not record the timer"
        wait_until 10 lines_at_least "$T/later.runs" 1 || fail "an enabled timer did not fire"
        svc disable later.timer || fail "svc disable later.timer failed"
        [ ! -e "$T/var/lib/svc/enabled/later.timer" ] || fail "disable left the record"
}

test_bad_calendar_is_refused_with_file_and_line() {
        job nightly
        timer nightly.timer <<'EOF'
[Timer]
Persistent=true
OnCalendar=*-*-* 25:00
EOF
        local rc=0
        svc check --no-programs "$T/etc/svc/units/nightly.timer" 2>"$T/err" || rc=$?
        [ "$rc" != 0 ] || fail "svc check accepted OnCalendar=*-*-* 25:00"
        assert_contains "$(cat "$T/err")" "nightly.timer:3: OnCalendar=*-*-* 25:00 is not a calendar event systemd accepts"
        systemd-analyze calendar '*-*-* 25:00' >/dev/null 2>&1 && fail "systemd-analyze accepts it: the test is wrong"
        start_svcd
        rc=0
        svc enable nightly.timer 2>"$T/err" || rc=$?
        [ "$rc" != 0 ] || fail "svc enable accepted a refused timer"
        assert_contains "$(cat "$T/err")" "nightly.timer:3:"
        assert_contains "$(cat "$T/svcd.log")" "nightly.timer:3: OnCalendar=*-*-* 25:00"
}

run_tests "$@"
