#!/usr/bin/env bash
# include-graph.sh [--check]: the include graph of the daemon, supervisor/svcd (and net/), from
# its `#include "..."` lines, one "FILE -> HEADER" line per include. With --check, only the
# includes that go from a lower layer to a higher one, per the list below (STYLE.md: "inside the
# daemon, calls run one way"), then their count; the exit status is 1 when there is any.
# A file of the daemon that is in no layer is an error: add it to the list. Run from anywhere.
set -eu
cd "$(dirname "$0")/.."

# Lowest first. A word is a file stem in supervisor/svcd or net/ (FOO.c and FOO.h are one), or a
# module of its own (common, sandbox, units: every file under that folder).
layers=(
        "leaf: common log du peer notify-parse syslog-line netlink nft"
        "sandbox: sandbox"
        "units: units"
        "record: record reaper state"
        "executor: executor libcheck log-pipe tmpfiles net ruleset relay notify sockets syslog log-capture cgroup userns hardening condition-check virt spare"
        "service: service"
        "manager: manager deps alerts timers socket-units health gate"
        "control: control control-api pid1"
        "main: svcd"
)

# layer_of PATH: prints "INDEX NAME" of PATH's layer, or nothing.
layer_of() {
        local path=$1 stem i words
        case $path in
        common/*) stem=common ;;
        sandbox/*) stem=sandbox ;;
        units/*) stem=units ;;
        *) stem=$(basename "$path") && stem=${stem%.[ch]} ;;
        esac
        for i in "${!layers[@]}"; do
                words=" ${layers[$i]#*:} "
                if [[ $words == *" $stem "* ]]; then
                        echo "$i ${layers[$i]%%:*}"
                        return
                fi
        done
}

check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*)
        echo "usage: contrib/include-graph.sh [--check]" >&2
        exit 2
        ;;
esac

violations=0
unknown=0
for file in supervisor/svcd/*.[ch] supervisor/svcd/net/*.[ch]; do
        read -r from from_name <<<"$(layer_of "$file")" || true
        if [ -z "${from:-}" ]; then
                echo "include-graph: $file is in no layer: add its stem to the list in $0" >&2
                unknown=$((unknown + 1))
                continue
        fi
        while read -r header; do
                [ -n "$header" ] || continue
                if [ $check = 0 ]; then
                        echo "$file -> $header"
                        continue
                fi
                to='' to_name=''
                read -r to to_name <<<"$(layer_of "$header")" || true
                if [ -n "$to" ] && [ "$to" -gt "$from" ]; then
                        echo "$file ($from_name) -> $header ($to_name)"
                        violations=$((violations + 1))
                fi
        done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$file")
done
if [ $check = 1 ]; then
        echo "include-graph: $violations includes from a lower layer to a higher one"
fi
[ $unknown = 0 ] && [ $violations = 0 ]
