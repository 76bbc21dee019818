#!/usr/bin/env bash
# Runs every libFuzzer target built in build-fuzz (`make fuzz-build`) for SECONDS seconds each.
#   scripts/fuzz.sh SECONDS [TARGET...]      e.g. scripts/fuzz.sh 60 fuzz_sip_uri
# Per target: the working corpus is build-fuzz/corpus/<target> (created; new inputs land there),
# seeded from tests/fuzz/seeds/<target> and from the target's folders of the shared corpus
# (../shared/corpus, or $VS_SHARED_CORPUS), read in place: the folders a target lists in its
# `vs_fuzz_corpus_dirs[] = {...}` initializer, or the whole shared corpus when it lists none.
# fuzz_sip_* targets get the libFuzzer dictionary tests/fuzz/sip.dict (or <target>.dict when
# present). Crash reproducers go to build-fuzz/artifacts/<target>/, the libFuzzer log to
# build-fuzz/logs/<target>.log. Ends with one summary line per target (execs, exec/s, cov, ft,
# corpus size, crashes) and exits non-zero when any target crashed, leaked, timed out or ran out
# of memory (the reproducer paths are printed), or when a target binary is missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

secs=${1:-}
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
fi
shift

bdir=$root/build-fuzz
shared=${VS_SHARED_CORPUS:-$root/../shared/corpus}
if [ -d "$shared" ]; then shared=$(cd "$shared" && pwd); fi

targets=()
if [ $# -gt 0 ]; then
  targets=("$@")
else
  for src in "$root"/tests/fuzz/fuzz_*.c; do
    [ -e "$src" ] || continue
    targets+=("$(basename "$src" .c)")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets (tests/fuzz/fuzz_*.c)" >&2
  exit 2
fi

# Shared-corpus folders a target asks for: the string literals of its vs_fuzz_corpus_dirs
# initializer. Prints nothing when the target has none.
corpus_dirs() {
  local src=$root/tests/fuzz/$1.c
  [ -f "$src" ] || return 0
  sed -n '/vs_fuzz_corpus_dirs\[\] *=/,/;/p' "$src" | grep -o '"[^"]*"' | tr -d '"'
}

mkdir -p "$bdir/logs"
summary=()
failed=0
for t in "${targets[@]}"; do
  bin=$bdir/$t
  if [ ! -x "$bin" ]; then
    echo "fuzz: $t: $bin not built (run 'make fuzz-build')" >&2
    summary+=("$(printf '%-18s NOT BUILT' "$t")")
    failed=1
    continue
  fi
  corpus=$bdir/corpus/$t
  artifacts=$bdir/artifacts/$t
  log=$bdir/logs/$t.log
  mkdir -p "$corpus" "$artifacts"

  dirs=("$corpus")
  if [ -d "$root/tests/fuzz/seeds/$t" ]; then
    dirs+=("$root/tests/fuzz/seeds/$t")
  else
    echo "fuzz: $t: no seed directory tests/fuzz/seeds/$t"
  fi
  if [ -d "$shared" ]; then
    mapfile -t subs < <(corpus_dirs "$t")
    if [ ${#subs[@]} -eq 0 ]; then
      dirs+=("$shared")
    else
      for s in "${subs[@]}"; do
        if [ -d "$shared/$s" ]; then dirs+=("$shared/$s"); else echo "fuzz: $t: $shared/$s absent, skipped"; fi
      done
    fi
  else
    echo "fuzz: shared corpus $shared absent: fuzzing from the seeds only"
  fi

  # Dictionary: tests/fuzz/<target>.dict, else tests/fuzz/sip.dict for the fuzz_sip_* targets.
  extra=()
  if [ -f "$root/tests/fuzz/$t.dict" ]; then
    extra+=(-dict="$root/tests/fuzz/$t.dict")
  elif [[ "$t" == fuzz_sip_* ]] && [ -f "$root/tests/fuzz/sip.dict" ]; then
    extra+=(-dict="$root/tests/fuzz/sip.dict")
  fi

  echo "fuzz: $t for ${secs}s (log: ${log#"$root"/})"
  start_marker=$(date +%s)
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${extra[@]+"${extra[@]}"} "${dirs[@]}" \
      >"$log" 2>&1
  rc=$?

  # Figures from libFuzzer's output: the last "#N ... cov: X ft: Y corp: A/B" status line and
  # "Done N runs in S second(s)".
  last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' <<<"$done_line")
  took=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' <<<"$done_line")
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  fi
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
  fi
  if [ -z "$took" ]; then
    took=$(( $(date +%s) - start_marker ))
  fi
  eps=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ -z "$eps" ] && [ -n "$runs" ] && [ "${took:-0}" -gt 0 ]; then
    eps=$(( runs / took ))
  fi

  # Reproducers written by this run.
  mapfile -t repro < <(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | sort -u)
  crashes=${#repro[@]}
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    [ "$crashes" -gt 0 ] || crashes=1
    echo "fuzz: $t FAILED (exit $rc); sanitizer/libFuzzer report:"
    grep -E 'ERROR: |SUMMARY: |runtime error|fuzz invariant failed|deadly signal|==ERROR|ALARM|out-of-memory' "$log" \
      | head -n 8 | sed 's/^/    /'
    for r in "${repro[@]}"; do
      echo "    reproducer: $r"
      echo "    replay:     $bin $r   (or build/replay_$t $r)"
    done
    [ ${#repro[@]} -gt 0 ] || echo "    no reproducer written; see $log"
  fi
  summary+=("$(printf '%-18s execs %10s  exec/s %7s  cov %5s  ft %6s  corpus %-12s crashes %s' \
    "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes")")
done

echo "fuzz summary (${secs}s per target):"
for s in "${summary[@]}"; do
  echo "  $s"
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (see reproducers above)" >&2
  exit 1
fi
echo "fuzz: no crashes"
