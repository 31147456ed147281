#!/usr/bin/env bash
# Start-up cost.
#  1. `labrunner validate labs/`: wall time (hyperfine, median of 30 after 3 warm-ups; a plain
#     loop when hyperfine is missing) and peak RSS (/usr/bin/time -v, max of 5).
#     Targets: < 50 ms, < 30 MiB.
#  2. The TUI (`labrunner` with no subcommand): time from start to its first frame (the home
#     screen's title written to a pseudo-terminal, bench/first-frame.py; the same harness timed
#     with `printf` gives its own cost, subtracted), median of N. Target: < 150 ms. Then, in a
#     private tmux server, a lab is opened (j, Enter) and the TUI's resident memory read from
#     /proc for 10 s while the lab's live loop runs. Target: < 40 MiB.
#
# Usage: bench/startup.sh [N]      (N TUI starts, default 10)
#   needs: hyperfine (Debian package), time (Debian package, /usr/bin/time), tmux
set -uo pipefail
source "$(dirname "$0")/common.sh"
N=${1:-10}
cd "$BENCH_ROOT"
tmp=$(mktemp -d)
SOCK=bx-startup-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"; rm -rf "$tmp"' EXIT
export LABRUNNER_HOME=$tmp/home
mkdir -p "$LABRUNNER_HOME"

echo "labrunner: $LABRUNNER"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. validate ---------------------------------------------------------------------------------
if ! "$LABRUNNER" validate labs/ >/dev/null 2>"$tmp/validate.err"; then
  echo "validate labs/ failed:"; cat "$tmp/validate.err"
fi
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 --export-json "$tmp/v.json" "$LABRUNNER validate labs/" >/dev/null 2>&1
  v_ms=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.1f %.1f %.1f' % (r['median']*1000, r['min']*1000, r['max']*1000))" "$tmp/v.json")
  read -r v_med v_min v_max <<<"$v_ms"
else
  for _ in $(seq 1 30); do
    t0=$(now); "$LABRUNNER" validate labs/ >/dev/null 2>&1; t1=$(now)
    echo "($t1 - $t0) * 1000" | bc -l
  done >"$tmp/v.times"
  v_med=$(median <"$tmp/v.times"); v_min=$(sort -g "$tmp/v.times" | head -1); v_max=$(sort -g "$tmp/v.times" | tail -1)
fi
rss=0
for _ in 1 2 3 4 5; do
  k=$(/usr/bin/time -v "$LABRUNNER" validate labs/ 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
  [ "${k:-0}" -gt "$rss" ] && rss=$k
done
printf 'validate labs/: median %.1f ms (min %.1f, max %.1f; target < 50 ms), peak RSS %.1f MiB (target < 30 MiB)\n' \
  "$v_med" "$v_min" "$v_max" "$(echo "$rss / 1024" | bc -l)"

# ---- 2. TUI ----------------------------------------------------------------------------------------
# First frame: bench/first-frame.py starts the TUI on a fresh pseudo-terminal (100x30) and times
# until the home screen's title has been written to it. `printf` of the same text through the
# same harness gives the harness' own cost. The two alternate.
NEEDLE="Lessons and labs"
FF="$BENCH_ROOT/bench/first-frame.py"
: >"$tmp/tui.times"; : >"$tmp/base.times"
for _ in $(seq 1 "$N"); do
  python3 "$FF" 1 "$NEEDLE" -- printf '%s\n' "$NEEDLE" >>"$tmp/base.times" || exit 1
  if ! python3 "$FF" 1 "$NEEDLE" -- "$LABRUNNER" --root "$BENCH_ROOT" >>"$tmp/tui.times"; then
    echo "TUI: no home screen within 5 s (is the TUI in this build?)"
    exit 1
  fi
done
tui=$(median <"$tmp/tui.times"); base=$(median <"$tmp/base.times")
printf 'TUI first frame: median %.1f ms (max %.1f), harness alone %.1f ms, net %.1f ms (target < 150 ms), %d starts\n' \
  "$(echo "$tui * 1000" | bc -l)" "$(echo "$(sort -g "$tmp/tui.times" | tail -1) * 1000" | bc -l)" \
  "$(echo "$base * 1000" | bc -l)" "$(echo "($tui - $base) * 1000" | bc -l)" "$N"

TUI="exec env LABRUNNER_HOME='$LABRUNNER_HOME' LABRUNNER_IMAGE_MAP='$LABRUNNER_IMAGE_MAP' '$LABRUNNER' --root '$BENCH_ROOT'"
# RSS while a lab is open and its live loop runs (in a private tmux server).
tmux -L "$SOCK" -f /dev/null new-session -d -s t -x 100 -y 30 "$TUI"
tmux -L "$SOCK" set-option -t t remain-on-exit on >/dev/null
first_frame_wait() { # needle, up to 15 s
  for _ in $(seq 1 300); do
    tmux -L "$SOCK" capture-pane -p -t t 2>/dev/null | grep -qF "$1" && return 0
    sleep 0.05
  done
  return 1
}
first_frame_wait "$NEEDLE"
tmux -L "$SOCK" send-keys -t t j; sleep 0.2; tmux -L "$SOCK" send-keys -t t Enter
if first_frame_wait "Step 1 of"; then
  pid=$(tmux -L "$SOCK" display-message -p -t t '#{pane_pid}')
  peak=0
  for _ in $(seq 1 20); do # 10 s with the live loop running
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    [ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
    sleep 0.5
  done
  cur=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  printf 'TUI in a lab (10 s of live checks): RSS %.1f MiB, peak %.1f MiB (target < 40 MiB)\n' \
    "$(echo "${cur:-0} / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
  tmux -L "$SOCK" send-keys -t t q
  sleep 0.5
else
  echo "TUI: could not open a lab (pane dead: $(tmux -L "$SOCK" display-message -p -t t '#{pane_dead} #{pane_dead_status}' 2>&1)); screen:"
  tmux -L "$SOCK" capture-pane -p -t t 2>&1 | sed 's/^/    /'
fi
