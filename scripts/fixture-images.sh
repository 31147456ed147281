#!/usr/bin/env bash
# Builds the small local images the tests map lab images onto, from Debian's busybox-static:
#   labrunner-fixture/busybox:1  a shell image (busybox applets on PATH), default command `sh`
#   labrunner-fixture/web:1      the same, whose default command serves HTTP on port 80
#   labrunner-fixture/bare:1     only sh, sleep, ls and cat: no ping, no nc (for "no such command")
# Nothing is pulled: the root filesystem is assembled here and loaded with `docker import`.
set -euo pipefail

busybox=/bin/busybox
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "fixture-images: installing busybox-static" >&2
  apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
fi

build() {
  local tag=$1 cmd=$2 applets=${3:-} root
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,www,var/run}
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  for applet in ${applets:-$("$root/bin/busybox" --list-full)}; do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf '<h1>labrunner fixture web server</h1>\n' >"$root/www/index.html"
  tar -C "$root" -c . | docker import \
    --change "CMD $cmd" \
    --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'EXPOSE 80' \
    - "$tag" >/dev/null
  echo "built $tag"
}

build labrunner-fixture/busybox:1 '["sh"]'
build labrunner-fixture/web:1 '["httpd", "-f", "-v", "-p", "80", "-h", "/www"]'
build labrunner-fixture/bare:1 '["sh"]' "bin/sh bin/sleep bin/ls bin/cat"
