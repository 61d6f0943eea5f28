#!/usr/bin/env bash
# Builds the Debian package of ikgen with CPack: build/package/ikgen_<version>_<arch>.deb, with its
# Depends computed by dpkg-shlibdeps. The binary is built in its own tree (Release, no tests).
#   sudo apt-get install ./build/package/ikgen_*.deb      # installs it and the libraries it needs
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/package -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "$@" >/dev/null
cmake --build build/package --parallel "$(nproc)"
(cd build/package && cpack -G DEB -B "$PWD" >/dev/null)
ls build/package/ikgen_*.deb
