#!/usr/bin/env bash
# Every test: installs what it needs, then builds and tests the release,
# ASan+UBSan and arm64 (under qemu-user) presets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/setup.sh --all
for preset in release asan arm64; do
    echo "=== $preset" >&2
    cmake --workflow --preset "$preset-test"
done
echo "=== all tests passed" >&2
