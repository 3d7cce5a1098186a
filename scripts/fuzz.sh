#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ and runs each in turn, one fuzzer process at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   run every (or the named) target that long
#                                                      (default 60 s each)
#   scripts/fuzz.sh --ci                               build, replay fuzz/regressions/, run each
#                                                      target 20 s: fails on any crash
#   scripts/fuzz.sh --build-only                       build the targets and stop
#   scripts/fuzz.sh --no-build SECONDS [TARGET...]     run what was built last (also with --ci)
#
# Works on the stable toolchain: cargo-fuzz (installed from crates.io when missing) with
# `--sanitizer none`, so no -Z flag and no nightly compiler. The code under test forbids
# unsafe code, so AddressSanitizer would find nothing a panic does not; `FUZZ_SANITIZER=address`
# turns it on through RUSTC_BOOTSTRAP=1 for the unsafe code of dependencies.
#
# Environment: FUZZ_KEEP_GOING=1 keeps fuzzing a target after a crash (libFuzzer's fork mode),
# FUZZ_JOBS_LOG=FILE appends one line per run (target, executions, seconds, result),
# FUZZ_LAST_INPUT=FILE makes imap_rows write each input there before running it (a stack
# overflow ends the process without an artifact when no sanitizer is built in).
# Each target's corpus is fuzz/corpus/<target>/ (seeded by scripts/fuzz-seeds.py, kept between
# runs, not in git); crashes go to fuzz/artifacts/<target>/. See docs/testing.md, "Fuzzing".
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$REPO/fuzz"
CARGO_FUZZ_VERSION=0.13.2
SANITIZER=${FUZZ_SANITIZER:-none}
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')

ALL_TARGETS=(mime_view portal_classify imap_rows sanitize sealed_envelope portal_api config search_query header_cache crypto_open)

# Inputs are capped: whole messages for the message targets, less for the small parsers.
max_len() {
  case $1 in
    mime_view | portal_classify | sealed_envelope | imap_rows | crypto_open) echo 65536 ;;
    *) echo 8192 ;;
  esac
}

ci=0 build=1 run=1 seconds=60
while [[ ${1:-} == --* ]]; do
  case $1 in
    --ci) ci=1 seconds=20 ;;
    --build-only) run=0 ;;
    --no-build) build=0 ;;
    *) echo "usage: scripts/fuzz.sh [--ci|--build-only|--no-build] [SECONDS] [TARGET...]" >&2; exit 2 ;;
  esac
  shift
done
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
# The instrumented build has a target dir of its own. CI keeps it in the user's cache, so that
# runs on the same machine rebuild only sealmail itself, not every instrumented dependency.
if [[ -z ${FUZZ_TARGET_DIR:-} ]]; then
  if [[ $ci == 1 ]]; then
    FUZZ_TARGET_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/sealmail/fuzz-target
  else
    FUZZ_TARGET_DIR=$FUZZ/target
  fi
fi
export CARGO_TARGET_DIR=$FUZZ_TARGET_DIR
BIN="$FUZZ_TARGET_DIR/$TRIPLE/release"
LOGS="$FUZZ_TARGET_DIR/logs"
mkdir -p "$LOGS"
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")

start=$SECONDS

ensure_cargo_fuzz() {
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
  fi
}

# cargo-fuzz builds release code with one codegen unit unless told; four keeps the first
# build (every dependency instrumented) within minutes on two cores.
# No --debug-assertions: that would turn them on in every dependency; fuzz/Cargo.toml turns them
# (and overflow checks) on for sealmail's own code.
fuzz_flags=(--sanitizer "$SANITIZER" --release --codegen-units 4)
if [[ $SANITIZER != none ]]; then
  # -Zsanitizer on a stable compiler.
  export RUSTC_BOOTSTRAP=1
fi

