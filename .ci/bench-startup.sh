#!/usr/bin/env bash
# Whole-process start-up figure: time from exec to the first frame that shows
# the loaded queue (the header's overdue count), on an already seeded
# embedded database. Needs tmux. Prints each run and the median in ms.
#   .ci/bench-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
bin="$(mktemp -d)/custodian"
data="$(mktemp -d)/data"
go build -o "$bin" .
"$bin" seed --data-dir "$data" >/dev/null 2>&1
# The seed started the database service; each run below joins it, and it
# would otherwise outlive the script by its idle period.
trap '"$bin" db stop --data-dir "$data" >/dev/null 2>&1 || true' EXIT
times=()
for i in $(seq "$runs"); do
	tmux kill-session -t custodian-bench 2>/dev/null || true
	start=$(date +%s%N)
	tmux new-session -d -s custodian-bench -x 120 -y 40 "$bin --data-dir $data --operator lee"
	until tmux capture-pane -t custodian-bench -p 2>/dev/null | grep -q "overdue"; do sleep 0.005; done
	end=$(date +%s%N)
	tmux kill-session -t custodian-bench
	ms=$(( (end - start) / 1000000 ))
	times+=("$ms")
	echo "run $i: ${ms} ms"
	sleep 0.5
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "median: ${sorted[$(( runs / 2 ))]} ms over $runs runs"
