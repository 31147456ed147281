#!/usr/bin/env python3
"""The lab view's terminal pane under load, on a real pseudo-terminal (120x40).

Runs `labrunner lab volume-persistence` and measures:
  - keystroke to echo: a key written to labrunner's terminal until labrunner draws the
    shell's echo of it (N keys; median, p95);
  - RSS of labrunner with the pane open (its shell not included);
  - frame time (labrunner's own draw times, LABRUNNER_FRAME_LOG) while the pane's shell prints
    50 MB (`yes | head -c 50000000`), p95;
  - step latency: from `docker network create` / `docker volume create` returning (run from
    here, another terminal) to the step being recorded done, without and during the flood.

Usage: terminal-pane.py [--keys N]      (run under flock /tmp/labrunner-daemon.lock)
"""
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("LABRUNNER") or next(
    p for p in (f"{REPO}/target/release/labrunner", f"{REPO}/target/debug/labrunner")
    if os.path.exists(p))
IMAGE_MAP = os.environ.get("LABRUNNER_IMAGE_MAP") or (
    "alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,"
    "nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1")


class Screen:
    """labrunner's output, read continuously, with the time each chunk arrived."""

    def __init__(self, fd):
        self.fd, self.chunks, self.lock = fd, [], threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        while True:
            try:
                r, _, _ = select.select([self.fd], [], [], 0.5)
                if self.fd in r:
                    data = os.read(self.fd, 65536)
                    if not data:
                        return
                    with self.lock:
                        self.chunks.append((time.monotonic(), data))
            except OSError:
                return

    def mark(self):
        with self.lock:
            return len(self.chunks)

    def wait(self, needle, since=0, timeout=20.0):
        """Time at which `needle` arrived in output after chunk `since` (scanned once, with
        the tail of the previous chunk, so a needle split across chunks is found)."""
        deadline = time.monotonic() + timeout
        tail, i = b"", since
        while time.monotonic() < deadline:
            with self.lock:
                fresh = self.chunks[i:]
            for t, data in fresh:
                window = tail + data
                if needle in window:
                    return t
                tail = window[-(len(needle) - 1):] if len(needle) > 1 else b""
            i += len(fresh)
            time.sleep(0.0005)
        raise SystemExit(f"no {needle!r} within {timeout}s")


START = time.monotonic()


def phase(what):
    sys.stderr.write(f"[{time.monotonic() - START:7.1f} s] {what}\n")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def screen_has(screen, needle, since):
    """Whether `needle` has been drawn after chunk `since` (now, without waiting)."""
    try:
        screen.wait(needle, since, timeout=0.001)
        return True
    except SystemExit:
        return False


def step_done(home, step):
    try:
        with open(f"{home}/progress.json") as f:
            p = json.load(f)
        return p["labs"]["volume-persistence"]["steps"][step]["done"]
    except (OSError, KeyError, ValueError):
        return False


def step_latency(home, step, command):
    subprocess.run(command, check=True, capture_output=True)
    returned = time.monotonic()
    while not step_done(home, step):
        if time.monotonic() - returned > 10:
            raise SystemExit(f"step {step} not done 10 s after `{' '.join(command)}`")
        time.sleep(0.002)
    return time.monotonic() - returned


def main():
    keys = int(sys.argv[sys.argv.index("--keys") + 1]) if "--keys" in sys.argv else 60
    for kind, name in (("network", "isolated-net"), ("volume", "persistent-store")):
        if subprocess.run(["docker", kind, "inspect", name], capture_output=True).returncode == 0:
            raise SystemExit(f"{kind} {name} exists: this benchmark needs the daemon without it")
    tmp = tempfile.mkdtemp(prefix="tx-bench-pane-")
    home, frames = f"{tmp}/home", f"{tmp}/frames.log"
    env = dict(os.environ, LABRUNNER_HOME=home, LABRUNNER_IMAGE_MAP=IMAGE_MAP,
               LABRUNNER_FRAME_LOG=frames, SHELL="/bin/sh", TERM="xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(BIN, [BIN, "lab", "volume-persistence", "--root", REPO], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    screen = Screen(fd)
    try:
        phase("labrunner started")
        screen.wait(b"F2: back to the steps")
        screen.wait(b"live: checks")
        time.sleep(1.0)

        phase("lab open; typing keys")
        # Keystroke to echo: the shell echoes the key, labrunner draws it.
        echo = []
        for i in range(keys):
            ch = "qzxjvkw"[i % 7].encode()
            m = screen.mark()
            sent = time.monotonic()
            os.write(fd, ch)
            echo.append(screen.wait(ch, m) - sent)
            time.sleep(0.03)
            os.write(fd, b"\x7f")
            time.sleep(0.05)

        with open(f"/proc/{pid}/status") as f:
            rss_kib = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

        phase("step latency, quiet")
        quiet = step_latency(home, "create-network",
                             ["docker", "network", "create", "isolated-net"])

        with open(frames) as f:
            before = len(f.read().split())
        phase("flood")
        m = screen.mark()
        os.write(fd, b"yes | head -c 50000000; echo FLOOD-$((1+1))\r")
        flood_start = time.monotonic()
        # Early enough that the flood still runs at 20 MB/s and more.
        time.sleep(0.3)
        loaded = step_latency(home, "create-volume",
                              ["docker", "volume", "create", "persistent-store"])
        green_during = not screen_has(screen, b"FLOOD-2", m)
        phase("step latency during the flood done")
        flood_end = screen.wait(b"FLOOD-2", m, timeout=300)
        phase("flood done")
        with open(frames) as f:
            during = [int(x) / 1000 for x in f.read().split()[before:]]
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        phase("labrunner exited")
        # A check's helper container may still hold the volume: labrunner's own go first.
        subprocess.run([BIN, "clean", "--lab", "volume-persistence"], capture_output=True,
                       env=env)
        subprocess.run(["docker", "network", "rm", "isolated-net"], capture_output=True)
        subprocess.run(["docker", "volume", "rm", "persistent-store"], capture_output=True)
        for kind, name in (("network", "isolated-net"), ("volume", "persistent-store")):
            if subprocess.run(["docker", kind, "inspect", name],
                              capture_output=True).returncode == 0:
                sys.stderr.write(f"could not remove {kind} {name}\n")

    ms = [e * 1000 for e in echo]
    print(f"keystroke to echo: median {statistics.median(ms):.1f} ms, p95 {pct(ms, 95):.1f} ms "
          f"({len(ms)} keys)")
    print(f"RSS with the pane open: {rss_kib / 1024:.1f} MiB")
    took = flood_end - flood_start
    print(f"50 MB through the pane: {took:.1f} s ({50 / took:.1f} MB/s), {len(during)} frames, "
          f"frame time median {statistics.median(during):.2f} ms, p95 {pct(during, 95):.2f} ms, "
          f"max {max(during):.2f} ms")
    print(f"step turned green: {quiet * 1000:.0f} ms quiet, {loaded * 1000:.0f} ms during the flood"
          f"{'' if green_during else ' (the flood had ended: not measured during it)'}")
    print(f"targets: >= 20 MB/s {'met' if 50 / took >= 20 else 'MISSED'}, "
          f"no frame over 100 ms {'met' if max(during) <= 100 else 'MISSED'}, "
          f"verdict within 150 ms during the flood "
          f"{'met' if green_during and loaded <= 0.150 else 'MISSED'}")


if __name__ == "__main__":
    main()
