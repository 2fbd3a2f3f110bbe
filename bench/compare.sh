#!/usr/bin/env bash
# Converts the SigmaHQ corpus with the Python reference (pySigma's Kusto backend and its
# microsoft_xdr pipeline) and with the release sigma-mde binary in the same run, and prints
# both wall times, the rules each converted, and the ratio.
#
# Usage: bench/compare.sh
#
# Environment:
#   SIGMA_MDE_SHARED  folder of the shared test material (default: ../shared beside the
#                     repository); the corpus is its corpus/sigmahq/rules
#   BENCH_CPU         CPU number both converters are pinned to with taskset (default: 0)
#   PY_RUNS, RS_RUNS  runs of each converter (default: 3 and 10); the median is reported
#
# The Python packages go into bench/.venv, pinned in bench/requirements.txt; nothing is
# installed outside the repository. Both converters run single-threaded on the same CPU,
# one after the other, so the ratio is a one-core figure.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SIGMA_MDE_SHARED:-$ROOT/../shared}
RULES=$SHARED/corpus/sigmahq/rules
CPU=${BENCH_CPU:-0}
PY_RUNS=${PY_RUNS:-3}
RS_RUNS=${RS_RUNS:-10}
VENV=$ROOT/bench/.venv

if [ ! -d "$RULES" ]; then
    echo "compare.sh: corpus not found at $RULES; set SIGMA_MDE_SHARED to the shared test material folder" >&2
    exit 2
fi

# Pin to one CPU where taskset exists; without it the converters still run one at a time.
PIN=()
if command -v taskset >/dev/null 2>&1; then
    PIN=(taskset -c "$CPU")
    PINNED="CPU $CPU"
else
    PINNED="not pinned (taskset not found)"
fi

echo "== preparing the Python reference in bench/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt

echo "== building the release sigma-mde binary"
cargo build --quiet --release --bin sigma-mde
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BINARY=$TARGET_DIR/release/sigma-mde

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Prints the seconds elapsed since the EPOCHREALTIME value in $1.
elapsed_since() {
    "$VENV/bin/python" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.4f}")' \
        "$1" "$EPOCHREALTIME"
}

echo "== converting $RULES"
echo "pySigma: $PY_RUNS runs, $PINNED"
: >"$WORK/py-times"
for run in $(seq "$PY_RUNS"); do
    start=$EPOCHREALTIME
    "${PIN[@]}" "$VENV/bin/python" bench/pysigma_convert.py "$RULES" "$WORK/pysigma.txt" \
        >"$WORK/py-summary-$run.json"
    echo "$(elapsed_since "$start") $(tail -n 1 "$WORK/py-summary-$run.json")" >>"$WORK/py-times"
done

echo "sigma-mde: $RS_RUNS runs, $PINNED"
: >"$WORK/rs-times"
for run in $(seq "$RS_RUNS"); do
    start=$EPOCHREALTIME
    status=0
    "${PIN[@]}" "$BINARY" convert --format jsonl "$RULES" >"$WORK/sigma-mde.jsonl" 2>"$WORK/sigma-mde.err" || status=$?
    seconds=$(elapsed_since "$start")
    # Exit status 1 means some rules failed to convert, which is expected on this corpus.
    if [ "$status" -gt 1 ]; then
        echo "compare.sh: sigma-mde failed with exit status $status:" >&2
        tail -n 5 "$WORK/sigma-mde.err" >&2
        exit 1
    fi
    echo "$seconds" >>"$WORK/rs-times"
done

"$VENV/bin/python" - "$WORK" <<'PYTHON'
import json
import statistics
import sys
from pathlib import Path

work = Path(sys.argv[1])

py_wall, py_convert, py_counts = [], [], []
for line in (work / "py-times").read_text().splitlines():
    seconds, summary = line.split(" ", 1)
    py_counts.append(json.loads(summary))
    py_wall.append(float(seconds))
    py_convert.append(py_counts[-1]["convert_seconds"])
# Every run converts the same files, so the last run's counts stand for all of them.
counts = py_counts[-1]
rs_wall = [float(line) for line in (work / "rs-times").read_text().split()]

rs_rules = rs_converted = 0
for line in (work / "sigma-mde.jsonl").read_text(encoding="utf-8").splitlines():
    record = json.loads(line)
    rs_rules += 1
    if record.get("queries"):
        rs_converted += 1

py_median = statistics.median(py_wall)
py_convert_median = statistics.median(py_convert)
rs_median = statistics.median(rs_wall)

print()
print("pySigma 1.5.1, pysigma-backend-kusto 1.0.1, target kusto, pipeline microsoft_xdr")
print(f"  wall time, whole process:       median {py_median:.3f} s  (min {min(py_wall):.3f} s)")
print(f"  conversion alone, in process:   median {py_convert_median:.3f} s  (imports and start-up excluded)")
print(
    f"  rules: {counts['rules']} read, {counts['converted']} converted, "
    f"{counts['conversion_failed']} not supported, {counts['backend_exception']} backend exceptions, "
    f"{counts['parse_failed']} failed to parse"
)
print("sigma-mde, release build, --format jsonl")
print(f"  wall time, whole process:       median {rs_median:.4f} s  (min {min(rs_wall):.4f} s)")
print(f"  rules: {rs_rules} read, {rs_converted} converted, {rs_rules - rs_converted} failed")
print(f"ratio, whole process:             {py_median / rs_median:.1f}x")
print(f"ratio, pySigma conversion alone:  {py_convert_median / rs_median:.1f}x  (goal: at least 100x)")
PYTHON