if [[ $build == 1 ]]; then
  ensure_cargo_fuzz
  echo "== cargo fuzz build (${targets[*]})"
  build_start=$SECONDS
  if [[ ${#targets[@]} == "${#ALL_TARGETS[@]}" ]]; then
    (cd "$FUZZ" && cargo fuzz build "${fuzz_flags[@]}")
  else
    for target in "${targets[@]}"; do
      (cd "$FUZZ" && cargo fuzz build "${fuzz_flags[@]}" "$target")
    done
  fi
  echo "== built in $((SECONDS - build_start)) s"
fi
[[ $run == 1 ]] || exit 0

python3 "$REPO/scripts/fuzz-seeds.py" "$FUZZ/corpus" >/dev/null

failed=()
summary=()
declare -A crashed=()

# Open findings that are reported but do not fail the run: fuzz/known-open.tsv lists, per
# target, the panic location (file:line) of each crash whose fix is still to come.
KNOWN="$FUZZ/known-open.tsv"
has_known() { [[ -f $KNOWN ]] && grep -q "^$1"$'\t' "$KNOWN"; }
# known_crash TARGET FILE: replaying FILE panics at a location listed for TARGET.
known_crash() {
  local target=$1 file=$2 out loc t pattern
  out=$("$BIN/$target" "$file" 2>&1) && return 1
  loc=$(grep -m1 -oE "panicked at [^ ]+" <<<"$out" | sed 's/^panicked at //')
  [[ -n $loc && -f $KNOWN ]] || return 1
  while IFS=$'\t' read -r t pattern _; do
    [[ $t == "$target" && -n $pattern && $loc == *"$pattern"* ]] && return 0
  done < <(grep -v '^#' "$KNOWN")
  return 1
}

# Replays every saved reproducer: a fixed crash must stay fixed.
for target in "${targets[@]}"; do
  dir="$FUZZ/regressions/$target"
  [[ -d $dir ]] || continue
  mapfile -t cases < <(find "$dir" -type f ! -name '*.md' | sort)
  [[ ${#cases[@]} -gt 0 ]] || continue
  echo "== $target: replaying ${#cases[@]} reproducer(s) from fuzz/regressions/$target"
  for case in "${cases[@]}"; do
    if "$BIN/$target" "$case" >"$LOGS/replay-$target.log" 2>&1; then
      continue
    elif known_crash "$target" "$case"; then
      echo "   still open (fuzz/known-open.tsv): ${case#"$FUZZ/"}"
    else
      grep -m2 -E "panicked at|ERROR: libFuzzer" -A1 "$LOGS/replay-$target.log" || true
      failed+=("$target (${case#"$FUZZ/"} crashes)")
      crashed[$target]=1
    fi
  done
done

for target in "${targets[@]}"; do
  mkdir -p "$FUZZ/corpus/$target" "$FUZZ/artifacts/$target"
  log="$LOGS/fuzz-$target.log"
  args=(
    "$FUZZ/corpus/$target"
    -max_total_time="$seconds"
    -max_len="$(max_len "$target")"
    -timeout=10
    -rss_limit_mb=2048
    -print_final_stats=1
  )
  if [[ -f "$FUZZ/dicts/$target.dict" ]]; then
    args+=(-dict="$FUZZ/dicts/$target.dict")
  fi
  # This run's crashes go to a directory of their own, to be sorted into known and new.
  run_artifacts="$LOGS/artifacts-$target"
  rm -rf "$run_artifacts"
  mkdir -p "$run_artifacts"
  args+=(-artifact_prefix="$run_artifacts/")
  if [[ ${FUZZ_KEEP_GOING:-0} == 1 ]] || has_known "$target"; then
    # Fork mode: a crash ends one job, not the run.
    args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  echo "== $target: fuzzing for $seconds s"
  run_start=$SECONDS
  rc=0
  "$BIN/$target" "${args[@]}" >"$log" 2>&1 || rc=$?
  took=$((SECONDS - run_start))
  # Executions: the final statistics, else (fork mode) the last status line.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [[ -n $execs ]] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  # Every crash file of this run, sorted: a crash at a known-open location is reported only.
  new=0 known=0
  for file in "$run_artifacts"/*; do
    [[ -f $file ]] || continue
    cp "$file" "$FUZZ/artifacts/$target/"
    if known_crash "$target" "$file"; then
      known=$((known + 1))
    else
      new=$((new + 1))
      echo "   new crash: fuzz/artifacts/$target/$(basename "$file")"
    fi
  done
  if [[ $new == 0 && ($rc == 0 || $known -gt 0) ]]; then
    result=ok
    [[ $known == 0 ]] || result="ok; $known crash file(s) at known-open locations"
  else
    result="crash (exit $rc, $new new crash file(s))"
    failed+=("$target")
    crashed[$target]=1
    grep -m3 -E "panicked at|^thread '|ERROR: libFuzzer|Test unit written" "$log" || true
  fi
  summary+=("$(printf '%-16s %12s execs %5s s  %s' "$target" "${execs:-?}" "$took" "$result")")
  if [[ -n ${FUZZ_JOBS_LOG:-} ]]; then
    printf '%s\t%s\t%s\t%s\n' "$target" "${execs:-?}" "$took" "$result" >>"$FUZZ_JOBS_LOG"
  fi
done

echo "== fuzzing summary (logs in $LOGS)"
printf '%s\n' "${summary[@]}"
echo "== total $((SECONDS - start)) s"
echo "fuzz: $((${#targets[@]} - ${#crashed[@]})) passed, ${#crashed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "== crashes in: ${failed[*]}" >&2
  echo "   reproduce: $BIN/<target> fuzz/artifacts/<target>/crash-..." >&2
  exit 1
fi
