#!/usr/bin/env bash
# Installs everything ikgen needs to build and test on Debian 12, from Debian's packages.
# Idempotent: does nothing when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make pkg-config ca-certificates
  # libraries
  libcli11-dev libopencv-dev libyaml-cpp-dev libtbb-dev doctest-dev libxxhash-dev libexif-dev libwebp-dev libjpeg-dev libpng-dev libsqlite3-dev
  # Expected<T> for failures a run expects (include/ikgen/expected.hpp): tl::expected, header only
  libexpected-dev
  # MD5 (OpenSSL's libcrypto) for django-imagekit's cache names, SHA-256 of S3 request bodies
  libssl-dev
  # S3 storage: S3's XML (listings, error bodies) read by libxml2 (src/s3_xml.cpp)
  libxml2-dev
  # fuzzing: clang with libFuzzer and the sanitizer runtimes (scripts/fuzz.sh, run by scripts/test.sh)
  clang libclang-rt-14-dev
  # sample photos for the demo and the end-to-end tests (copied at run time, never committed)
  gnome-backgrounds
  # setpriv, to run ikgen as an unprivileged user in the permission tests (tests/robustness_cli_test.cpp)
  util-linux
  # script(1), to give ikgen a terminal in the progress line's test (tests/report_cli_test.cpp)
  bsdutils
  # the system ikgen replaces, used as a reference in tests
  python3 python3-pil python3-pilkit python3-yaml
  # real django-imagekit, to pin its names in tests (tests/imagekit/reference.py)
  python3-django python3-django-imagekit
  # the Django backend reading a PostgreSQL state (integrations/django/ikgen_django/state.py)
  python3-psycopg2
  # ikgen's S3 storage (libcurl: HTTP and AWS SigV4 signing) and PostgreSQL state (libpq)
  libcurl4-openssl-dev libpq-dev
  # the real servers of the S3 and PostgreSQL tests (tests/servers/servers.py): a one-node Ceph
  # cluster with radosgw, set up through python3-rados; PostgreSQL 15 (with psql)
  radosgw ceph-mon ceph-osd ceph-common python3-rados postgresql
  # their clients in the tests: boto3 makes buckets; curl signs requests with libcurl's SigV4
  python3-boto3 curl
  # the S3 peer of scripts/bench.sh: django-imagekit on django-storages' S3Boto3Storage
  python3-django-storages
  # running unattended (tests/unattended): systemd-analyze verifies the example units; groff and
  # mandoc lint the man pages, man-db renders them; bash-completion loads the completion as a
  # system would; dpkg-dev (dpkg-shlibdeps) and file compute the .deb's Depends for CPack
  systemd groff-base mandoc man-db bash-completion dpkg-dev file
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
[ "$(id -u)" -ne 0 ] && as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
