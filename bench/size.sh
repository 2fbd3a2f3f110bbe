#!/usr/bin/env bash
# Builds the embedding example and the command-line tool with the `release-size` profile,
# prints their sizes, checks that the library builds without the command-line
# dependencies, and measures the peak memory of converting the SigmaHQ corpus.
#
# Usage: bench/size.sh
#
# Environment:
#   SIGMA_MDE_SHARED  folder of the shared test material (default: ../shared beside the
#                     repository); the corpus is its corpus/sigmahq/rules
#
# With cargo-bloat installed (`cargo install cargo-bloat --version 0.12.1 --locked`), it
# also prints where the embedding example's code comes from. That needs a second build
# with symbols, kept in its own folder under the target directory.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SIGMA_MDE_SHARED:-$ROOT/../shared}
RULES=$SHARED/corpus/sigmahq/rules

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# Prints a file's size in bytes, in MB (10^6 bytes) and in MiB.
print_size() {
    local bytes
    bytes=$(stat -c %s "$2")
    python3 -c 'import sys; b = int(sys.argv[2]); print(f"{sys.argv[1]}: {b} bytes, {b / 1e6:.2f} MB, {b / 2**20:.2f} MiB")' \
        "$1" "$bytes"
}

echo "== library dependencies without the cli feature"
LIBRARY_DEPENDENCIES=$(cargo tree --no-default-features --edges normal --prefix none | sort -u)
echo "$LIBRARY_DEPENDENCIES"
if grep -Eq '^(clap|serde_json) ' <<<"$LIBRARY_DEPENDENCIES"; then
    echo "size.sh: the library pulls in a command-line dependency without the cli feature" >&2
    exit 1
fi

echo "== building with the release-size profile"
cargo build --quiet --profile release-size --no-default-features --example embed
cargo build --quiet --profile release-size --bin sigma-mde
EMBED=$TARGET_DIR/release-size/examples/embed
CLI=$TARGET_DIR/release-size/sigma-mde
print_size "examples/embed (goal: at most 1.25 MB)" "$EMBED"
print_size "sigma-mde command line (goal: at most 3 MB)" "$CLI"
echo "largest sections of examples/embed, in bytes:"
size -A "$EMBED" | sort -k2 -n -r | head -n 9

echo "== examples/embed on examples/rules/proc_certutil_download.yml"
"$EMBED" <examples/rules/proc_certutil_download.yml

if [ -d "$RULES" ]; then
    echo "== peak memory converting $RULES"
    if [ ! -x /usr/bin/time ]; then
        echo "size.sh: /usr/bin/time not found; install the Debian package 'time'" >&2
        exit 2
    fi
    cargo build --quiet --release --bin sigma-mde
    for profile in release release-size; do
        status=0
        /usr/bin/time -v "$TARGET_DIR/$profile/sigma-mde" convert --format jsonl "$RULES" \
            2>"$TARGET_DIR/size-time.txt" >/dev/null || status=$?
        # Exit status 1 means some rules failed to convert, which is expected on this corpus.
        if [ "$status" -gt 1 ]; then
            echo "size.sh: sigma-mde failed with exit status $status:" >&2
            tail -n 5 "$TARGET_DIR/size-time.txt" >&2
            exit 1
        fi
        peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TARGET_DIR/size-time.txt")
        user=$(sed -n 's/.*User time (seconds): //p' "$TARGET_DIR/size-time.txt")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TARGET_DIR/size-time.txt")
        echo "sigma-mde ($profile profile): $peak KB maximum resident set size (goal: at most 30 MB), $user s user time, $wall wall time"
    done
else
    echo "size.sh: corpus not found at $RULES; set SIGMA_MDE_SHARED to measure peak memory" >&2
fi

if command -v cargo-bloat >/dev/null 2>&1; then
    echo "== .text of examples/embed by origin (a build with symbols)"
    CARGO_TARGET_DIR=$TARGET_DIR/size-symbols CARGO_PROFILE_RELEASE_SIZE_STRIP=false \
        cargo bloat --profile release-size --no-default-features --example embed \
        -n 0 --message-format json | python3 bench/bloat_groups.py
else
    echo "== cargo-bloat not installed; skipping the breakdown by origin"
fi
