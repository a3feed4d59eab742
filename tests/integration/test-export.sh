#!/usr/bin/env bash
# svc export (issue 20): one unit, the same answer under svc and under another runtime. A small
# HTTP service (busybox httpd on a slim tree made from the host's static busybox: no download,
# under a second) runs under svcd, then as its exported OCI bundle under crun; both serve the same
# page from inside their own network namespace, with the same capabilities, seccomp mode, uid
# range, hostname and state directory. Bad input gets a sentence.
. "$(dirname "$0")/lib.sh"

TREES=var/lib/svc/trees
PAGE='<h1>one unit, three runtimes</h1>'

# web_service: the tree, the page in it, and the unit.
web_service() {
        svc tree slim web /usr/bin/busybox >/dev/null || fail "slim failed"
        mkdir -p "$T/$TREES/web/srv/www"
        echo "$PAGE" >"$T/$TREES/web/srv/www/index.html"
        unit_isolated web <<EOF
[Service]
RootDirectory=web
ExecStart=/usr/bin/busybox httpd -f -p 8080 -h /srv/www
StateDirectory=web
PublishPort=18347:8080
HealthCmd=["/usr/bin/busybox", "wget", "-qO-", "http://127.0.0.1:8080/"]
Environment=GREETING=hello
MemoryMax=64M
CPUQuota=50%
TasksMax=32
LimitNOFILE=1000
EOF
}

# crun_ ARGS: crun with its state under the test's root. On a hybrid cgroup host (v1 controllers
# beside a cgroup2 mount holding one, as here) crun 1.8 refuses to run; in a mount namespace of
# its own without the cgroup2 mount it uses the v1 controllers, so the limits still apply. The
# container's processes stay in the test's cgroup2 group, where cleanup finds them.
crun_() {
        unshare -m sh -c 'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
exec "$@"' sh crun --root "$T/crun" "$@"
}

