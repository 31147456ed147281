#!/usr/bin/env python3
"""Time from starting a program on a fresh pseudo-terminal (100x30) to NEEDLE appearing in what
it writes there, N times. Prints one line per start (seconds). Used by bench/startup.sh.

Usage: first-frame.py N NEEDLE -- COMMAND...
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def once(argv, needle):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    t0 = time.monotonic()
    seen = b""
    found = None
    while time.monotonic() - t0 < 5:
        r, _, _ = select.select([fd], [], [], 0.05)
        if fd in r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if needle in seen:
                found = time.monotonic() - t0
                break
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        # keep draining so the program can restore the terminal and exit
        r, _, _ = select.select([fd], [], [], 0.05)
        if fd in r:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    return found, seen


def main():
    n = int(sys.argv[1])
    needle = sys.argv[2].encode()
    argv = sys.argv[sys.argv.index("--") + 1:]
    for _ in range(n):
        t, seen = once(argv, needle)
        if t is None:
            sys.stderr.write(f"no {needle!r} within 5 s; got {seen[-400:]!r}\n")
            sys.exit(1)
        print(f"{t:.4f}")


if __name__ == "__main__":
    main()
