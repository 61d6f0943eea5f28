#!/usr/bin/env bash
# The main job on real photos: installs dependencies, builds, puts sample photos under
# media/photos, and runs `ikgen generateimages -c specs.example.yaml` (twice: the second run
# finds everything present).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/sample-photos.sh media/photos

echo "== ikgen generateimages -c specs.example.yaml"
status=0
build/ikgen generateimages -c specs.example.yaml || status=$?
echo "== again: everything is already present"
build/ikgen generateimages -c specs.example.yaml || status=$?
echo "== ikgen check -c specs.example.yaml"
build/ikgen check -c specs.example.yaml || status=$?
# Into a file first: `ikgen manifest | head` would end ikgen with SIGPIPE, and pipefail with it.
build/ikgen manifest -c specs.example.yaml > media/manifest.jsonl || status=$?
echo "== ikgen manifest -c specs.example.yaml (first 3 of $(wc -l < media/manifest.jsonl), all in media/manifest.jsonl)"
head -n 3 media/manifest.jsonl
echo
echo "sources:    $(pwd)/media/photos"
echo "renditions: $(pwd)/media/CACHE/images  ($(find media/CACHE/images -type f ! -name '.ikgen-*' | wc -l) files)"
exit $status
