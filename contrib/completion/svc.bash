# shellcheck shell=bash
# bash completion for svc(1): commands, options, unit names from the running svcd (`svc list`),
# tree names (`svc tree list`), files for `svc check`. Installed as
# /usr/share/bash-completion/completions/svc; needs nothing of the bash-completion package.

# _svc_run ROOT ARGS...: the svc being completed (as typed, when it is a path), quiet.
_svc_run() {
        local root=$1 cmd=${COMP_WORDS[0]}
        shift
        [[ $cmd == */* && -x $cmd ]] || cmd=svc
        "$cmd" ${root:+--root "$root"} "$@" 2>/dev/null
}

# The first column of `svc list`, below its header.
_svc_units() {
        _svc_run "$1" list | awk 'NR > 1 && NF { print $1 }'
}

# The first column of `svc tree list`, from below its header to the first blank line.
_svc_trees() {
        _svc_run "$1" tree list | awk 'NR > 1 && !NF { exit } NR > 1 { print $1 }'
}

_svc_files() {
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_svc() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        local commands="start stop restart reload status list enable disable reload-units poweroff
                reboot halt logs top run exec check tree export import-kube migrate help"
        local root=${SVC_ROOT:-} cmd="" sub="" i=1 w
        COMPREPLY=()

        # The command is the first word that is not an option of svc itself.
        while [ $i -lt "$COMP_CWORD" ]; do
                w=${COMP_WORDS[i]}
                case $w in
                --root) root=${COMP_WORDS[i + 1]:-}; i=$((i + 2)); continue ;;
                --root=*) root=${w#--root=} ;;
                -*) ;;
                *) if [ -z "$cmd" ]; then cmd=$w; elif [ "$cmd" = tree ] && [ -z "$sub" ]; then sub=$w; fi ;;
                esac
                i=$((i + 1))
        done

        if [ "$prev" = --root ]; then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                return 0
        fi
        local words=""
        case $cmd in
        "")
                if [[ $cur == -* ]]; then words="--root --help --version"; else words=$commands; fi ;;
        start | stop | restart | reload)
                if [[ $cur == -* ]]; then words="--no-block"; else words=$(_svc_units "$root"); fi ;;
        status | list)
                if [[ $cur == -* ]]; then words="--json"; elif [ "$cmd" = status ]; then words=$(_svc_units "$root"); fi ;;
        enable | disable)
                words=$(_svc_units "$root") ;;
        logs)
                if [[ $cur == -* ]]; then words="-n -f --lines --follow"; elif [ "$prev" != -n ]; then words=$(_svc_units "$root"); fi ;;
        top)
                words="--cpu --memory -n -d --batch" ;;
        reload-units)
                words="--rollback --min-healthy=" ;;
        exec)
                if [[ $cur == -* ]]; then words="-i -t"; else words=$(_svc_units "$root"); fi ;;
        check)
                if [[ $cur == -* ]]; then words="--no-programs --json"; else _svc_files "$cur"; return 0; fi ;;
        export)
                case $prev in
                --to) words="oci-bundle oci-image kube" ;;
                export) words=$(_svc_units "$root") ;;
                *) if [[ $cur == -* ]]; then words="--to"; else _svc_files "$cur"; return 0; fi ;;
                esac ;;
        import-kube)
                if [[ $cur == -* ]]; then words="--image"; else _svc_files "$cur"; return 0; fi ;;
        run)
                case $prev in
                --tree) words=$(_svc_trees "$root") ;;
                --network) words="host none" ;;
                --bind | --ro-bind | -w | --workdir)
                        _svc_files "$cur"
                        return 0 ;;
                *) words="--tree --bind --ro-bind --network --env --workdir --user --hostname --interactive --tty --help" ;;
                esac ;;
        migrate)
                if [[ $cur == -* ]]; then words="--name --only --dry-run"; else
                        _svc_files "$cur"
                        return 0
                fi ;;
        tree)
                case $sub in
                "") words="create import slim upgrade unpin log outdated rollback list rm check --help" ;;
                create) words="--debian --include --variant --mirror" ;;
                import)
                        if [[ $cur == -* ]]; then words="--unit --keep-setuid --tag --min-healthy="; else
                                _svc_files "$cur"
                                return 0
                        fi ;;
                upgrade)
                        if [[ $cur == -* ]]; then words="--no-restart --min-healthy= --all --security-only"; else words=$(_svc_trees "$root"); fi ;;
                rollback)
                        if [[ $cur == -* ]]; then words="--no-restart"; else words=$(_svc_trees "$root"); fi ;;
                unpin)
                        if [[ $cur == -* ]]; then words="--min-healthy="; else words=$(_svc_units "$root"); fi ;;
                log | outdated)
                        if [[ $cur == -* ]]; then words="--json"; else words=$(_svc_trees "$root"); fi ;;
                list | ls) words="--json" ;;
                rm | check) words=$(_svc_trees "$root") ;;
                esac ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return 0
}
complete -F _svc svc
