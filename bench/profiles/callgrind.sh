#!/bin/sh
# Re-creates the callgrind profiles summarised in this folder.
# Usage: bench/profiles/callgrind.sh [OUTDIR]   (after scripts/bench built build/release)
#        SUMMARIZE_ONLY=1 bench/profiles/callgrind.sh [OUTDIR]   (only re-write the summaries)
# Each run has one CAF worker (--scheduler.max-threads=1: valgrind serialises threads anyway) and
# dumps one part per section (bench::mark -> CALLGRIND_DUMP_STATS_AT): "<side>-<row>-setup" and
# "<side>-<row>-timed". Instructions per event = the "timed" part's total / events in it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/prof}
mkdir -p "$out"
cd "$out"
if [ "${SUMMARIZE_ONLY:-0}" != 1 ]; then
cp "$root/build/release/bench/supervise-bench" "$out/"
V="valgrind --tool=callgrind --dump-instr=no"
B=./supervise-bench
$V --callgrind-out-file=restart.out $B --only=restart --restarts=2000 --warmup=200 \
  --scheduler.max-threads=1 --json=restart.json > restart.txt 2>&1
$V --callgrind-out-file=siblings.out $B --only=siblings --variant=lib --siblings=10000 \
  --restarts=500 --warmup=50 --scheduler.max-threads=1 --json=siblings.json > siblings.txt 2>&1
$V --callgrind-out-file=stop.out $B --only=stop --variant=lib --stop-n=10000 \
  --scheduler.max-threads=1 --json=stop.json > stop.txt 2>&1
$V --callgrind-out-file=group.out $B --only=group --variant=lib --group-sizes=1000 \
  --group-rounds=10,5 --scheduler.max-threads=1 --json=group.json > group.txt 2>&1
fi
# Summaries: part totals, then the top functions (self and inclusive) of each timed part.
for f in *.out.*; do
  label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
  case "$label" in *-timed|lib-siblings-setup) ;; *) continue ;; esac
  {
    echo "part: $label ($f)"
    sed -n 's/^summary: /Ir total: /p' "$f"
    echo "--- top self"
    callgrind_annotate --threshold=100 --inclusive=no "$f" | sed -n '/file:function/,$p' | sed -n '3,27p'
    echo "--- top inclusive (supervise:: and CAF)"
    callgrind_annotate --threshold=100 --inclusive=yes "$f" | sed -n '/file:function/,$p' \
      | grep -E 'supervise::|caf::|fmt::' | head -30
  } | sed -E 's/ \[[^]]*\]$//' | cut -c1-220 > "$root/bench/profiles/${f%%.out.*}--$label.txt"
done
