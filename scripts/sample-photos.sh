#!/usr/bin/env bash
# Puts a few real photos under DEST (default: media/photos), copied at run time from Debian's
# gnome-backgrounds package (WebP wallpapers), so no third-party image is committed.
set -euo pipefail
dest=${1:-media/photos}
mkdir -p "$dest"
shopt -s nullglob
found=(/usr/share/backgrounds/gnome/*.webp /usr/share/backgrounds/gnome/*.jpg /usr/share/backgrounds/gnome/*.png)
if [ ${#found[@]} -eq 0 ]; then
  echo "sample-photos: no wallpapers in /usr/share/backgrounds/gnome; run scripts/install-deps.sh" >&2
  exit 1
fi
count=0
for photo in "${found[@]}"; do
  [ -e "$dest/$(basename "$photo")" ] || cp "$photo" "$dest/"
  count=$((count + 1))
  [ "$count" -ge "${SAMPLE_COUNT:-8}" ] && break
done
