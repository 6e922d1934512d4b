#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser confab runs on untrusted input: builds the cargo fuzz
# targets in tests/fuzz/fuzz_targets/, runs each for FUZZ_SECONDS (default 20) from the
# committed seeds plus the corpus earlier runs grew, prints how many inputs each one ran, and
# fails when any target finds a crash or a broken contract. Longer: FUZZ_SECONDS=600.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$PWD
repo=$(cd ../.. && pwd)
seconds=${FUZZ_SECONDS:-20}
cargo_fuzz_version=0.13.2

# Build output, grown corpora and logs live under the repository's target/ (not committed);
# crash inputs land in tests/fuzz/artifacts/TARGET/ (ignored by git), where cargo fuzz's
# reproduction command expects them.
work=$repo/target/fuzz
mkdir -p "$work/corpus" "$work/logs"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz $cargo_fuzz_version"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

# The machine has stable Rust only. cargo fuzz asks for nightly because of its sanitizer and
# -Z flags; without a sanitizer (safe Rust needs none to find panics and broken assertions)
# what is left is stable rustc's own sancov instrumentation, which RUSTC_BOOTSTRAP=1 lets
# cargo fuzz use. libFuzzer links on the gnu target only (confab itself builds for musl).
export RUSTC_BOOTSTRAP=1
# --release leaves debug assertions to the profile in Cargo.toml (on, except in one decoder's
# internals) instead of forcing them on in every crate.
fuzz=(--fuzz-dir "$fuzz_dir" --release --sanitizer none --target x86_64-unknown-linux-gnu --target-dir "$work/build")

cargo fmt --manifest-path "$fuzz_dir/Cargo.toml" --check
cargo fuzz build "${fuzz[@]}"

failed=()
for target in $(cargo fuzz list --fuzz-dir "$fuzz_dir"); do
    corpus=$work/corpus/$target
    log=$work/logs/$target.log
    mkdir -p "$corpus" "$fuzz_dir/artifacts/$target"
    # The first folder takes the new inputs; the seeds are only read.
    if cargo fuzz run "${fuzz[@]}" "$target" "$corpus" "$fuzz_dir/seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$fuzz_dir/artifacts/$target/" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        printf '%-16s %12s executions in %ss, corpus %s inputs\n' \
            "$target" "${runs:-?}" "$seconds" "$(find "$corpus" -type f | wc -l)"
    else
        printf '%-16s FAILED; the end of its log (%s):\n' "$target" "$log"
        tail -n 40 "$log"
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in tests/fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzzing: no crash in any target"
