#!/usr/bin/env bash
# Grade a class on Kubernetes, from the parameters in class.env (CLASS_ENV=path for another):
#
#   class.sh render [DIR]              write DIR/{grade-class,merge-class,class-io}.yaml (default ./rendered)
#   class.sh load SUBMISSIONS [TAR...] create the claim, copy the submissions (one file per
#                                      student) and the image tars the lab needs onto it
#   class.sh grade                     run the grading Job to its end, then the merge Job
#   class.sh fetch DEST                copy /class/results (every shard, and merged/) to DEST
#
# kubectl must reach the cluster (its current context and namespace are used).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
env_file=${CLASS_ENV:-$here/class.env}
VARS="NAME LAB SHARDS JOBS IMAGE DIND_IMAGE IMAGE_MAP STORAGE DEADLINE_SECONDS TTL_SECONDS"

# Read class.env as data (never sourced): KEY=VALUE lines, # comments, nothing else.
declare -A value
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  case "$line" in '' | '#'*) continue ;; esac
  key=${line%%=*}
  val=${line#*=}
  if [ "$key" = "$line" ] || ! [[ " $VARS " == *" $key "* ]]; then
    echo "$env_file:$line_no:1: expected one of $VARS as KEY=VALUE" >&2
    exit 2
  fi
  if ! [[ "$val" =~ ^[A-Za-z0-9._:/@=,+-]*$ ]]; then
    echo "$env_file:$line_no:$((${#key} + 2)): $key: only letters, digits and ._:/@=,+- are allowed" >&2
    exit 2
  fi
  value[$key]=$val
done <"$env_file"
for key in $VARS; do
  [ -n "${value[$key]+set}" ] || { echo "$env_file: $key is not set" >&2; exit 2; }
done
for key in SHARDS JOBS DEADLINE_SECONDS TTL_SECONDS; do
  [[ "${value[$key]}" =~ ^[1-9][0-9]*$ ]] || { echo "$env_file: $key must be a positive whole number" >&2; exit 2; }
done
name=${value[NAME]}

render() {
  local out=$1 template file key
  mkdir -p "$out"
  for template in "$here"/*.yaml.in; do
    file=$(basename "$template" .in)
    cp "$template" "$out/$file.tmp"
    for key in $VARS; do
      sed -i "s|\${$key}|${value[$key]}|g" "$out/$file.tmp"
    done
    mv "$out/$file.tmp" "$out/$file"
  done
}

io_pod() {
  local out=$1
  kubectl apply -f "$out/class-io.yaml" >/dev/null
  kubectl wait --for=condition=Ready "pod/$name-class-io" --timeout=300s >/dev/null
}

case "${1:-}" in
  render)
    render "${2:-rendered}"
    echo "rendered ${2:-rendered}/grade-class.yaml, merge-class.yaml, class-io.yaml"
    ;;
  load)
    submissions=${2:?usage: class.sh load SUBMISSIONS [TAR...]}
    shift 2
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    render "$work"
    # The claim alone (the Job itself is applied by `grade`).
    kubectl apply -f <(sed '/^---$/q' "$work/grade-class.yaml" | sed '$d') >/dev/null
    io_pod "$work"
    kubectl exec "$name-class-io" -- mkdir -p /class/submissions /class/images /class/results
    kubectl cp "$submissions/." "$name-class-io:/class/submissions"
    for tar in "$@"; do
      kubectl cp "$tar" "$name-class-io:/class/images/$(basename "$tar")"
    done
    echo "loaded $(find "$submissions" -maxdepth 1 -type f | wc -l) submissions and $# image tars"
    ;;
  grade)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    render "$work"
    kubectl apply -f "$work/grade-class.yaml"
    # Complete: every index done. Failed: an index failed 3 times, or the deadline passed.
    kubectl wait --for=jsonpath='{.status.conditions[?(@.status=="True")].type}'=Complete \
      "job/$name-grade" --timeout="${value[DEADLINE_SECONDS]}s" ||
      { kubectl describe "job/$name-grade" >&2; exit 1; }
    kubectl apply -f "$work/merge-class.yaml"
    kubectl wait --for=condition=Complete "job/$name-merge" --timeout=600s ||
      { kubectl logs "job/$name-merge" >&2; exit 1; }
    kubectl logs "job/$name-merge"
    ;;
  fetch)
    dest=${2:?usage: class.sh fetch DEST}
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    render "$work"
    io_pod "$work"
    mkdir -p "$dest"
    kubectl cp "$name-class-io:/class/results" "$dest"
    kubectl delete pod "$name-class-io" --wait=false >/dev/null
    echo "results in $dest (the gradebook: $dest/merged/gradebook.csv)"
    ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2
    ;;
esac
