#!/bin/sh
# kube-schema.sh [--force]: fetches, once, what test-export validates the manifests of
# `svc export --to kube` against, offline: the npm package kubernetes-models, pinned, whose
# validators are compiled from the Kubernetes API's published OpenAPI schema of its release, with
# its dependencies, into
#
#   $SVC_KUBE_SCHEMA (default /var/cache/svc/kube-schema)/node_modules/kubernetes-models
#
# tests/helpers/kube-validate.mjs runs them with node. Only the npm registry is used, through npm.
set -eu

version=5.1.0
cache=${SVC_KUBE_SCHEMA:-/var/cache/svc/kube-schema}
stamp=$cache/node_modules/kubernetes-models/package.json

if [ "${1:-}" != --force ] && [ -f "$stamp" ] && grep -q "\"version\": \"$version\"" "$stamp"; then
        exit 0
fi
command -v npm >/dev/null || {
        echo "kube-schema: npm is missing (make deps installs it)" >&2
        exit 1
}
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo '{"private": true}' >"$work/package.json"
echo "kube-schema: npm install kubernetes-models@$version into $cache (once)" >&2
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
        "kubernetes-models@$version" >/dev/null)
rm -rf "$cache/node_modules"
mv "$work/node_modules" "$cache/node_modules"
