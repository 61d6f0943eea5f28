#!/usr/bin/env bash
# Benchmarks ikgen against its peers and writes bench/RESULTS.md.
#
#   scripts/bench.sh [--runs N] [--quick] [options]
#
# Corpora (built once into the work directory, reused while the selection is unchanged):
#   JPEG   the wallpapers of Debian's gnome-backgrounds and plasma-workspace-wallpapers that
#          are at least 4096 px wide (up to 45), re-encoded as JPEG quality 92 with PIL
#   mixed  the same wallpapers as shipped (PNG, WebP, JPEG)
#   no-op  100,000 small JPEG sources whose outputs (the three specs below) all exist
#   no-op, scaling  the same layout at 100,000 and 1,000,000 sources (--noop-large), each source
#          a hard link to one of 100 16x16 JPEGs, with one spec of an 8x8 output, all present:
#          the same config at both sizes, to show time per 1,000 sources and peak RSS
#   watch  a 12-megapixel JPEG cut from a wallpaper and --watch-burst 320x240 JPEGs (made with
#          PIL) for `ikgen watch` (see the watch section below)
#   S3     2,000 320x240 JPEG sources (made with PIL, the same bytes every time) in a bucket of a
#          local Ceph radosgw (tests/servers/servers.py, beast frontend with tcp_nodelay=1), under
#          media/photos/dNN/iNNN.jpg, 100 per directory; the same files on local disk
# Specs: ResizeToFill 100x100, ResizeToFit 400x400, ResizeToFit 1600x1600, all JPEG quality 85.
#
# S3 section: django-imagekit + django-storages' S3Boto3Storage (bench/django_project with
# benchsite.settings_s3) against ikgen on the same bucket: cold and no-op runs, wall time and
# requests by kind, counted in radosgw's request log between two marker requests (and by
# ikgen's --stats and botocore's event hooks). django-imagekit runs once (a cold run takes
# minutes); ikgen --runs times: cold (fresh cache prefix and state), no-op just_in_time, no-op
# optimistic, local-disk cold on the same files, one process -j 3 and three shards -j 1 at once.
# The servers are started once for the section and stopped by PID at its end, also on failure.
#
# Watch section (bench/watch_helper.py): `ikgen watch` with the three specs below on an empty
# tree. Latency: a 4000x3000 JPEG (12 megapixels, cut from the largest wallpaper) written under
# a new name --runs+2 times, timed from the writer's close() to the moment all three renditions
# exist; the reference is `ikgen generateimages` over a tree holding just that file. Burst:
# --watch-burst 320x240 JPEGs written into new directories by one writer as fast as it can; the
# time until all renditions exist, whether the kernel queue overflowed, the watcher's RSS over
# the burst, `ikgen check` afterwards (nothing missing), and `ikgen generateimages` over the same
# files from an empty cache as the reference.
#
# Every tool of a corpus runs --runs times, interleaved (one run of each tool per round, the
# order rotated each round), from an empty output directory, timed with /usr/bin/time -v.
# Peers: vipsthumbnail, ImageMagick (convert), django-imagekit's generateimages (Django project
# in bench/django_project), and the decode floor (djpeg at ikgen's decode scale). The no-op run
# is compared with `find SOURCES -type f -printf '%T@ %s %p\n'` over the source directory only
# (walking and stating the sources is all it must do), and with the same find over the root.
#
# Options:
#   --runs N            timed runs per tool (default 3; 1 with --quick)
#   --quick             smoke test: 6 wallpapers, 2,000 no-op sources, 200 S3 sources, 1 run; writes
#                       WORK/RESULTS.quick.md instead of bench/RESULTS.md
#   --files N           at most N wallpapers (default 45)
#   --min-width PX      wallpapers at least PX wide (default 4096)
#   --noop-sources N    sources in the no-op tree (default 100000)
#   --noop-large N      sources of the large scaling tree (default 1000000; 20000 with --quick;
#                       0 leaves both scaling rows out). Built once into the work directory:
#                       its first bench run generates its N tiny outputs (about 15 minutes and
#                       4 GB of disk for 1,000,000 on 2 cores); later runs reuse it
#   --noop-small N      sources of the small scaling tree (default 100000; 2000 with --quick)
#   --wait-idle SECS    before each corpus, wait up to SECS seconds for other processes to
#                       leave the CPUs idle (under 10 % busy over 2 s); default 0: don't wait
#   --skip-mixed        leave out the mixed corpus
#   --skip-noop         leave out the no-op tree
#   --skip-django       leave out django-imagekit (the slowest peer), in the S3 section too
#   --skip-s3           leave out the S3 section
#   --skip-watch        leave out the `ikgen watch` section
#   --watch-burst N     sources of the watch burst (default 10000; 1000 with --quick)
#   --only-s3           run the S3 section alone (no JPEG, mixed or no-op corpus)
#   --skip-watch        leave out the watch section
#   --only-watch        run the watch section alone
#   --watch-burst N     small uploads in the watch burst (default 10000; 1000 with --quick)
#   --s3-sources N      sources of the S3 corpus (default 2000; 200 with --quick)
#   --servers-py PATH   the servers script (default tests/servers/servers.py)
#   --django-storages DIR  a django-storages source tree whose storages/ package goes first on
#                       django-imagekit's PYTHONPATH: for a python3-django-storages without
#                       storages/backends/s3boto3.py
#   --ikgen PATH        benchmark this binary instead of building build/ikgen
#   --ikgen-label TEXT  how RESULTS.md describes that binary (e.g. "built from commit abc1234")
#   --work DIR          work directory (default build/bench-work, ignored by git)
#   --results FILE      where to write the markdown (default bench/RESULTS.md)
#   -h, --help
#
# Needs root (or sudo) only to install missing Debian packages. Uses Debian's /usr/bin/python3
# (python3-django, python3-django-imagekit, python3-pil; for S3 python3-boto3 and
# python3-django-storages), whatever `python3` is on PATH.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
HELPER=$ROOT/bench/bench_helper.py
DJANGO_PROJECT=$ROOT/bench/django_project
S3_HELPER=$ROOT/bench/s3_helper.py
SERVERS_PY=$ROOT/tests/servers/servers.py
DJANGO_STORAGES=

RUNS=
QUICK=0
MAX_FILES=
MIN_WIDTH=4096
NOOP_SOURCES=
NOOP_LARGE=
NOOP_SMALL=
SKIP_MIXED=0
WAIT_IDLE=0
SKIP_NOOP=0
SKIP_DJANGO=0
SKIP_S3=0
ONLY_S3=0
SKIP_WATCH=0
ONLY_WATCH=0
WATCH_BURST=
S3_SOURCES=
IKGEN=
IKGEN_LABEL=
WORK=$ROOT/build/bench-work
RESULTS=
ARGS_TEXT=
for arg in "$@"; do  # the command line as typed, for RESULTS.md
  [[ $arg =~ ^[A-Za-z0-9_./=:@+-]+$ ]] || arg="'${arg//\'/\'\\\'\'}'"
  ARGS_TEXT+="${ARGS_TEXT:+ }$arg"
