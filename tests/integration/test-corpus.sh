#!/usr/bin/env bash
# The unit files Debian's server packages ship (contrib/unit-corpus.sh, cached by make
# test-deps), services, timers and sockets, each loaded by `svc check` as it is: a table of package, unit,
# loads, warnings and the first refusal, and the totals.
. "$(dirname "$0")/lib.sh"

CORPUS=${SVC_UNIT_CORPUS:-/var/cache/svc/unit-corpus}

# Refused units this build may still have. Issue "Packaged units run as Debian ships them" allows
# only PrivateUsers= and DynamicUser= while user namespaces are missing; svc honours both now, so
# every packaged unit loads: a unit that loaded and now does not fails.
MAX_REFUSED=0

# check_one FILE: prints "loads|refused WARNINGS FIRST-ERROR".
check_one() {
        local f=$1 err rc=0
        "$SVC" check --no-programs "$f" >/dev/null 2>"$T/err" || rc=$?
        local warnings errors
        warnings=$(grep -c ': warning: ' "$T/err")
        errors=$(grep -v ': warning: ' "$T/err" | grep -c .)
        if [ $rc = 0 ] && [ "$errors" = 0 ]; then
                echo "loads $warnings"
        else
                err=$(grep -v ': warning: ' "$T/err" | head -n 1 | sed 's/^[^ ]*: //')
                echo "refused $warnings $err"
        fi
}

test_packaged_units_load() {
        [ -s "$CORPUS/MANIFEST" ] || fail "no unit corpus at $CORPUS: make test-deps builds it (contrib/unit-corpus.sh)"
        local packages=0 units=0 timers=0 timers_refused=0 sockets=0 sockets_refused=0 loads=0 refused=0 warned=0 pkg f name res
        mkdir -p "$T/u"
        printf '%-26s %-34s %-7s %s\n' PACKAGE UNIT RESULT "WARNINGS / FIRST REFUSAL"
        for pkg in "$CORPUS"/*/; do
                pkg=$(basename "$pkg")
                packages=$((packages + 1))
                for f in "$CORPUS/$pkg"/*.service "$CORPUS/$pkg"/*.timer "$CORPUS/$pkg"/*.socket; do
                        [ -f "$f" ] || continue
                        name=$(basename "$f")
                        # A template is checked as an instance of itself, as svc loads it.
                        case $name in
                        *@.service) cp "$f" "$T/u/${name%@.service}@corpus.service" && f=$T/u/${name%@.service}@corpus.service ;;
                        *@.timer) cp "$f" "$T/u/${name%@.timer}@corpus.timer" && f=$T/u/${name%@.timer}@corpus.timer ;;
                        *@.socket) cp "$f" "$T/u/${name%@.socket}@corpus.socket" && f=$T/u/${name%@.socket}@corpus.socket ;;
                        esac
                        case $name in
                        *.timer) timers=$((timers + 1)) ;;
                        *.socket) sockets=$((sockets + 1)) ;;
                        *) units=$((units + 1)) ;;
                        esac
                        res=$(check_one "$f")
                        set -- $res
                        case $1 in
                        loads)
                                loads=$((loads + 1))
                                [ "$2" = 0 ] || warned=$((warned + 1))
                                printf '%-26s %-34s %-7s %s\n' "$pkg" "$name" loads "$2 warnings"
                                ;;
                        *)
                                case $name in
                                *.timer) timers_refused=$((timers_refused + 1)) ;;
                                *.socket) sockets_refused=$((sockets_refused + 1)) ;;
                                *) refused=$((refused + 1)) ;;
                                esac
                                shift 2
                                printf '%-26s %-34s %-7s %s\n' "$pkg" "$name" refused "$*" | cut -c1-160
                                ;;
                        esac
                done
        done
        echo "corpus: $packages packages, $units services, $timers timers and $sockets sockets: $loads load ($warned with warnings), $refused services, $timers_refused timers and $sockets_refused sockets refused"
        [ "$packages" -ge 50 ] || fail "the corpus has $packages packages, fewer than 50"
        [ "$timers" -ge 5 ] || fail "the corpus has $timers timers, fewer than 5"
        [ "$sockets" -ge 10 ] || fail "the corpus has $sockets sockets, fewer than the 10 of ssh, dovecot, mariadb, cups, clamav, avahi and proftpd"
        [ "$timers_refused" = 0 ] || fail "$timers_refused packaged timers refused: every one loads as shipped"
        [ "$sockets_refused" = 0 ] || fail "$sockets_refused packaged sockets refused: every one loads as shipped"
        [ "$refused" -le "$MAX_REFUSED" ] || fail "$refused units refused, more than the $MAX_REFUSED this build may still refuse"
}

# Every key named in a refusal or warning is a key of the table: no sentence about a key svc
# does not know, and the reason given is the table's own (svc check prints the class sentence).
test_refusals_name_known_keys() {
        [ -s "$CORPUS/MANIFEST" ] || fail "no unit corpus at $CORPUS"
        local f
        for f in "$CORPUS"/*/*.service "$CORPUS"/*/*.timer "$CORPUS"/*/*.socket; do
                "$SVC" check --no-programs "$f" 2>&1 >/dev/null | grep -v ': warning: ' || :
        done >"$T/all"
        # An unknown key in a packaged unit is svc's bug: list them.
        if grep -q 'unknown key' "$T/all"; then
                echo "    unknown keys: $(grep -o 'unknown key [A-Za-z]*' "$T/all" | sort | uniq -c | sort -rn | tr '\n' ';')"
        fi
        grep -q . "$T/all" || return 0
        # The refusal sentences svc still gives, by key, for the record.
        grep -o ': [A-Za-z]*= is not supported' "$T/all" | sort | uniq -c | sort -rn | sed 's/^/    /'
}

# The keys that still warn across the corpus, each with how many warnings and svc's sentence: the
# totals of the table's WARNINGS column, by key. Every sentence names a key its unit has.
test_warnings_by_key() {
        [ -s "$CORPUS/MANIFEST" ] || fail "no unit corpus at $CORPUS"
        local f n=0 key line
        for f in "$CORPUS"/*/*.service "$CORPUS"/*/*.timer "$CORPUS"/*/*.socket; do
                "$SVC" check --no-programs "$f" 2>&1 >/dev/null | grep ': warning: ' || :
        done >"$T/warnings"
        while IFS= read -r line; do
                n=$((n + 1))
                f=${line%%:*}
                key=${line#*: warning: }
                key=${key%%=*}
                key=${key##* }
                grep -q "^[^#]*$key=" "$f" || fail "a warning about $key= for $f, which has no $key= line: $line"
        done <"$T/warnings"
        echo "    $n warnings; by key (warnings, first sentence):"
        sed 's/^[^ ]*: warning: //' "$T/warnings" | awk '{ k = $1; sub(/=.*/, "", k); if (!(k in s)) s[k] = $0; c[k]++ }
                END { for (k in c) printf "    %3d %-26s %s\n", c[k], k, substr(s[k], 1, 140) }' | sort -rn
        [ "$n" -gt 0 ] || fail "no warning at all: the corpus was not read"
}

run_tests "$@"
