#!/usr/bin/env bash
# Run every benchmark from the repository root; outputs are saved under benchmarks/out/.
# Usage: bash benchmarks/run_all.sh [--quick]   (--quick: 100,000-row files, 2 repetitions)
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=benchmarks/out
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if [ "${1:-}" = "--quick" ]; then READ_ARGS="--rows 100000 --reps 2"; PULL_ARGS="--reps 2"; else READ_ARGS=""; PULL_ARGS=""; fi
status=0
$PY benchmarks/read_formats.py $READ_ARGS 2>&1 | tee "$OUT/read_formats-$STAMP.txt"; status=$((status | PIPESTATUS[0]))
$PY benchmarks/pull_latency.py $PULL_ARGS 2>&1 | tee "$OUT/pull_latency-$STAMP.txt"; status=$((status | PIPESTATUS[0]))
$PY benchmarks/cache_and_backends.py $READ_ARGS 2>&1 | tee "$OUT/cache_and_backends-$STAMP.txt"; status=$((status | PIPESTATUS[0]))
if [ "${1:-}" = "--quick" ]; then DASK_ARGS="--rate 300 --reps 1"; else DASK_ARGS=""; fi
$PY benchmarks/dask_pull.py $DASK_ARGS 2>&1 | tee "$OUT/dask_pull-$STAMP.txt"; status=$((status | PIPESTATUS[0]))
exit $status