done

die() { echo "bench: error: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"; }

while [ $# -gt 0 ]; do
  case $1 in
    --runs) need_value "$@"; positive_int "$1" "$2"; RUNS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --files) need_value "$@"; positive_int "$1" "$2"; MAX_FILES=$2; shift 2 ;;
    --min-width) need_value "$@"; positive_int "$1" "$2"; MIN_WIDTH=$2; shift 2 ;;
    --noop-sources) need_value "$@"; positive_int "$1" "$2"; NOOP_SOURCES=$2; shift 2 ;;
    --noop-large) need_value "$@"; [[ $2 =~ ^[0-9]+$ ]] || die "--noop-large needs a number of sources"; NOOP_LARGE=$2; shift 2 ;;
    --noop-small) need_value "$@"; positive_int "$1" "$2"; NOOP_SMALL=$2; shift 2 ;;
    --wait-idle) need_value "$@"; [[ $2 =~ ^[0-9]+$ ]] || die "--wait-idle needs seconds"; WAIT_IDLE=$2; shift 2 ;;
    --skip-mixed) SKIP_MIXED=1; shift ;;
    --skip-noop) SKIP_NOOP=1; shift ;;
    --skip-django) SKIP_DJANGO=1; shift ;;
    --skip-s3) SKIP_S3=1; shift ;;
    --only-s3) ONLY_S3=1; shift ;;
    --skip-watch) SKIP_WATCH=1; shift ;;
    --only-watch) ONLY_WATCH=1; shift ;;
    --watch-burst) need_value "$@"; positive_int "$1" "$2"; WATCH_BURST=$2; shift 2 ;;
    --s3-sources) need_value "$@"; positive_int "$1" "$2"; S3_SOURCES=$2; shift 2 ;;
    --servers-py) need_value "$@"; SERVERS_PY=$2; shift 2 ;;
    --django-storages) need_value "$@"; DJANGO_STORAGES=$(cd "$2" && pwd) || die "--django-storages: no directory '$2'"; shift 2 ;;
    --ikgen) need_value "$@"; IKGEN=$2; shift 2 ;;
    --ikgen-label) need_value "$@"; IKGEN_LABEL=$2; shift 2 ;;
    --work) need_value "$@"; WORK=$2; shift 2 ;;
    --results) need_value "$@"; RESULTS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
if [ "$QUICK" = 1 ]; then
  : "${RUNS:=1}" "${MAX_FILES:=6}" "${NOOP_SOURCES:=2000}" "${NOOP_SMALL:=2000}" "${NOOP_LARGE:=20000}" "${S3_SOURCES:=200}"
  : "${WATCH_BURST:=1000}"
  : "${RESULTS:=$WORK/RESULTS.quick.md}"
fi
: "${RUNS:=3}" "${MAX_FILES:=45}" "${NOOP_SOURCES:=100000}" "${NOOP_SMALL:=100000}" "${NOOP_LARGE:=1000000}" "${S3_SOURCES:=2000}"
: "${WATCH_BURST:=10000}"
SKIP_JPEG=0   # the JPEG corpus, which the mixed one and the peers' rows build on
if [ "$ONLY_S3" = 1 ]; then
  [ "$SKIP_S3" = 1 ] && die "--only-s3 and --skip-s3 leave nothing to run"
  [ "$ONLY_WATCH" = 1 ] && die "--only-s3 and --only-watch leave nothing to run"
  SKIP_MIXED=1 SKIP_NOOP=1 SKIP_JPEG=1 SKIP_WATCH=1
fi
if [ "$ONLY_WATCH" = 1 ]; then
  [ "$SKIP_WATCH" = 1 ] && die "--only-watch and --skip-watch leave nothing to run"
  SKIP_MIXED=1 SKIP_NOOP=1 SKIP_JPEG=1 SKIP_S3=1
fi
: "${RESULTS:=$ROOT/bench/RESULTS.md}"

# --- packages --------------------------------------------------------------------------------
packages=(plasma-workspace-wallpapers gnome-backgrounds libvips-tools imagemagick libjpeg-turbo-progs
          python3-django python3-django-imagekit python3-pil time)
# The S3 section: radosgw and its cluster (and PostgreSQL, which servers.py starts too), boto3
# for the corpus upload, django-storages for django-imagekit.
[ "$SKIP_S3" = 1 ] || packages+=(radosgw ceph-mon ceph-osd python3-rados postgresql python3-boto3
                                 python3-django-storages)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q >&2
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
for tool in vipsthumbnail convert djpeg find; do
  command -v "$tool" >/dev/null || die "'$tool' not found after installing packages"
done
[ -x /usr/bin/time ] || die "/usr/bin/time (package 'time') is missing"
"$PY" -c 'import django, pilkit, PIL, importlib.util as u; assert u.find_spec("imagekit")' 2>/dev/null \
  || die "$PY cannot import django, imagekit, pilkit and PIL (Debian packages python3-django, python3-django-imagekit, python3-pil)"
if [ "$SKIP_S3" = 0 ]; then
  [ -f "$SERVERS_PY" ] || die "no servers script at $SERVERS_PY (--servers-py PATH names another)"
  "$PY" -c 'import boto3' 2>/dev/null || die "$PY cannot import boto3 (Debian package python3-boto3)"
  if [ "$SKIP_DJANGO" = 0 ] && ! PYTHONPATH=$DJANGO_STORAGES "$PY" -c 'import storages.backends.s3boto3' 2>/dev/null; then
    die "$PY cannot import storages.backends.s3boto3 (django-storages' S3Boto3Storage)$([ -n "$DJANGO_STORAGES" ] && echo " from $DJANGO_STORAGES"): install python3-django-storages, or give a django-storages source tree with --django-storages DIR, or --skip-django"
  fi
fi

# --- ikgen -----------------------------------------------------------------------------------
if [ -z "$IKGEN" ]; then
  say "building ikgen (scripts/build.sh)"
  if ! "$ROOT/scripts/build.sh" >"$WORK/build.log" 2>&1; then
    tail -n 20 "$WORK/build.log" >&2
    die "scripts/build.sh failed (log: $WORK/build.log); fix the build or pass --ikgen PATH"
  fi
  IKGEN=$ROOT/build/ikgen
  if [ -z "$IKGEN_LABEL" ]; then
    IKGEN_LABEL="built by scripts/bench.sh from commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . \
      && IKGEN_LABEL+=" plus uncommitted changes"
  fi
