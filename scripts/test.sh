#!/usr/bin/env bash
# test.sh: install dependencies, build with -Werror, run every test (unit,
# integration over veth in network namespaces, replay), then the same again
# under AddressSanitizer and UndefinedBehaviorSanitizer, then a short
# libFuzzer run of every fuzz target. Exits nonzero on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${ETHDL_TEST_DIR:-$top/build-test}
fuzz_seconds=${ETHDL_FUZZ_SECONDS:-20}

bash "$top/scripts/install-deps.sh"

echo "== build (-Werror) and test"
bash "$top/scripts/build.sh" "$out/release"
(cd "$out/release" && ctest --output-on-failure -j1)

echo "== build with ASan/UBSan and test"
bash "$top/scripts/build.sh" "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DETHDL_SANITIZE=ON
(cd "$out/asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j1 \
	-LE install -E '^integration_ansible$')
# Not again under the sanitizers: installing and packaging (label install),
# which run no code of ours the release pass did not, and the Ansible
# module, which drives the same ethdl batch as integration_batch.

echo "== fuzz (${fuzz_seconds}s per target)"
CC=clang bash "$top/scripts/build.sh" "$out/fuzz" -DETHDL_FUZZ=ON -DBUILD_TESTING=OFF
bash "$top/fuzz/run.sh" "$out/fuzz" "$fuzz_seconds"
echo "== all tests passed"
