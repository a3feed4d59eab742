# shellcheck shell=sh
# The power-cut scenario's side in the box, sourced by tests/box/hook.sh (its check, ok, bad, svc
# and status_has) on each boot of one disk, svcstep=N on the kernel command line. Each boot checks
# that every service runs on a whole generation of tree upg, then imports the next image onto the
# tree and cuts the power at one point of it, without a sync (SVC_TREE_TEST_CRASH_BY=poweroff):
#   1  after the copy: the new generation written, the tree not switched
#   2  after the switch: the tree points at the new generation, no unit moved yet
#   3  while svcd moves the units
#   4  an import to the end, which removes what the cuts left; then svc poweroff
# The upgrade is `svc tree import` of a newer image onto an imported tree, the smallest real one:
# the same G.new, syncfs, rename, switch and gated move through svcd as `svc tree upgrade`, in
# about a second. A real `svc tree upgrade` of the bullseye test tree (88 MB without its docs) was
# measured in this box under TCG: its cp -a 10.5 s, apt-get update 1.8 s, upgrade 4.7 s, about
# 17 s per boot where a boot should take 5-10 s; and the box's busybox cp lacks the GNU options
# svc-tree passes (--reflink=auto, --no-target-directory).
trees=/var/lib/svc/trees
step=${svcstep:-1}

# whole DIR: DIR holds every file of the image it came from, as the image had it.
whole() { [ -s "$1/SHA256SUMS" ] && (cd "$1" && sha256sum -c -s SHA256SUMS); }
tree_path() { svc status --json "$1" | sed -n 's/.*"tree_path":"\([^"]*\)".*/\1/p'; }
# is_generation PATH: a generation of upg (.upg/N), never one being made (.upg/N.new).
is_generation() {
        case $1 in
        */.upg/*[!0-9]* | "") return 1 ;;
        */.upg/[0-9]*) return 0 ;;
        esac
        return 1
}
image_seen() { [ "$(svc exec "$1" cat /image-id)" = "$(cat "$2/image-id")" ]; }

on_whole_generations() {
        link=$(readlink "$trees/upg")
        check "tree upg points at a generation ($link)" is_generation "/$link"
        check "tree upg's generation is whole" whole "$trees/$link"
        for u in upg-a upg-b; do
                p=$(tree_path "$u")
                check "$u runs" status_has "$u" running
                check "$u runs on a generation (${p#"$trees"/})" is_generation "$p"
                check "$u's generation is whole" whole "$p"
                check "$u sees that generation's image ($(cat "$p/image-id" 2>/dev/null))" image_seen "$u" "$p"
        done
}

# import IMAGE [POINT]: svc tree import of IMAGE onto tree upg, the power cut at POINT.
import() {
        echo "BOX-IMPORT $1 ${2:-to the end}"
        SVC_TREE_TEST_CRASH=${2:-} SVC_TREE_TEST_CRASH_BY=poweroff \
                svc tree import upg "/var/lib/svc/images/$1.tar" --min-healthy=1s
}

both_moved() {
        cur=$trees/$(readlink "$trees/upg")
        [ "$(tree_path upg-a)" = "$cur" ] && [ "$(tree_path upg-b)" = "$cur" ]
}

on_whole_generations
case $step in
1) import v2 copied ;;
2) import v3 switched ;;
3) import v4 moving ;;
4)
        check "an import to the end" import v5
        on_whole_generations
        check "both units moved onto the new generation" both_moved
        left=
        for f in "$trees"/.upg/* "$trees"/.upg/.[!.]*; do
                n=${f##*/}
                case $n in
                manifest.json | "*" | ".[!.]*") ;;
                *[!0-9]*) left="$left $n" ;;
                esac
        done
        check "what the power cuts left is gone (${left:-nothing})" [ -z "$left" ]
        echo "BOX-CHECKS-DONE"
        svc poweroff || bad "svc poweroff"
        ;;
esac
if [ "$step" != 4 ]; then
        bad "step $step: the power was not cut"
        svc poweroff
fi
