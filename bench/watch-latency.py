#!/usr/bin/env python3
"""Latency of the live loop: from the moment a student's docker command returns to the moment
`labrunner watch --json` prints that the step is done.

For each round: start `labrunner watch LAB --json`, wait until it has shown the first step's
verdicts, then for every step run its reference solution with the docker CLI (images mapped as in
LABRUNNER_IMAGE_MAP) and time from the return of the step's last command to the arrival of the
`step_done` line for that step (the line in which its last check turned `pass` comes in the same
evaluation). Then the watcher exits (all steps done) and the lab is cleaned up: `labrunner clean
--lab ID` for what labrunner made, `docker rm/network rm/volume rm` for the lab's declared names
(the student's commands made those). Targets: median <= 20 ms, p95 <= 100 ms.

Usage: bench/watch-latency.py [--rounds N] [--lab FILE]     (default 5 rounds of volume-persistence)
"""

import argparse
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MAP = (
    "alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,"
    "nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1"
)


def binary():
    if os.environ.get("LABRUNNER"):
        return os.environ["LABRUNNER"]
    release = os.path.join(ROOT, "target/release/labrunner")
    return release if os.path.exists(release) else os.path.join(ROOT, "target/debug/labrunner")


def image_map():
    pairs = {}
    for entry in os.environ["LABRUNNER_IMAGE_MAP"].split(","):
        if "=" in entry:
            a, b = entry.split("=", 1)
            pairs[a.strip()] = b.strip()
    return pairs


def map_images(cmd, pairs):
    # Longest names first, whole words only, so alpine:latest is not half-replaced by alpine.
    for a in sorted(pairs, key=len, reverse=True):
        cmd = re.sub(r"(?<![\w./:-])" + re.escape(a) + r"(?![\w./:-])", pairs[a], cmd)
    return cmd


class Watcher:
    def __init__(self, lab):
        self.proc = subprocess.Popen(
            [binary(), "watch", lab, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), line))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, pred, timeout):
        """First line (arrival time, parsed) for which pred holds, or (None, None) on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            try:
                t, line = self.lines.get(timeout=left)
            except queue.Empty:
                return None, None
            if line is None:
                return None, None
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if pred(msg):
                return t, msg

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.stderr.read()


def clean(lab):
    subprocess.run([binary(), "clean", "--lab", lab["id"]], capture_output=True)
    res = lab.get("resources", {})
    for c in res.get("containers", []):
        subprocess.run(["docker", "rm", "-f", c], capture_output=True)
    for n in res.get("networks", []):
        subprocess.run(["docker", "network", "rm", n], capture_output=True)
    for v in res.get("volumes", []):
        subprocess.run(["docker", "volume", "rm", v], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--lab", default=os.path.join(ROOT, "labs/MOD-DOCKER-04/volume-persistence.yaml"))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for one step")
    args = ap.parse_args()
    os.environ.setdefault("LABRUNNER_IMAGE_MAP", DEFAULT_MAP)
    # A private home: the watcher's lab folders and progress stay out of the user's.
    import tempfile

    home = tempfile.TemporaryDirectory(prefix="bx-watch-")
    os.environ["LABRUNNER_HOME"] = home.name

    import yaml  # python3-yaml

    with open(args.lab) as f:
        lab = yaml.safe_load(f)
    if lab.get("setup"):
        sys.exit("this script does the steps only; pick a lab without setup commands")
    pairs = image_map()
    steps = lab["steps"]
    print(f"labrunner: {binary()}")
    print(f"lab {lab['id']}, {len(steps)} steps, {args.rounds} rounds; load {open('/proc/loadavg').read().split()[:3]}")
    clean(lab)
    samples = []  # (step, seconds)
    missed = 0
    for r in range(1, args.rounds + 1):
        w = Watcher(args.lab)
        try:
            for step in steps:
                sid, nchecks = step["id"], len(step["checks"])
                seen = set()

                def first_verdicts(msg, sid=sid, seen=seen, n=nchecks):
                    if msg.get("event") == "verdict" and msg.get("step") == sid:
                        seen.add(msg.get("check"))
                    return len(seen) >= n

                # The step is open once labrunner has evaluated it once (every check failing).
                t, _ = w.wait_for(first_verdicts, args.timeout)
                if t is None:
                    print(f"round {r} {sid}: never evaluated before the solution")
                for cmd in step["solution"]:
                    cmd = cmd["run"] if isinstance(cmd, dict) else cmd
                    subprocess.run(map_images(cmd, pairs), shell=True, capture_output=True)
                returned = time.monotonic()
                t, msg = w.wait_for(lambda m, sid=sid: m.get("event") == "step_done" and m.get("step") == sid, args.timeout)
                if t is None:
                    missed += 1
                    print(f"round {r} {sid:<28} MISSED (no step_done within {args.timeout:.0f}s)")
                    break
                lat = t - returned
                samples.append((sid, lat))
                print(f"round {r} {sid:<28} {lat * 1000:8.1f} ms")
        finally:
            err = w.stop()
            if w.proc.returncode not in (0, -15):
                print(f"watch exited {w.proc.returncode}: {err.strip()}")
            clean(lab)
    if not samples:
        sys.exit("no samples")
    ms = sorted(max(0.0, s) * 1000 for _, s in samples)
    p95 = ms[min(len(ms) - 1, max(0, int(0.95 * len(ms) + 0.9999) - 1))]
    med = statistics.median(ms)
    print(f"per step (median ms, negative: the line came before the command returned): " + ", ".join(
        f"{s['id']} {statistics.median([x * 1000 for sid, x in samples if sid == s['id']] or [float('nan')]):.0f}"
        for s in steps))
    print(f"{len(ms)} trials, {missed} missed; median {med:.1f} ms (target <= 20), p95 {p95:.1f} ms (target <= 100), max {ms[-1]:.1f} ms")
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
    sys.exit(0 if missed == 0 and med <= 20 and p95 <= 100 else 1)


if __name__ == "__main__":
    main()
