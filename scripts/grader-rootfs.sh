#!/usr/bin/env bash
# Assembles the grader image's root file system in DEST from a built labrunner binary and this
# machine's files: the binary at /usr/local/bin/labrunner with the shared libraries it links,
# a static busybox as /bin/sh (Debian's busybox-static), the CA certificates (a DOCKER_HOST over
# TLS), and the user the image runs as: labrunner, uid and gid 10001, home /home/labrunner.
# Both the Dockerfile (deploy/image/Dockerfile, in its build stage) and
# scripts/grader-image.sh (offline, here) build the image from this one script.
#
#   scripts/grader-rootfs.sh BINARY DEST
set -euo pipefail
binary=${1:?usage: grader-rootfs.sh BINARY DEST}
root=${2:?usage: grader-rootfs.sh BINARY DEST}
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$binary" ] || { echo "grader-rootfs: $binary is not an executable file" >&2; exit 1; }
if ! "$busybox" --list >/dev/null 2>&1; then
  echo "grader-rootfs: no static busybox at $busybox (apt-get install busybox-static)" >&2
  exit 1
fi

mkdir -p "$root"/{bin,usr/local/bin,etc/ssl/certs,tmp,home/labrunner,class}
chmod 1777 "$root/tmp"
cp "$binary" "$root/usr/local/bin/labrunner"
# The shared libraries the binary links (glibc's), at the paths the loader looks for them (and
# busybox's, should it not be the static one).
for lib in $( (ldd "$binary"; ldd "$busybox" 2>/dev/null || true) | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$busybox" "$root/bin/busybox"
for applet in sh ls cat mkdir rm cp mv env id sleep tar gzip base64 sha256sum; do
  ln -sf busybox "$root/bin/$applet"
done
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
printf 'root:x:0:0:root:/root:/bin/sh\nlabrunner:x:10001:10001:labrunner:/home/labrunner:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nlabrunner:x:10001:\nnogroup:x:65534:\n' >"$root/etc/group"
chown -R 10001:10001 "$root/home/labrunner" "$root/class" 2>/dev/null || true