# podman_ ARGS: Debian's podman as root with its storage, run and temporary directories under the
# test's root, in a mount namespace of its own as crun_ has, where each v1 hierarchy's root is a
# group of the test's (PODMAN_CG): podman's cgroupfs manager makes libpod_parent there, and the
# clean-up removes the group with all podman made. Limits within this host's hard ones (podman's
# defaults exceed them), no registry: images come from the exported layout.
PODMAN_CG=
podman_() {
        PODMAN_CG=svc${T//\//_}-podman
        mkdir -p "$T/podman/tmp"
        if [ ! -f "$T/podman/containers.conf" ]; then
                printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n' >"$T/podman/containers.conf"
        fi
        TMPDIR=$T/podman/tmp CONTAINERS_CONF=$T/podman/containers.conf PODMAN_CG=$PODMAN_CG unshare -m sh -c '
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
for h in /sys/fs/cgroup/*; do
        [ "$(stat -f -c %T "$h")" = cgroupfs ] && [ ! -L "$h" ] || continue
        mkdir -p "$h/$PODMAN_CG"
        for f in cpuset.cpus cpuset.mems; do
                if [ -f "$h/$f" ] && [ -z "$(cat "$h/$PODMAN_CG/$f")" ]; then cat "$h/$f" >"$h/$PODMAN_CG/$f"; fi
        done
        mount --bind "$h/$PODMAN_CG" "$h"
done
exec "$@"' sh podman --root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp" \
                --storage-driver vfs "$@"
}

CRUN_ID=
eval "lib_$(declare -f cleanup_test)"
cleanup_test() {
        if [ -n "$CRUN_ID" ]; then
                crun_ delete -f "$CRUN_ID" >/dev/null 2>&1
        fi
        if [ -d "$T/podman/root" ]; then
                podman_ pod rm -f -t 0 -a >/dev/null 2>&1
                podman_ rm -f -t 0 -a >/dev/null 2>&1
        fi
        lib_cleanup_test
        if [ -n "$PODMAN_CG" ]; then
                find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "$PODMAN_CG" 2>/dev/null |
                        while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        fi
}

# layer_of DIR NAME: the digest of the one layer of image NAME in the layout DIR.
layer_of() {
        python3 -c '
import json, sys
d, name = sys.argv[1], sys.argv[2]
index = json.load(open(d + "/index.json"))
m = [m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == name][0]
manifest = json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))
print(manifest["layers"][0]["digest"])' "$1" "$2"
}

# status_of PID FIELD...: those lines of /proc/PID/status.
status_of() {
        local pid=$1 f
        shift
        for f in "$@"; do grep "^$f:" "/proc/$pid/status"; done
}

test_bundle_under_crun_answers_as_under_svc() {
        web_service
        start_svcd
        svc start web || fail "web did not start: $(svc status web 2>&1 | tail -n 3)"
        local under_svc
        under_svc=$(svc exec web busybox wget -qO- http://127.0.0.1:8080/) || fail "no page under svc"
        assert_eq "$PAGE" "$under_svc" "the page under svc"
        local pid fields="CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp"
        pid=$(main_pid web)
        local svc_status svc_map
        # shellcheck disable=SC2086
        svc_status=$(status_of "$pid" $fields)
        svc_map=$(cat "/proc/$pid/uid_map")

        local out rc=0
        out=$(svc export web --to oci-bundle "$T/bundle" 2>&1) || rc=$?
        assert_eq 1 "$rc" "export into the test's 0700 root"
        assert_contains "$out" "$T/bundle is not reachable by web's uid range: $T is mode 0700"
        # Root of the uid range must pass the bundle's directory, not svc's own (they stay 0700).
        chmod 0711 "$T"
        out=$(svc export web --to oci-bundle "$T/bundle" 2>&1) || fail "export failed: $out"
        assert_contains "$out" "Exported web to $T/bundle (oci-bundle)"
        svc stop web
        CRUN_ID=svc-export-${T##*.}
        crun_ run --detach --bundle "$T/bundle" "$CRUN_ID" || fail "crun run failed"
        local under_crun
        under_crun=$(crun_ exec "$CRUN_ID" /usr/bin/busybox wget -qO- http://127.0.0.1:8080/) ||
                fail "no page under crun"
        assert_eq "$under_svc" "$under_crun" "the page under crun"

        local cpid
        cpid=$(crun_ state "$CRUN_ID" | sed -n 's/^ *"pid": \([0-9]*\),/\1/p')
        [ -n "$cpid" ] || fail "no pid in crun state"
        # shellcheck disable=SC2086
        assert_eq "$svc_status" "$(status_of "$cpid" $fields)" "capabilities, no_new_privs and seccomp"
        assert_eq "$svc_map" "$(cat "/proc/$cpid/uid_map")" "the uid range"
        assert_eq "web" "$(crun_ exec "$CRUN_ID" /usr/bin/busybox hostname)" "the hostname"
        assert_eq "GREETING=hello" "$(tr '\0' '\n' <"/proc/$cpid/environ" | grep GREETING)" "the environment"
        assert_eq "1000" "$(awk '/Max open files/ {print $4}' "/proc/$cpid/limits")" "LimitNOFILE="
        # Read-only root; a writable state directory, written as the service's own host uid.
        if crun_ exec "$CRUN_ID" /usr/bin/busybox touch /srv/www/x 2>/dev/null; then
                fail "the root is writable"
        fi
        crun_ exec "$CRUN_ID" /usr/bin/busybox touch /var/lib/web/mark || fail "the state directory is not writable"
        assert_eq "$(host_id web 0)" "$(stat -c %u "$T/var/lib/svc/state/web/mark")" "owner of the mark"
        # A masked path of svc's sandbox reads empty.
        assert_eq "" "$(crun_ exec "$CRUN_ID" /usr/bin/busybox cat /proc/kcore 2>/dev/null | head -c 1)" "/proc/kcore"
        # MemoryMax= in the cgroup crun made (v1 here, memory.max on a pure v2 host).
        local mem
        mem=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' "/proc/$cpid/cgroup")
        if [ -n "$mem" ]; then
                assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes")" "MemoryMax="
        else
                mem=$(sed -n 's/^0::\(.*\)/\1/p' "/proc/$cpid/cgroup")
                assert_eq 67108864 "$(cat "/sys/fs/cgroup$mem/memory.max")" "MemoryMax="
        fi
}

test_image_under_podman_answers_as_under_svc() {
        web_service
        unit_isolated other <<EOF
[Service]
RootDirectory=web
ExecStart=/usr/bin/busybox sleep 1000
EOF
        local out
        out=$(svc export web --to oci-image "$T/image" 2>&1) || fail "export failed: $out"
        assert_contains "$out" "Exported web to $T/image (oci-image)"
        out=$(svc export other --to oci-image "$T/image" 2>&1) || fail "export of other failed: $out"
        local layer
        layer=$(layer_of "$T/image" web)
        assert_eq "$layer" "$(layer_of "$T/image" other)" "the layer of two services of one tree"
        assert_eq 5 "$(find "$T/image/blobs/sha256" -type f | wc -l)" "blobs: one layer, two configs, two manifests"

        # Relative: podman names the image after the path, and $T has capitals, which a name cannot.
        (cd "$T" && podman_ pull -q oci:image:web) >"$T/image-id" || fail "podman cannot pull the layout"
        local id
        id=$(cat "$T/image-id")
        out=$(podman_ image inspect "$id" --format \
                '{{.Config.Entrypoint}} {{.Config.User}} {{.Config.ExposedPorts}} {{.Config.Volumes}} {{.Config.StopSignal}}')
        assert_eq "[/usr/bin/busybox httpd -f -p 8080 -h /srv/www] 0:0 map[8080/tcp:{}] map[/var/lib/web:{}] SIGTERM" \
                "$out" "the image's config"
        podman_ run -d --name web --network none "$id" >/dev/null || fail "podman run failed"
        local page
        page=$(podman_ exec web /usr/bin/busybox wget -qO- http://127.0.0.1:8080/) || fail "no page under podman"
        assert_eq "$PAGE" "$page" "the page under podman"
        assert_contains "$(podman_ exec web /usr/bin/busybox env)" "GREETING=hello"
}

KUBE_SCHEMA=${SVC_KUBE_SCHEMA:-/var/cache/svc/kube-schema}

test_kube_manifest_validates_and_plays_under_podman() {
        [ -d "$KUBE_SCHEMA/node_modules/kubernetes-models" ] ||
                fail "no Kubernetes schema in $KUBE_SCHEMA: make test-deps fetches it (contrib/kube-schema.sh)"
        web_service
        local out
        out=$(svc export web --to kube "$T/kube" 2>&1) || fail "export failed: $out"
        out=$(node "$(dirname "$0")/../helpers/kube-validate.mjs" "$KUBE_SCHEMA" "$T/kube/web.yaml") ||
                fail "the manifest does not validate: $out"
        assert_contains "$out" "PersistentVolumeClaim web-state-web valid"
        assert_contains "$out" "Pod web valid"
        assert_contains "$out" "Service web valid"
        assert_contains "$out" "NetworkPolicy web valid"
        # What has no equivalent is said, never dropped.
        assert_contains "$(cat "$T/kube/web.yaml")" "#   - LimitNOFILE= and the other Limit*= keys: a Pod has no rlimits"

        out=$(svc export web --to oci-image "$T/image" 2>&1) || fail "image export failed: $out"
        local id
        id=$(cd "$T" && podman_ pull -q oci:image:web) || fail "podman cannot pull the layout"
        podman_ tag "$id" localhost/web:latest || fail "cannot tag the image"
        out=$(podman_ kube play --network none "$T/kube/web.yaml" 2>&1) || fail "podman kube play failed: $out"
        local page
        page=$(podman_ exec web-web /usr/bin/busybox wget -qO- http://127.0.0.1:8080/) || fail "no page in the Pod"
        assert_eq "$PAGE" "$page" "the page under podman kube play"
        if podman_ exec web-web /usr/bin/busybox touch /srv/www/x 2>/dev/null; then
                fail "the Pod's root is writable"
        fi
        podman_ exec web-web /usr/bin/busybox touch /var/lib/web/mark || fail "the claim is not writable"
        assert_contains "$(podman_ volume ls --format '{{.Name}}')" "web-state-web"
}

test_import_kube_brings_the_pod_back_as_a_unit_and_a_tree() {
        web_service
        local out
        out=$(svc export web --to kube "$T/kube" 2>&1) || fail "export failed: $out"
        out=$(svc export web --to oci-image "$T/image" 2>&1) || fail "image export failed: $out"
        # The unit and its tree go; the Pod and the image bring them back.
        rm -rf "$T/etc/svc/units/web.unit" "$T/$TREES/web" "$T/$TREES/.web"
        out=$(svc import-kube "$T/kube/web.yaml" --image "$T/image" 2>&1) || fail "import failed: $out"
        assert_contains "$out" "Made $T/etc/svc/units/web.unit"
        local u
        u=$(cat "$T/etc/svc/units/web.unit")
        assert_contains "$u" "ExecStart=/usr/bin/busybox httpd -f -p 8080 -h /srv/www"
        assert_contains "$u" "StateDirectory=web"
        assert_contains "$u" "PublishPort=18347:8080/tcp"
        assert_contains "$u" "MemoryMax=67108864"
        assert_contains "$u" "CPUQuota=50%"
        assert_contains "$u" 'HealthCmd=["/usr/bin/busybox","wget","-qO-","http://127.0.0.1:8080/"]'
        assert_contains "$u" "#   - readinessProbe: svc has one health probe, the livenessProbe's"
        start_svcd
        svc start web || fail "the imported web did not start: $(svc status web 2>&1 | tail -n 3)"
        local page
        page=$(svc exec web busybox wget -qO- http://127.0.0.1:8080/) || fail "no page from the imported unit"
        assert_eq "$PAGE" "$page" "the page of the imported unit"

        # A Pod svc cannot run as one service is refused with a sentence, and nothing is made.
        printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n  - name: a\n    image: x\n    command: [a]\n  - name: b\n    image: y\n    command: [b]\n' >"$T/two.yaml"
        local rc=0
        out=$(svc import-kube "$T/two.yaml" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit status of a Pod of two containers"
        assert_contains "$out" "Pod two has 2 containers; a service runs one command"
        [ ! -e "$T/etc/svc/units/two.unit" ] || fail "a unit was made for the Pod of two containers"
}

test_accept_yes_is_refused_with_a_sentence() {
        unit_isolated inetd <<EOF
[Service]
RootDirectory=web
ListenStream=8080
Accept=yes
ExecStart=/usr/bin/busybox cat
EOF
        local out rc=0
        out=$(svc export inetd --to kube "$T/kube" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit status"
        assert_contains "$out" "svc export: inetd cannot be exported: Accept=yes starts a process per connection"
        assert_contains "$out" "cannot hand it a connection"
        [ ! -e "$T/kube" ] || fail "something was written: $(ls -R "$T/kube")"
}

test_unit_error_names_file_and_line() {
        unit_isolated bad <<EOF
[Service]
ExecStart=/usr/bin/busybox true
MemoryMax=lots
EOF
        local out rc=0
        out=$(svc export bad --to oci-bundle "$T/b" 2>&1) || rc=$?
        assert_eq 1 "$rc" "exit status"
        assert_contains "$out" "$T/etc/svc/units/bad.unit:3:"
}

run_tests "$@"
