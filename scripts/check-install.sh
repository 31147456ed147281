#!/usr/bin/env bash
# Checks the README's main set-up command as a new user runs it: after it, `labrunner` is on
# PATH; started from any folder it finds the curriculum shipped inside it and runs the TUI;
# under NO_COLOR the TUI draws no colour.
#
# The command is read from the README (the first line of its first `sh` block) and run as it is
# written, from the repository root, in a private tmux server, with two differences that keep
# this machine as it was: `cargo install` installs into a temporary root (CARGO_INSTALL_ROOT),
# not into ~/.cargo/bin, and builds its release profile without optimisation (what is checked
# here is where the binary goes and what it finds, not its speed). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

fail() {
  echo "check-install: $*" >&2
  exit 1
}

line=$(awk '/^```sh$/ { inside = 1; next } inside { print; exit }' README.md)
command=${line%%#*}
case "$command" in
*"cargo install --locked --path ."*"labrunner"*) ;;
*) fail "the README's first command no longer installs labrunner and starts it: $line" ;;
esac

tmp=$(mktemp -d)
socket="labrunner-install-check-$$"
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

export CARGO_INSTALL_ROOT="$tmp/root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256
export CARGO_PROFILE_RELEASE_INCREMENTAL=true
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"

# Run COMMAND in folder DIR in the tmux window NAME, with extra environment ENV.
start() { # name dir env command
  local name=$1 dir=$2 env=$3 cmd=$4
  local shell_line="cd '$dir' && env LABRUNNER_HOME='$tmp/home' $env $cmd; echo \$? > '$tmp/$name.status'"
  if tmux -L "$socket" has-session -t t 2>/dev/null; then
    tmux -L "$socket" new-window -d -t t -n "$name" "$shell_line"
  else
    tmux -L "$socket" -f /dev/null new-session -d -s t -n "$name" -x 100 -y 30 "$shell_line"
    tmux -L "$socket" set-option -t t remain-on-exit on >/dev/null
  fi
}

# Wait up to SECS for the window's screen to show TEXT.
wait_for() { # name text secs
  local name=$1 text=$2 secs=$3 i
  for i in $(seq 1 $((secs * 4))); do
    if tmux -L "$socket" capture-pane -p -t "t:$name" 2>/dev/null | grep -qF -- "$text"; then
      return 0
    fi
    if [ -s "$tmp/$name.status" ]; then
      break
    fi
    sleep 0.25
  done
  tmux -L "$socket" capture-pane -p -t "t:$name" -S -40 >&2 || true
  fail "$name: the screen never showed \"$text\""
}

quit() { # name
  tmux -L "$socket" send-keys -t "t:$1" q
  for _ in $(seq 1 40); do
    [ -s "$tmp/$1.status" ] && break
    sleep 0.25
  done
  [ "$(cat "$tmp/$1.status" 2>/dev/null)" = 0 ] || fail "$1: labrunner did not exit cleanly on q"
}

echo "check-install: running the README's command: $command"
start readme "$repo" "" "$command"
wait_for readme "labrunner · Home" 1800
quit readme

found=$(command -v labrunner) || fail "labrunner is not on PATH after the README's command"
[ "$found" = "$CARGO_INSTALL_ROOT/bin/labrunner" ] ||
  fail "labrunner on PATH is $found, not the one the README's command installed"
echo "check-install: which labrunner -> $found"

# From a folder that is no course: the shipped curriculum, unpacked into the data folder.
elsewhere="$tmp/elsewhere"
mkdir -p "$elsewhere"
start shipped "$elsewhere" "" labrunner
wait_for shipped "MOD-DOCKER-04" 60
coloured=$(tmux -L "$socket" capture-pane -e -p -t t:shipped)
quit shipped
ls -d "$tmp"/home/curriculum/*/labs/MOD-DOCKER-04 >/dev/null 2>&1 ||
  fail "the shipped curriculum was not unpacked into the data folder"
shipped_labs=$(find labs -name "*.yaml" | wc -l)
(cd "$elsewhere" && LABRUNNER_HOME="$tmp/home" labrunner validate) | grep -q "^$shipped_labs files, 0 errors" ||
  fail "labrunner validate from another folder did not find the shipped labs"

# Colour escapes: SGR parameters 30-38, 40-48, 90-97, 100-107 (39 and 49 only reset colour).
has_colour() { grep -qE $'\e\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;|m)'; }
printf '%s' "$coloured" | has_colour || fail "the TUI drew no colour without NO_COLOR (the check cannot tell)"
start plain "$elsewhere" "NO_COLOR=1" labrunner
wait_for plain "MOD-DOCKER-04" 60
plain=$(tmux -L "$socket" capture-pane -e -p -t t:plain)
quit plain
if printf '%s' "$plain" | has_colour; then
  fail "NO_COLOR=1: the TUI still drew colour"
fi
echo "check-install: ok (TUI from the README and from another folder; no colour under NO_COLOR)"
