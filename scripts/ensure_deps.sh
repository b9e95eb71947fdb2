#!/usr/bin/env bash
# Installs the Debian packages the build, tests and demo need, only when some are missing.
# Idempotent; uses sudo only when not already root. --sanitizers adds the clang toolchain.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config make
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libssl-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev libcsv-dev libjemalloc-dev
  openssl sqlite3 clang-format)
# `make test-asan` and `make fuzz` build with clang: libFuzzer and the sanitizer runtimes are in
# libclang-rt-14-dev, llvm-symbolizer (readable stack traces) in llvm-14.
if [ "${1:-}" = "--sanitizers" ]; then
  packages+=(clang libclang-rt-14-dev llvm-14)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing missing packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
