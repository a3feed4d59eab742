#!/bin/sh
# demo-trees.sh ROOT BUILD_DIR: the small library trees of the example units of units/examples/,
# under ROOT/var/lib/svc/trees, made by mktree.sh from Debian's busybox-static and what
# `make demo-artifacts` built in BUILD_DIR/demo:
#   blog  libsvcdemo 1.0, /usr/bin/svcdemo, and the blog's pages in /var/www
#   mail  libsvcdemo 2.0, /usr/bin/svcdemo
#   ftp   Debian's vsftpd (from the package cache of contrib/fetch-debs.sh), an anonymous share
# blog and mail load libsvcdemo.so.1 (one soname), each its own version; the host has neither.
# Used by the box (contrib/box/build.sh) and by tests/integration/test-examples.sh and test-net.sh;
# make demo runs real daemons on Debian trees instead (contrib/demo-releases.sh).
set -eu

[ $# -eq 2 ] || { echo "usage: demo-trees.sh ROOT BUILD_DIR" >&2; exit 2; }
root=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
trees=$root/var/lib/svc/trees

for f in "$build/demo/v1/libsvcdemo.so.1" "$build/demo/v2/libsvcdemo.so.1" "$build/demo/svcdemo"; do
        [ -f "$f" ] || { echo "demo-trees: $f is missing (make demo-artifacts)" >&2; exit 1; }
done
mkdir -p "$trees"

# tree NAME VERSION: busybox, libsvcdemo VERSION.0 and svcdemo.
tree() {
        "$here/mktree.sh" "$trees/$1" --busybox --lib "$build/demo/v$2" \
                --prog "$build/demo/svcdemo:/usr/bin/svcdemo"
}

tree blog 1
tree mail 2

# ftp: vsftpd and libwrap from Debian's packages, the rest of its libraries from the host.
debs=${SVC_DEBS:-/var/cache/svc/debs}
for p in vsftpd libwrap0; do
        [ -s "$debs/$p.deb" ] || { echo "demo-trees: $debs/$p.deb is missing (make deps fetches it)" >&2; exit 1; }
done
"$here/mktree.sh" "$trees/ftp" --busybox --deb "$debs/vsftpd.deb" --deb "$debs/libwrap0.deb" \
        --closure /usr/sbin/vsftpd
echo "ftp:x:106:65534:ftp daemon:/srv/ftp:/bin/false" >>"$trees/ftp/etc/passwd"
mkdir -p "$trees/ftp/srv/ftp/pub"
echo "Hello from vsftpd, in a sandbox of its own behind a published port." >"$trees/ftp/srv/ftp/pub/hello.txt"
# Standalone, so that one namespace holds the control port and the passive range svcd publishes.
cat >"$trees/ftp/etc/vsftpd.conf" <<'EOF'
# vsftpd.conf(5) of the example: anonymous, read-only, passive ports 30000-30009.
listen=YES
listen_ipv6=NO
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=/srv/ftp
local_enable=NO
write_enable=NO
secure_chroot_dir=/run/vsftpd/empty
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30009
# Clients that trust the address in a PASV reply need the host's: pasv_address=HOST-ADDRESS.
# The sandbox already gives what vsftpd would make with CAP_SYS_ADMIN.
isolate=NO
isolate_network=NO
# Transfers to syslog: svcd's /dev/log, then `svc logs ftp`.
syslog_enable=YES
xferlog_enable=YES
EOF
# The blog's pages. busybox httpd runs cgi-bin/index.cgi for "/" when there is no index.html.
www=$trees/blog/var/www
mkdir -p "$www/cgi-bin" "$www/posts"
cat >"$www/posts/hello.html" <<'EOF'
<!doctype html>
<title>Hello, world</title>
<h1>Hello, world</h1>
<p>This blog runs on a library tree of its own: busybox and libsvcdemo 1.0, nothing of the host's.
<p><a href="/">back</a>
EOF
cat >"$www/cgi-bin/index.cgi" <<'EOF'
#!/bin/sh
# The front page, made for each request inside the blog's sandbox.
lib=$(/usr/bin/svcdemo)
links=$(ip -o link | awk -F': ' '{ printf "%s%s", sep, $2; sep = ", " }')
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
cat <<HTML
<!doctype html>
<title>svc demo blog</title>
<h1>svc demo blog</h1>
<p>Served by busybox httpd on tree blog, in a sandbox of its own for this connection
(host name $(hostname), network interfaces: $links).
<p>The loader found: <b>$lib</b>
<h2>Posts</h2>
<ul><li><a href="/posts/hello.html">Hello, world</a></ul>
HTML
EOF
chmod 0755 "$www/cgi-bin/index.cgi"
