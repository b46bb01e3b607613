#!/usr/bin/env bash
# README line 1 as a new user runs it, verbatim, in a fresh clone of the
# committed tree: set-up, build, the default run (minutes), then the
# argument-less report, which must find that run.
set -euo pipefail
cd "$(dirname "$0")/.."
line=$(sed -n '/^```sh$/{n;p;q}' README.md)
[[ $line == *"dmabench run "*"dmabench report" ]] || { echo "FAIL README line 1 not found: $line"; exit 1; }

# A report directory is complete when it holds the page and the summary of
# run $2 (its benchmarks are in tables.txt).
complete() {
    [[ -s $1/index.html && -s $1/summary.txt ]] && grep -q 'calib/ladder' "$1/tables.txt" \
        && grep -q "$(basename "$2" .json)" "$1/index.html"
}

clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
git clone -q . "$clone/dmabench"
cd "$clone/dmabench"
mkdir -p report/out/control
complete report/out/control none.json && { echo "FAIL control: an empty directory passes as a report"; exit 1; }
echo "ok   control: an empty directory is not a report"

echo "running: $line"
start=$(date +%s)
eval "$line"
runs=(results/runs/*.json)
[[ ${#runs[@]} -eq 1 && -s ${runs[0]} ]] || { echo "FAIL run files: ${runs[*]}"; exit 1; }
out=report/out/$(basename "${runs[0]}" .json)
complete "$out" "${runs[0]}" || { echo "FAIL no complete report in $out: $(ls -A "$out" 2>&1)"; exit 1; }
echo "ok   README line 1: ${runs[0]} and $out/{index.html,summary.txt} in $(( $(date +%s) - start )) s"