fi
: "${IKGEN_LABEL:=supplied with --ikgen}"
[ -x "$IKGEN" ] || die "ikgen binary '$IKGEN' is not executable"
IKGEN=$(cd "$(dirname "$IKGEN")" && pwd)/$(basename "$IKGEN")
IKGEN_VERSION=$("$IKGEN" --version 2>&1 | head -n 1)
say "using $IKGEN ($IKGEN_VERSION)"

# --- corpora ---------------------------------------------------------------------------------
JPEG_ROOT=$WORK/corpus-jpeg
MIXED_ROOT=$WORK/corpus-mixed
NFILES=0
: >"$WORK/corpus.txt"
if [ "$SKIP_JPEG" = 0 ]; then
  say "preparing the corpora in $WORK (wallpapers >= ${MIN_WIDTH} px wide, at most $MAX_FILES)"
  "$PY" "$HELPER" corpus "$WORK" --min-width "$MIN_WIDTH" --max-files "$MAX_FILES" >"$WORK/corpus.txt"
  cat "$WORK/corpus.txt" >&2
  NFILES=$(find "$JPEG_ROOT/photos" -type f | wc -l)
  [ "$NFILES" -gt 0 ] || die "the JPEG corpus is empty"
fi

write_specs() { # ROOT INCLUDE_GLOBS UPSCALE_LINE [STORAGE_KEYS [CACHE_KEYS]] -> YAML on stdout
  cat <<EOF
# Written by scripts/bench.sh.
storage: {root: "$1"${4:-}}
cache: {dir: CACHE/images${5:-}}
specs:
  - id: "bench:fill100"
    processors: [{ResizeToFill: {width: 100, height: 100$3}}]
    format: JPEG
    options: {quality: 85}
  - id: "bench:fit400"
    processors: [{ResizeToFit: {width: 400, height: 400$3}}]
    format: JPEG
    options: {quality: 85}
  - id: "bench:fit1600"
    processors: [{ResizeToFit: {width: 1600, height: 1600$3}}]
    format: JPEG
    options: {quality: 85}
source_groups:
  - id: photos
    specs: ["bench"]
    include: [$2]
EOF
}
write_specs "$JPEG_ROOT" '"photos/*.jpg"' '' >"$WORK/jpeg.yaml"
write_specs "$MIXED_ROOT" '"photos/*.jpg", "photos/*.png", "photos/*.webp"' '' >"$WORK/mixed.yaml"

# --- timing ----------------------------------------------------------------------------------
TSV=$WORK/times.tsv
META=$WORK/meta
rm -rf "$META"
mkdir -p "$META"
: >"$TSV"
: >"$META/how.tsv"
: >"$META/notes.tsv"
OUT=$WORK/out            # vipsthumbnail and ImageMagick outputs
export PYTHONPYCACHEPREFIX=$WORK/pycache   # keep __pycache__ out of bench/django_project

how() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$META/how.tsv"; }
note() { printf '%s\n' "$1" >>"$META/notes.tsv"; }

# CPU jiffies spent by the whole machine (user, nice, system, irq, softirq, steal). Niced
# processes count: with the kernel's autogroup scheduling, nice does not make another session's
# process yield to the benchmark.
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)

