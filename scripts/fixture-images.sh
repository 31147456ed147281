#!/usr/bin/env bash
# Builds the small local images that stand in for the images lessons and labs name, from
# Debian's busybox-static. What each one mirrors of the real image, and what it leaves out, is
# written down in scripts/fixture-images.md (the contract); keep the two in step.
#   labrunner-fixture/busybox:1  stands for busybox: every applet, httpd included; `sh`
#   labrunner-fixture/alpine:1   stands for alpine: the applets Alpine's busybox has (no httpd)
#   labrunner-fixture/web:1      stands for nginx: serves /usr/share/nginx/html on port 80, with
#                                the tools of a Debian base (no ping, nc, wget, ip or httpd)
#   labrunner-fixture/bare:1     only sh, sleep, ls and cat: no ping, no nc (for "no such command")
# Nothing is pulled: the root filesystem is assembled here and loaded with `docker import`.
# Every image carries the label io.labrunner.fixture.contract=$CONTRACT; scripts/setup.sh
# rebuilds them when the label differs.
set -euo pipefail

CONTRACT=2
busybox=/bin/busybox
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "fixture-images: installing busybox-static" >&2
  apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
fi

# Applets the busybox of Alpine Linux leaves out (they live in its busybox-extras package).
alpine_lacks="httpd telnet telnetd ftpd ftpget ftpput tftp tftpd inetd dnsd fakeidentd"
# Commands a Debian-based nginx image has on PATH that busybox also provides. Everything else
# (ping, nc, wget, ip, nslookup, httpd, ps, ...) is absent there, and so here.
debian_tools="ls cat echo printf sleep touch mkdir rmdir rm cp mv ln chmod chown chgrp id
  whoami test [ true false grep sed tar gzip env head tail wc sort uniq cut tr stat uname hostname
  date dirname basename readlink realpath kill du df find xargs seq tee md5sum sha256sum mktemp
  nproc"

# The applets of the host's busybox, as absolute paths (/bin/ls, /usr/bin/wget, ...).
all_applets() { "$busybox" --list-full | sed 's|^|/|'; }

build() {
  local tag=$1 cmd=$2 root=$3
  tar -C "$root" -c . | docker import \
    --change "CMD $cmd" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL io.labrunner.fixture.contract=$CONTRACT" \
    ${4:+--change "EXPOSE $4"} \
    - "$tag" >/dev/null
  echo "built $tag"
}

# A root filesystem with busybox at $2 and links for the applets given on standard input.
rootfs() {
  local root=$1 binary=$2 applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,root,home,var/run}
  chmod 1777 "$root/tmp"
  mkdir -p "$root$(dirname "$binary")"
  cp "$busybox" "$root$binary"
  while read -r applet; do
    [ -n "$applet" ] && [ ! -e "$root$applet" ] && ln -s "$binary" "$root$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# busybox: every applet, busybox itself on PATH.
all_applets | rootfs "$work/busybox" /bin/busybox
build labrunner-fixture/busybox:1 '["sh"]' "$work/busybox"

# alpine: the same without the applets Alpine's busybox lacks.
all_applets | grep -vE "/($(echo "$alpine_lacks" | tr ' ' '|'))$" | rootfs "$work/alpine" /bin/busybox
echo '3.20.0' >"$work/alpine/etc/alpine-release"
build labrunner-fixture/alpine:1 '["/bin/sh"]' "$work/alpine"

# nginx: a Debian-like tool set, busybox hidden off PATH, the page where nginx keeps it, and a
# default command that serves it on port 80.
all_applets | grep -E "/($(echo $debian_tools | sed 's/\[/\\[/; s/ /|/g'))$" |
  rootfs "$work/web" /usr/lib/labrunner-fixture/busybox
# Its shell is Debian's dash, as in the nginx image: a busybox shell would find every applet
# (ping, wget, httpd) inside `sh -c` whatever PATH says.
for lib in $(ldd /bin/dash | grep -o '/[^ ]*'); do
  mkdir -p "$work/web$(dirname "$lib")"
  cp -L "$lib" "$work/web$lib"
done
cp /bin/dash "$work/web/bin/dash"
ln -s dash "$work/web/bin/sh"
printf 'nginx:x:101:101:nginx user:/nonexistent:/bin/false\n' >>"$work/web/etc/passwd"
printf 'nginx:x:101:\n' >>"$work/web/etc/group"
mkdir -p "$work/web/usr/share/nginx/html"
printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' \
  >"$work/web/usr/share/nginx/html/index.html"
printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n' \
  >"$work/web/usr/share/nginx/html/50x.html"
build labrunner-fixture/web:1 \
  '["/usr/lib/labrunner-fixture/busybox", "httpd", "-f", "-v", "-p", "80", "-h", "/usr/share/nginx/html"]' \
  "$work/web" 80/tcp

# bare: a shell and three tools, for "no such command" evidence.
printf '/bin/sh\n/bin/sleep\n/bin/ls\n/bin/cat\n' | rootfs "$work/bare" /bin/busybox
build labrunner-fixture/bare:1 '["sh"]' "$work/bare"