# timed SECTION TOOL RUN CMD...: runs CMD under /usr/bin/time -v (stdout to $WORK/last.out,
# stderr to $WORK/last.err) and records wall seconds, peak RSS, the CPU seconds of CMD and the
# CPU seconds the rest of the machine used meanwhile (other users disturb the timing); dies when
# CMD fails.
timed() {
  local section=$1 tool=$2 run=$3 t0 t1 b0 b1 rc=0 wall rss cpu other
  shift 3
  sync
  b0=$(busy_jiffies)
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
  t1=$(date +%s%N)
  b1=$(busy_jiffies)
  if [ "$rc" -ne 0 ]; then
    tail -n 20 "$WORK/last.err" >&2
    die "[$section] $tool exited with status $rc: $*"
  fi
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
  [ -n "$rss" ] || die "no 'Maximum resident set size' in /usr/bin/time -v output"
  cpu=$(awk -F': ' '/User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { s = $2 }
                    END { printf "%.2f", u + s }' "$WORK/time.txt")
  other=$(awk -v b0="$b0" -v b1="$b1" -v hz="$CLK_TCK" -v cpu="$cpu" \
    'BEGIN { o = (b1 - b0) / hz - cpu; printf "%.2f", (o < 0 ? 0 : o) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$tool" "$run" "$wall" "$rss" "$cpu" "$other" >>"$TSV"
  say "[$section] run $run: $tool $wall s, $((rss / 1024)) MiB, CPU $cpu s (other processes: $other s)"
}

count_files() { find "$1" -type f 2>/dev/null | wc -l; }
expect_files() { # DIR N WHAT
  local n
  n=$(count_files "$1")
  [ "$n" -eq "$2" ] || die "$3 wrote $n files under $1, expected $2"
}
expect_summary() { # GENERATED PRESENT: checks ikgen's summary line in $WORK/last.out
  grep -q "^generated $1, already present $2, failed 0 in " "$WORK/last.out" \
    || die "ikgen's summary is not 'generated $1, already present $2, failed 0': $(tail -n 1 "$WORK/last.out")"
}

# The peers' commands. Each reads the sources of $SRC_DIR and writes under $OUT (or the corpus's
# CACHE directory for ikgen and django-imagekit).
vips_spec() { # SPEC OUTDIR SOURCE_DIR: one vipsthumbnail pass over every source
  local size=(--size 400x400)
  case $1 in
    fill100) size=(--size 100x100 --smartcrop centre) ;;
    fit400) size=(--size 400x400) ;;
    fit1600) size=(--size 1600x1600) ;;
  esac
  exec vipsthumbnail "${size[@]}" -o "$2/$1/%s.jpg[Q=85]" "$3"/*
}
vips_all() { # OUTDIR SOURCE_DIR: the three passes, two at a time
  printf '%s\n' fit1600 fit400 fill100 | xargs -P 2 -I{} bash -c 'vips_spec "$@"' _ {} "$1" "$2"
}
magick_one() { # OUTDIR SOURCE: one read, three chained writes
  local name
  name=$(basename "$2")
  name=${name%.*}
  exec convert "$2" -quality 85 \
    \( +clone -resize 1600x1600 -write "$1/fit1600/$name.jpg" +delete \) \
    \( +clone -resize 400x400 -write "$1/fit400/$name.jpg" +delete \) \
    -resize '100x100^' -gravity center -extent 100x100 "$1/fill100/$name.jpg"
}
magick_all() { # OUTDIR SOURCE_DIR: one convert per source, two in parallel
  find "$2" -type f -print0 | sort -z | xargs -0 -P 2 -I{} bash -c 'magick_one "$@"' _ "$1" {}
}
export -f vips_spec vips_all magick_one magick_all

run_tool() { # SECTION TOOL RUN: prepares, times and checks one run
  local section=$1 tool=$2 run=$3 root src n expected
  case $section in
    jpeg) root=$JPEG_ROOT ;;
    mixed) root=$MIXED_ROOT ;;
  esac
  src=$root/photos
  n=$(count_files "$src")
  expected=$((3 * n))
  rm -rf "$root/CACHE" "$OUT"
  mkdir -p "$OUT/fill100" "$OUT/fit400" "$OUT/fit1600"
  case $tool in
    ikgen)
      timed "$section" ikgen "$run" "$IKGEN" generateimages -v -c "$WORK/$section.yaml"
      expect_summary "$expected" 0
      cp "$WORK/last.out" "$WORK/ikgen-$section.out" ;;
    vips)
      timed "$section" vips "$run" bash -c 'vips_all "$@"' _ "$OUT" "$src"
      expect_files "$OUT" "$expected" vipsthumbnail ;;
    magick)
      timed "$section" magick "$run" bash -c 'magick_all "$@"' _ "$OUT" "$src"
      expect_files "$OUT" "$expected" ImageMagick ;;
    django)
      timed "$section" django "$run" env IKBENCH_MEDIA_ROOT="$root" IKBENCH_SOURCE_DIR=photos \
        PYTHONPATH="$DJANGO_PROJECT" DJANGO_SETTINGS_MODULE=benchsite.settings \
        "$PY" -m django generateimages bench
      if grep -q 'Failed' "$WORK/last.out"; then
        grep 'Failed' "$WORK/last.out" | head -n 5 >&2
        die "django-imagekit failed on some files"
      fi
      expect_files "$root/CACHE" "$expected" django-imagekit ;;
    floor)
      timed "$section" floor "$run" bash -c \
        'while IFS=$'\''\t'\'' read -r scale file; do djpeg -scale "$scale" -outfile /dev/null "$file" || exit 1; done <"$1"' \
        _ "$WORK/scales.tsv" ;;
    *) die "internal: unknown tool $tool" ;;
  esac
}

run_rounds() { # SECTION TOOLS...: RUNS rounds, every tool once per round, order rotated
  local section=$1 r i k
  shift
  local tools=("$@")
  k=${#tools[@]}
  for ((r = 1; r <= RUNS; r++)); do
    for ((i = 0; i < k; i++)); do
      run_tool "$section" "${tools[(i + r - 1) % k]}" "$r"
    done
  done
}

warm_cache() { find "$1" -type f -exec cat {} + >/dev/null; }

busy_share() { # percentage of all CPUs busy over 2 s
  local b0 b1
  b0=$(busy_jiffies)
  sleep 2
  b1=$(busy_jiffies)
  awk -v d=$((b1 - b0)) -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN { printf "%.0f", 100 * d / hz / 2 / n }'
}
wait_idle() { # waits up to WAIT_IDLE seconds for the machine to be quiet
  [ "$WAIT_IDLE" -gt 0 ] || return 0
  local deadline=$((SECONDS + WAIT_IDLE)) busy
  while busy=$(busy_share); [ "$busy" -ge 10 ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "warning: CPUs still ${busy}% busy after waiting ${WAIT_IDLE} s; going on"
      return 0
    fi
    say "waiting for other processes: CPUs ${busy}% busy"
    sleep 8
  done
}

wait_idle
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY_BEFORE=$(busy_share)
if [ "$BUSY_BEFORE" -ge 10 ]; then
  say "warning: the CPUs are ${BUSY_BEFORE}% busy before the timed runs: other processes will disturb the timings (see the 'others' column; --wait-idle SECS waits for quiet)"
  ps -eo pcpu=,pid=,args= --sort=-pcpu | head -n 3 | cut -c1-120 | sed 's/^/bench:   /' >&2
fi

PEERS=(ikgen vips magick)
[ "$SKIP_DJANGO" = 1 ] || PEERS+=(django)

# --- JPEG corpus -----------------------------------------------------------------------------
SCALES_NOTE=
SCALES_USED=
if [ "$SKIP_JPEG" = 0 ]; then
  say "JPEG corpus: $NFILES files; warm-up run of ikgen (untimed) to learn its decode scales"
  warm_cache "$JPEG_ROOT/photos"
  rm -rf "$JPEG_ROOT/CACHE"
  "$IKGEN" generateimages -v -c "$WORK/jpeg.yaml" >"$WORK/ikgen-warmup.out" \
    || die "ikgen failed on the JPEG corpus (output: $WORK/ikgen-warmup.out)"
  "$PY" "$HELPER" scales "$WORK/ikgen-warmup.out" "$JPEG_ROOT" >"$WORK/scales.tsv" 2>"$WORK/scales.note"
  SCALES_NOTE=$(cat "$WORK/scales.note")
  SCALES_USED=$(cut -f1 "$WORK/scales.tsv" | sort | uniq -c | awk '{ printf "%s%s for %d file%s", sep, $2, $1, ($1 == 1 ? "" : "s"); sep = ", " }')
  say "decode floor: $SCALES_NOTE; djpeg -scale $SCALES_USED"
  run_rounds jpeg "${PEERS[@]}" floor
fi

# --- mixed corpus ----------------------------------------------------------------------------
if [ "$SKIP_MIXED" = 0 ]; then
  say "mixed corpus: $(count_files "$MIXED_ROOT/photos") files"
  warm_cache "$MIXED_ROOT/photos"
  wait_idle
  run_rounds mixed "${PEERS[@]}"
fi
rm -rf "$OUT" "$JPEG_ROOT/CACHE" "$MIXED_ROOT/CACHE"

# --- no-op trees ------------------------------------------------------------------------------
# The scaling trees' config: one spec with a tiny output (8x8, a few hundred bytes), so that a
# million outputs take minutes to generate and a few GB of disk; source_name_dot_hash puts each
# output beside its source's name instead of in a directory of its own (a million directories
# would double the disk use). A no-op run never opens an output, so neither choice changes
# what is timed.
write_tiny_specs() { # ROOT -> YAML on stdout
  cat <<EOF
# Written by scripts/bench.sh.
storage: {root: "$1"}
cache: {dir: CACHE/images, namer: source_name_dot_hash}
specs:
  - id: "bench:tiny"
    processors: [{ResizeToFill: {width: 8, height: 8}}]
    format: JPEG
    options: {quality: 85}
source_groups:
  - id: photos
    specs: ["bench"]
    include: ["photos/**/*.jpg"]
EOF
}

# noop_tree SECTION N [--link]: builds (once) and times the no-op tree of N sources. The timed
# runs: ikgen with both strategies, and the reference: find over the sources only, all a run that
# trusts its state must do (walk and stat the sources); the 100k tree also times find over the
# whole storage root, which lists the outputs too.
noop_tree() {
  local section=$1 n=$2 link=${3:-} dir yaml expected outputs_per_source r i
  yaml=$WORK/$section.yaml
  if [ "$section" = noop ]; then
    dir=$WORK/noop-$n
    outputs_per_source=3
    write_specs "$dir" '"photos/**/*.jpg"' ', upscale: false' >"$yaml"
  else
    dir=$WORK/noop-tiny-$n
    outputs_per_source=1
    write_tiny_specs "$dir" >"$yaml"
  fi
  if [ ! -e "$dir/.sources-complete" ]; then
    say "[$section] writing $n sources under $dir/photos (once; reused by later runs)"
    rm -rf "$dir"
    "$PY" "$HELPER" noop-tree "$dir" --sources "$n" $link
    touch "$dir/.sources-complete"
  fi
  # The outputs and the state come from a real generate run, so the timed runs take ikgen's
  # real no-op path over a state it wrote itself.
  say "[$section] generating whatever outputs are missing (untimed; slow the first time)"
  "$IKGEN" generateimages -q -c "$yaml" >"$WORK/last.out" \
    || die "ikgen failed to generate the outputs of $dir: $(tail -n 1 "$WORK/last.out")"
  say "  $(tail -n 1 "$WORK/last.out")"
  expected=$((outputs_per_source * n))
  say "[$section] disk used by $dir: $(du -sh "$dir" | cut -f1)"
  # Warm-up (untimed): one run of each, so the page cache and dentry cache are warm for all.
  "$IKGEN" generateimages -q -c "$yaml" >"$WORK/last.out"
  expect_summary 0 "$expected"
  "$IKGEN" generateimages -q --strategy optimistic -c "$yaml" >"$WORK/last.out"
  expect_summary 0 "$expected"
  find "$dir" -type f -printf '%T@ %s %p\n' >/dev/null
  printf '%s\t%s\n' "$section" "$n" >>"$META/noop_sizes.tsv"
  wait_idle
  local tools=(ikgen ikgen-opt find-src)
  [ "$section" = noop ] && tools+=(find)
  for ((r = 1; r <= RUNS; r++)); do
    for ((i = 0; i < ${#tools[@]}; i++)); do
      case ${tools[(i + r - 1) % ${#tools[@]}]} in
        ikgen)
          timed "$section" ikgen "$r" "$IKGEN" generateimages -c "$yaml"
          expect_summary 0 "$expected" ;;
        ikgen-opt)
          timed "$section" ikgen-opt "$r" "$IKGEN" generateimages --strategy optimistic -c "$yaml"
          expect_summary 0 "$expected" ;;
        find-src)
          timed "$section" find-src "$r" bash -c 'find "$1" -type f -printf '\''%T@ %s %p\n'\'' >/dev/null' _ "$dir/photos" ;;
        find)
          timed "$section" find "$r" bash -c 'find "$1" -type f -printf '\''%T@ %s %p\n'\'' >/dev/null' _ "$dir" ;;
      esac
    done
  done
}

: >"$META/noop_sizes.tsv"
if [ "$SKIP_NOOP" = 0 ]; then
  noop_tree noop "$NOOP_SOURCES"
  if [ "$NOOP_LARGE" -gt 0 ]; then
    noop_tree noop-small "$NOOP_SMALL" --link
    noop_tree noop-large "$NOOP_LARGE" --link
  fi
fi

# --- S3 ---------------------------------------------------------------------------------------
# The servers (radosgw and PostgreSQL, from servers.py) run only during this section; the EXIT
# trap stops them by the PIDs servers.py wrote, whether the section ends well or dies.
S3_SERVERS=$WORK/s3-servers
S3_RUNNING=0
S3_BUCKET=bench
S3_PREFIX=media/          # the storage root inside the bucket (django-storages' AWS_LOCATION)
S3_CACHE=CACHE/images
S3_CORPUS=$WORK/s3-corpus-$S3_SOURCES
S3_STATE=$WORK/s3-state   # ikgen's state (cache.state) for the S3 runs

s3_stop_servers() {
  if [ "$S3_RUNNING" = 1 ]; then
    S3_RUNNING=0
    say "[s3] stopping the servers"
    "$PY" "$SERVERS_PY" stop "$S3_SERVERS" >&2 || true
  fi
}

s3_env() { sed -n "s/^$1=//p" "$S3_SERVERS/servers.env"; }

s3_mark() { "$PY" "$SERVERS_PY" log-mark "$S3_SERVERS" || die "servers.py log-mark failed"; }

s3_clear() { # empties the cache prefix and ikgen's states: the next run is cold
  "$PY" "$S3_HELPER" delete-prefix "$S3_SERVERS/servers.env" "$S3_BUCKET" "$S3_PREFIX${S3_CACHE%%/*}/" >/dev/null \
    || die "could not empty s3://$S3_BUCKET/$S3_PREFIX${S3_CACHE%%/*}/"
  rm -rf "$S3_STATE" "$S3_CORPUS/${S3_CACHE%%/*}"
  mkdir -p "$S3_STATE"
}

s3_listed() { # number of keys under the cache prefix
  "$PY" "$S3_HELPER" list-count "$S3_SERVERS/servers.env" "$S3_BUCKET" "$S3_PREFIX$S3_CACHE/" | cut -d' ' -f1
}

# s3_timed TOOL RUN CMD...: `timed`, between two marker requests in radosgw's log (just outside
# the timing) that s3_record counts the requests between.
s3_timed() {
  local tool=$1 run=$2
  shift 2
  rm -f "$WORK/boto.json"
  S3_LAST_M0=$(s3_mark)
  timed s3 "$tool" "$run" "$@"
  S3_LAST_M1=$(s3_mark)
}
# s3_record TOOL RUN [s3_helper count options]: the requests of the last s3_timed run, by kind,
# with ikgen's --stats or botocore's counts, as one JSON line of s3.tsv.
s3_record() {
  local tool=$1 run=$2 json
  shift 2
  json=$("$PY" "$S3_HELPER" count "$S3_RGW_LOG" "$S3_LAST_M0" "$S3_LAST_M1" "$S3_BUCKET" "$S3_PREFIX" "$S3_CACHE" "$@") \
    || die "counting the requests of $tool failed"
  printf '%s\t%s\t%s\n' "$tool" "$run" "$json" >>"$META/s3.tsv"
  say "[s3]   requests: $json"
}

s3_expect_listed() { # N WHAT
  local listed
  listed=$(s3_listed)
  [ "$listed" -eq "$1" ] || die "$2: $listed keys under s3://$S3_BUCKET/$S3_PREFIX$S3_CACHE/, expected $1"
}

# s3_shards OUT IKGEN_CMD...: shards 0/3, 1/3 and 2/3 of IKGEN_CMD at once, each writing OUT.K.out
# and OUT.K.err; fails if any fails.
s3_shards() {
  local out=$1 k rc=0 pids=()
  shift
  for k in 0 1 2; do
    "$@" --shard "$k/3" >"$out.$k.out" 2>"$out.$k.err" &
    pids+=($!)
  done
  for k in 0 1 2; do wait "${pids[$k]}" || rc=1; done
  return $rc
}
export -f s3_shards

s3_expect_shards() { # OUT EXPECTED: the three shards' summaries add up to EXPECTED generated
  local generated
  generated=$(cat "$1".[012].out | sed -n 's/^generated \([0-9]*\), already present [0-9]*, failed 0 in .*/\1/p' \
    | awk '{ n += $1; k++ } END { print (k == 3 ? n : -1) }')
  [ "$generated" = "$2" ] || die "the three shards generated $generated files (or a shard failed some), expected $2: $(tail -q -n 1 "$1".[012].out | tr '\n' ' ')"
}

s3_section() {
  local expected=$((3 * S3_SOURCES)) endpoint region r failed ikgen_s3 django_env
  mkdir -p "$S3_SERVERS"
  say "[s3] starting radosgw and PostgreSQL in $S3_SERVERS ($SERVERS_PY)"
  S3_RUNNING=1
  "$PY" "$SERVERS_PY" start "$S3_SERVERS" >&2 || die "servers.py start failed"
  endpoint=$(s3_env IKGEN_S3_ENDPOINT)
  region=$(s3_env IKGEN_S3_REGION)
  S3_RGW_LOG=$(s3_env IKGEN_RGW_LOG)
  S3_FRONTEND=$(sed -n 's/^rgw frontends = //p' "$S3_SERVERS/ceph.conf")
  [[ $S3_FRONTEND == *tcp_nodelay=1* ]] \
    || say "warning: radosgw's frontend is '$S3_FRONTEND', without tcp_nodelay=1: small GETs wait ~40 ms (Nagle)"
  "$PY" "$SERVERS_PY" bucket "$S3_SERVERS" "$S3_BUCKET" || die "could not create the bucket $S3_BUCKET"

  say "[s3] corpus: $S3_SOURCES 320x240 JPEGs in $S3_CORPUS, uploaded to s3://$S3_BUCKET/${S3_PREFIX}photos/"
  "$PY" "$S3_HELPER" corpus "$S3_CORPUS" --sources "$S3_SOURCES" || die "writing the S3 corpus failed"
  "$PY" "$S3_HELPER" upload "$S3_SERVERS/servers.env" "$S3_BUCKET" "$S3_PREFIX" "$S3_CORPUS" >&2 \
    || die "uploading the S3 corpus failed"
  S3_CORPUS_MB=$(du -sm --apparent-size "$S3_CORPUS/photos" | cut -f1)
  warm_cache "$S3_CORPUS/photos"

  write_specs "s3://$S3_BUCKET/${S3_PREFIX%/}" '"photos/**/*.jpg"' '' \
    ", s3: {endpoint: \"$endpoint\", region: \"$region\", addressing: path}" \
    ", state: \"$S3_STATE/ikgen.sqlite\"" >"$WORK/s3.yaml"
  write_specs "$S3_CORPUS" '"photos/**/*.jpg"' '' >"$WORK/s3-local.yaml"
  # The servers' throwaway keys, for ikgen and boto3 alike (exported, so that no command line
  # shows them).
  AWS_ACCESS_KEY_ID=$(s3_env IKGEN_S3_ACCESS_KEY)
  AWS_SECRET_ACCESS_KEY=$(s3_env IKGEN_S3_SECRET_KEY)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  ikgen_s3=("$IKGEN" generateimages -q --stats)
  wait_idle

  if [ "$SKIP_DJANGO" = 0 ]; then
    django_env=(env "IKBENCH_S3_ENDPOINT=$endpoint" "IKBENCH_S3_BUCKET=$S3_BUCKET" "IKBENCH_S3_LOCATION=${S3_PREFIX%/}"
                "IKBENCH_S3_REGION=$region" "IKBENCH_BOTO_COUNTS=$WORK/boto.json"
                "PYTHONPATH=$DJANGO_PROJECT${DJANGO_STORAGES:+:$DJANGO_STORAGES}" DJANGO_SETTINGS_MODULE=benchsite.settings_s3
                "$PY" -m django generateimages bench)
    s3_clear
    say "[s3] django-imagekit, cold (one run: it takes minutes)"
    s3_timed django-cold 1 "${django_env[@]}"
    # imagekit #391: the storage closes the content after the PUT, so every output is reported
    # "Failed ... closed file" although it was written: count the lines, check the bucket.
    failed=$(grep -c 'Failed' "$WORK/last.out" || true)
    s3_expect_listed "$expected" "django-imagekit's cold run"
    s3_record django-cold 1 --boto "$WORK/boto.json" --set "outputs=$expected" --set "failed_lines=$failed" --set "listed=$expected"
    say "[s3] django-imagekit, no-op (a fresh process, every output present)"
    s3_timed django-noop 1 "${django_env[@]}"
    failed=$(grep -c 'Failed' "$WORK/last.out" || true)
    s3_expect_listed "$expected" "django-imagekit's no-op run"
    s3_record django-noop 1 --boto "$WORK/boto.json" --set "outputs=$expected" --set "failed_lines=$failed" --set "listed=$expected"
  fi

  for ((r = 1; r <= RUNS; r++)); do
    say "[s3] ikgen, round $r of $RUNS"
    s3_clear
    s3_timed ikgen-cold "$r" "${ikgen_s3[@]}" -c "$WORK/s3.yaml"
    expect_summary "$expected" 0
    s3_expect_listed "$expected" "ikgen's cold run"
    s3_record ikgen-cold "$r" --ikgen-stats "$WORK/last.err" --set "outputs=$expected"
    s3_timed ikgen-noop-jit "$r" "${ikgen_s3[@]}" --strategy just_in_time -c "$WORK/s3.yaml"
    expect_summary 0 "$expected"
    s3_record ikgen-noop-jit "$r" --ikgen-stats "$WORK/last.err" --set "outputs=$expected" --set "sources=$S3_SOURCES"
    s3_timed ikgen-noop-opt "$r" "${ikgen_s3[@]}" --strategy optimistic -c "$WORK/s3.yaml"
    expect_summary 0 "$expected"
    s3_record ikgen-noop-opt "$r" --ikgen-stats "$WORK/last.err" --set "outputs=$expected" --set "sources=$S3_SOURCES"

    s3_clear
    sync
    timed s3 ikgen-local "$r" "$IKGEN" generateimages -q -c "$WORK/s3-local.yaml"
    expect_summary "$expected" 0

    s3_clear
    s3_timed ikgen-j3 "$r" "${ikgen_s3[@]}" -j 3 -c "$WORK/s3.yaml"
    expect_summary "$expected" 0
    s3_expect_listed "$expected" "ikgen -j 3"
    s3_record ikgen-j3 "$r" --ikgen-stats "$WORK/last.err" --set "outputs=$expected"

    s3_clear
    s3_timed ikgen-shards "$r" bash -c 's3_shards "$@"' _ "$WORK/shard" "${ikgen_s3[@]}" -j 1 -c "$WORK/s3.yaml"
    s3_expect_shards "$WORK/shard" "$expected"
    s3_expect_listed "$expected" "ikgen's three shards"
    s3_record ikgen-shards "$r" --ikgen-stats "$WORK/shard.0.err" --ikgen-stats "$WORK/shard.1.err" \
      --ikgen-stats "$WORK/shard.2.err" --set "outputs=$expected"
  done
  s3_clear
  printf 'sources\t%s\nbucket_mb\t%s\nfrontend\t%s\n' "$S3_SOURCES" "$S3_CORPUS_MB" "$S3_FRONTEND" >"$META/s3_info.tsv"
  s3_stop_servers
}

: >"$META/s3.tsv"
rm -f "$META/s3_info.tsv"
if [ "$SKIP_S3" = 0 ]; then
  trap s3_stop_servers EXIT
  trap 's3_stop_servers; exit 130' INT TERM
  s3_section
fi

# --- watch -----------------------------------------------------------------------------------
WATCH_HELPER=$ROOT/bench/watch_helper.py
rm -f "$META/watch-latency.json" "$META/watch-burst.json"
if [ "$SKIP_WATCH" = 0 ]; then
  WATCH_ROOT=$WORK/watch-root
  mkdir -p "$WATCH_ROOT" "$WORK/watch-mirror"
  write_specs "$WATCH_ROOT" '"photos/**/*.jpg"' '' >"$WORK/watch.yaml"
  write_specs "$WORK/watch-mirror" '"photos/**/*.jpg"' '' >"$WORK/watch-mirror.yaml"
  [ -f "$WORK/watch-12mp.jpg" ] || "$PY" "$WATCH_HELPER" big-jpeg "$WORK/watch-12mp.jpg" >&2 \
    || die "could not make the 12-megapixel JPEG"
  wait_idle
  say "[watch] latency: a 12-megapixel JPEG, $((RUNS + 2)) uploads"
  "$PY" "$WATCH_HELPER" latency --ikgen "$IKGEN" --config "$WORK/watch.yaml" --root "$WATCH_ROOT" --work "$WORK" \
    --mirror-config "$WORK/watch-mirror.yaml" --mirror-root "$WORK/watch-mirror" --big "$WORK/watch-12mp.jpg" \
    --runs $((RUNS + 2)) --out "$META/watch-latency.json" >&2 || die "the watch latency run failed"
  say "[watch] burst: $WATCH_BURST small uploads"
  "$PY" "$S3_HELPER" corpus "$WORK/watch-corpus" --sources "$WATCH_BURST" || die "writing the burst corpus failed"
  wait_idle
  "$PY" "$WATCH_HELPER" burst --ikgen "$IKGEN" --config "$WORK/watch.yaml" --root "$WATCH_ROOT" --work "$WORK" \
    --corpus "$WORK/watch-corpus" --count "$WATCH_BURST" --runs "$RUNS" --out "$META/watch-burst.json" >&2 \
    || die "the watch burst failed"
  rm -rf "$WATCH_ROOT/photos" "$WATCH_ROOT/CACHE"
fi

# --- report ----------------------------------------------------------------------------------
{
  printf 'CPU\t%s x %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  printf 'RAM\t%s GiB\n' "$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
  printf 'OS\t%s (Debian %s), Linux %s%s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" \
    "$(cat /etc/debian_version)" "$(uname -r)" \
    "$(v=$(systemd-detect-virt 2>/dev/null || true); [ -n "$v" ] && [ "$v" != none ] && echo ", systemd-detect-virt: $v")"
  printf 'Load average\t%s before the timed runs (CPUs %s%% busy over 2 s), %s after\n' "$LOAD_BEFORE" "$BUSY_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'Work directory\t%s file system\n' "$(df -T "$WORK" | awk 'NR == 2 { print $2 }')"
  printf 'ikgen\t%s, `%s`, %s\n' "$IKGEN_VERSION" "${IKGEN#"$ROOT"/}" "$IKGEN_LABEL"
  printf 'vipsthumbnail\t%s\n' "$(vips --version)"
  printf 'ImageMagick\t%s\n' "$(convert -version | head -n 1 | sed 's/^Version: //; s| https.*||')"
  printf 'djpeg\t%s\n' "$(djpeg -version 2>&1 | head -n 1)"
  printf 'django-imagekit\t%s\n' "$("$PY" -c 'import django, PIL, pilkit.pkgmeta as p, sys, os, runpy, importlib.util as u
m = runpy.run_path(os.path.join(u.find_spec("imagekit").submodule_search_locations[0], "pkgmeta.py"))
print("%s (Django %s, pilkit %s, Pillow %s, Python %s)" % (m["__version__"], django.get_version(), p.__version__, PIL.__version__, sys.version.split()[0]))' 2>/dev/null || echo unknown)"
  if [ "$SKIP_S3" = 0 ]; then
    printf 'radosgw\t%s\n' "$(radosgw --version 2>/dev/null | head -n 1)"
    printf 'boto3\t%s\n' "$("$PY" -c 'import boto3, botocore; print(boto3.__version__, "(botocore %s)" % botocore.__version__)' 2>/dev/null || echo unknown)"
    [ "$SKIP_DJANGO" = 1 ] || printf 'django-storages\t%s\n' "$(PYTHONPATH=$DJANGO_STORAGES "$PY" -c 'import storages, os; print(storages.__version__, "from", os.path.dirname(os.path.dirname(storages.__file__)))' 2>/dev/null || echo unknown)"
  fi
} >"$META/machine.tsv"

{
  cat "$WORK/corpus.txt"
  if [ "$SKIP_JPEG" = 0 ] && [ "$NFILES" -lt 45 ] && [ "$QUICK" = 0 ] && [ "$MAX_FILES" -ge 45 ]; then
    echo "The issue's corpus had 45 files; Debian 12's packages ship only $NFILES distinct wallpapers of ${MIN_WIDTH} px or wider (\`--min-width\` widens the selection)."
  fi
  echo "Specs: ResizeToFill 100×100, ResizeToFit 400×400, ResizeToFit 1600×1600, all JPEG quality 85 (3 outputs per source)."
  if [ "$SKIP_NOOP" = 0 ]; then
    echo "no-op tree: $NOOP_SOURCES 16×16 JPEG sources in $(( (NOOP_SOURCES + 99) / 100 )) directories of 100, with all $((3 * NOOP_SOURCES)) outputs of the same three specs present (with \`upscale: false\`, so the outputs stay 16×16)."
    if [ "$NOOP_LARGE" -gt 0 ]; then
      echo "no-op scaling trees: $NOOP_SMALL and $NOOP_LARGE sources laid out the same way (directories of 100), each a name of its own hard-linked to one of 100 16×16 JPEGs (so that writing the tree takes seconds), one spec (\`bench:tiny\`: ResizeToFill 8×8, JPEG quality 85, namer \`source_name_dot_hash\`), all outputs present, generated by ikgen once and reused by later bench runs."
    fi
  fi
  if [ "$SKIP_S3" = 0 ]; then
    echo "S3: $S3_SOURCES 320×240 JPEG sources made with PIL (smooth colour blobs over a gradient, quality 90, the same bytes every run), $(( (S3_SOURCES + 99) / 100 )) directories of 100 under \`media/photos/\` in a bucket of a local radosgw (a single-node Ceph cluster, memstore OSD, started by servers.py for the section); the same files on local disk for the local-disk row."
  fi
} | sed 's/\t/ /g' >"$META/corpora.tsv"

how jpeg ikgen "\`ikgen generateimages -v -c jpeg.yaml\` (all cores), from an empty cache directory; the three specs in one YAML file, each source decoded once."
how mixed ikgen "as for JPEG, with the globs \`photos/*.jpg\`, \`*.png\`, \`*.webp\`."
how jpeg vips "one \`vipsthumbnail\` pass per spec over all files, \`--size 100x100 --smartcrop centre\`, \`--size 400x400\`, \`--size 1600x1600\`, each with \`-o DIR/%s.jpg[Q=85]\`; the three passes run two at a time (\`xargs -P 2\`) so that both cores work, as they do for ikgen (one pass at a time leaves a core mostly idle). Peak RSS is the largest single pass."
how mixed vips "as for JPEG."
how jpeg magick "one \`convert\` per source, reading it once: \`-quality 85 ( +clone -resize 1600x1600 -write A +delete ) ( +clone -resize 400x400 -write B +delete ) -resize 100x100^ -gravity center -extent 100x100 C\`, two processes in parallel (\`xargs -P 2\`), Debian's default policy.xml; no \`jpeg:size\` hint. Peak RSS is the largest single process."
how mixed magick "as for JPEG."
how jpeg django "\`/usr/bin/python3 -m django generateimages bench\` with bench/django_project (three \`ImageSpec\`s registered with \`imagekit.register.generator\`, one directory source group with \`imagekit.register.source_group\`), from an empty cache directory; one process, as the command runs; every source is opened and decoded once per spec."
how mixed django "as for JPEG."
how jpeg floor "\`djpeg -scale S -outfile /dev/null FILE\` once per source, one file after another (one core), S being the scale ikgen decoded that source at: $SCALES_USED. ${SCALES_NOTE}."
for section in noop noop-small noop-large; do
  how "$section" ikgen "\`ikgen generateimages -c $section.yaml\` (all cores; the default strategy, just_in_time) over the no-op tree, all outputs present and known to the state store (checked: \`generated 0\`); one untimed warm-up of each command first, so all run with warm page and dentry caches and a warm state store."
  how "$section" ikgen-opt "\`ikgen generateimages --strategy optimistic -c $section.yaml\`, otherwise as above: the storage is never asked about outputs."
  how "$section" find-src "\`find ROOT/photos -type f -printf '%T@ %s %p\\n' >/dev/null\` over the sources only: it walks and stats every source, all that a run trusting its state must do. This is the reference of the no-op targets."
done
how noop find "the same \`find\` over the whole storage root: the sources and the outputs, which a run that trusts its state never touches; for comparison (earlier results used it as the reference)."
how s3 django-cold "\`/usr/bin/python3 -m django generateimages bench\` with \`DJANGO_SETTINGS_MODULE=benchsite.settings_s3\`: \`DEFAULT_FILE_STORAGE\` and \`IMAGEKIT_DEFAULT_FILE_STORAGE\` are \`storages.backends.s3boto3.S3Boto3Storage\` (path addressing, \`AWS_LOCATION=media\`), JustInTime strategy, Simple backend, Django's local-memory cache (nothing shared between runs: the cron case); the sources listed with the storage's \`listdir\` (per spec, one LIST per directory) and opened with \`storage.open\`, as an ImageFieldFile is; from an empty cache prefix; one run."
how s3 django-noop "the same command again at once, in a fresh process, every output present; one run."
how s3 ikgen-cold "\`ikgen generateimages -q --stats -c s3.yaml\` (all cores), \`storage: {root: \"s3://bench/media\", s3: {endpoint, region, addressing: path}}\`, \`cache.state\` a local SQLite file; before each run the cache prefix is emptied and the state deleted."
how s3 ikgen-noop-jit "\`--strategy just_in_time\` right after the cold run: every output present and recorded in the state."
how s3 ikgen-noop-opt "\`--strategy optimistic\` after that: the same, and the storage should not be asked about outputs."
how s3 ikgen-local "\`ikgen generateimages -q\` (all cores) over the same files on local disk (page cache warm), from an empty cache directory: the reference of the 80% target."
how s3 ikgen-j3 "one process \`-j 3\` on S3, cold: the reference of the shard target, with as many worker threads as the three shards together (the machine has $(nproc) cores)."
how s3 ikgen-shards "\`--shard 0/3\`, \`1/3\` and \`2/3\`, each \`-j 1\`, started at once on the same bucket and state file, cold; wall time until the last one ends."
note "Before every timed run the tool's outputs are deleted and \`sync\` is run, outside the timing; the corpora are read once beforehand, so every run reads its sources from the page cache. Wall time is measured around \`/usr/bin/time -v\`."

mkdir -p "$(dirname "$RESULTS")"
say "results:"
"$PY" "$HELPER" report "$TSV" "$META" "$RESULTS" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --args "$ARGS_TEXT"
if [ -s "$META/watch.md" ]; then { echo; cat "$META/watch.md"; } >>"$RESULTS"; fi
say "wrote $RESULTS"
