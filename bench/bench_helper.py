#!/usr/bin/python3
"""Helpers for scripts/bench.sh (run with Debian's /usr/bin/python3, which has PIL).

Subcommands:
  corpus  WORK --min-width N --max-files N
      Builds WORK/corpus-jpeg/photos (the wallpapers re-encoded as JPEG quality 92) and
      WORK/corpus-mixed/photos (the same wallpapers in their original PNG/WebP/JPEG files)
      from Debian's gnome-backgrounds and plasma-workspace-wallpapers. Reuses them when the
      selection has not changed. Prints a one-line description of each corpus.
  noop-tree DIR --sources N
      Writes N small (16x16) JPEG sources under DIR/photos/dNNNN/iNNN.jpg.
  scales  IKGEN_VERBOSE_OUTPUT CORPUS_ROOT
      From `ikgen generateimages -v` lines "generated F (WxH) from S at 1/N", prints one line
      "1/N<TAB>/abs/source" per source (the largest decode of that source; 1/2 when the line
      has no "at 1/N"), and on stderr whether the scales came from ikgen or the fallback.
  report  TSV META_DIR OUT_MD --date D [--args A]
      Medians, ratios and target checks from the timing records; prints the markdown and
      writes it to OUT_MD.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import sys

WALLPAPER_DIRS = ["/usr/share/backgrounds/gnome", "/usr/share/wallpapers"]
JPEG_QUALITY = 92
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def wallpaper_name(path):
    """A short unique name: gnome-<stem> or plasma-<Theme>[-dark]."""
    if path.startswith("/usr/share/backgrounds/"):
        return "gnome-" + os.path.splitext(os.path.basename(path))[0]
    parts = path.split("/")
    theme = parts[parts.index("wallpapers") + 1]
    dark = "-dark" if "images_dark" in parts else ""
    return "plasma-" + theme + dark


def find_wallpapers(min_width):
    from PIL import Image

    found, seen = [], set()
    for top in WALLPAPER_DIRS:
        for root, _dirs, files in os.walk(top):
            for filename in sorted(files):
                path = os.path.join(root, filename)
                if os.path.islink(path) or "screenshot" in filename:
                    continue
                try:
                    with Image.open(path) as im:
                        size, fmt = im.size, im.format
                except Exception:
                    continue
                if fmt not in EXTENSIONS or size[0] < min_width:
                    continue
                with open(path, "rb") as f:
                    digest = hashlib.sha1(f.read()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                found.append({"path": path, "name": wallpaper_name(path), "size": list(size),
                              "format": fmt, "bytes": os.path.getsize(path)})
    found.sort(key=lambda w: w["name"])
    return found


def cmd_corpus(args):
    from PIL import Image

    wallpapers = find_wallpapers(args.min_width)
    if len(wallpapers) > args.max_files:
        # Evenly spaced over the sorted list, so a small selection still mixes both packages
        # and all three formats.
        step = len(wallpapers) / args.max_files
        wallpapers = [wallpapers[int(i * step)] for i in range(args.max_files)]
    if not wallpapers:
        sys.exit("bench: no wallpaper of %d px or wider found under %s"
                 % (args.min_width, " ".join(WALLPAPER_DIRS)))
    stamp = json.dumps({"quality": JPEG_QUALITY, "wallpapers": wallpapers}, sort_keys=True)
    stamp_path = os.path.join(args.work, "corpus.stamp")
    jpeg_dir = os.path.join(args.work, "corpus-jpeg", "photos")
    mixed_dir = os.path.join(args.work, "corpus-mixed", "photos")
    if not (os.path.exists(stamp_path) and open(stamp_path).read() == stamp):
        for d in (jpeg_dir, mixed_dir):
            shutil.rmtree(os.path.dirname(d), ignore_errors=True)
            os.makedirs(d)
        for i, w in enumerate(wallpapers, 1):
            print("bench:   [%d/%d] %s (%s %dx%d)" % (i, len(wallpapers), w["path"], w["format"],
                                                    *w["size"]), file=sys.stderr)
            shutil.copyfile(w["path"], os.path.join(mixed_dir, w["name"] + EXTENSIONS[w["format"]]))
            with Image.open(w["path"]) as im:
                rgb = im.convert("RGB")
            rgb.save(os.path.join(jpeg_dir, w["name"] + ".jpg"), "JPEG", quality=JPEG_QUALITY)
        with open(stamp_path, "w") as f:
            f.write(stamp)

    widths = [w["size"][0] for w in wallpapers]
    formats = {}
    for w in wallpapers:
        formats[w["format"]] = formats.get(w["format"], 0) + 1
    jpeg_bytes = sum(os.path.getsize(os.path.join(jpeg_dir, f)) for f in os.listdir(jpeg_dir))
    mixed_bytes = sum(os.path.getsize(os.path.join(mixed_dir, f)) for f in os.listdir(mixed_dir))
    info = {
        "files": len(wallpapers),
        "min_width": min(widths),
        "max_width": max(widths),
        "jpeg_mb": jpeg_bytes / 1e6,
        "mixed_mb": mixed_bytes / 1e6,
        "mixed_formats": ", ".join("%d %s" % (n, f) for f, n in sorted(formats.items())),
        "sources": [w["path"] for w in wallpapers],
    }
    with open(os.path.join(args.work, "corpus.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("JPEG corpus: %d files, %d-%d px wide, JPEG quality %d, %.1f MB"
          % (info["files"], info["min_width"], info["max_width"], JPEG_QUALITY, info["jpeg_mb"]))
    print("mixed corpus: the same %d wallpapers as shipped (%s), %.1f MB"
          % (info["files"], info["mixed_formats"], info["mixed_mb"]))


def cmd_noop_tree(args):
    from io import BytesIO
    from PIL import Image

    per_dir = 100
    photos = os.path.join(args.dir, "photos")
    os.makedirs(photos, exist_ok=True)
    first = {}
    for i in range(args.sources):
        d = os.path.join(photos, "d%0*d" % (args.digits, i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "i%03d.jpg" % (i % per_dir))
        if (i + 1) % 100000 == 0:
            print("bench:   %d/%d sources written" % (i + 1, args.sources), file=sys.stderr)
        if args.link and i >= per_dir:
            # Every source a name of its own (a run names, looks up and stats each one), the
            # bytes shared: writing a million distinct files would take longer than the run.
            os.link(first[i % per_dir], path)
            continue
        # A few distinct tiny images; the bytes do not matter to a no-op run.
        buf = BytesIO()
        Image.new("RGB", (16, 16), ((i * 37) % 256, (i * 11) % 256, (i * 5) % 256)).save(
            buf, "JPEG", quality=85)
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        first.setdefault(i % per_dir, path)


LINE = re.compile(r"^generated (\S.*) \((\d+)x(\d+)\) from (.+?)(?: at 1/(\d+))?$")


def cmd_scales(args):
    best = {}
    reported = 0
    with open(args.verbose_output, errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            source, denom = m.group(4), m.group(5)
            if denom is not None:
                reported += 1
                n = int(denom)
            else:
                n = None
            prev = best.get(source, "unset")
            if prev == "unset":
                best[source] = n
            elif n is not None and (prev is None or n < prev):
                best[source] = n
    if not best:
        sys.exit("bench: no 'generated ...' lines in %s" % args.verbose_output)
    fallback = 0
    for source in sorted(best):
        n = best[source]
        if n is None:
            n, fallback = 2, fallback + 1
        if n not in (1, 2, 4, 8):
            sys.exit("bench: ikgen reported decode scale 1/%d for %s; djpeg supports 1/1, 1/2, 1/4, 1/8"
                     % (n, source))
        print("1/%d\t%s" % (n, os.path.join(args.root, source)))
    if fallback:
        print("ikgen -v did not report a decode scale (no ' at 1/N') for %d of %d sources: "
              "djpeg uses 1/2 for those" % (fallback, len(best)), file=sys.stderr)
    else:
        print("decode scales reported by ikgen -v for all %d sources" % len(best), file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# report

def fmt_s(x):
    return "%.2f" % x if x >= 0.1 else "%.3f" % x


SECTIONS = [
    {"id": "jpeg", "label": "JPEG", "baseline": "ikgen",
     "tools": [("ikgen", "ikgen"), ("vips", "vipsthumbnail"), ("magick", "ImageMagick"),
               ("django", "django-imagekit"), ("floor", "decode floor (djpeg)")]},
    {"id": "mixed", "label": "mixed", "baseline": "ikgen",
     "tools": [("ikgen", "ikgen"), ("vips", "vipsthumbnail"), ("magick", "ImageMagick"),
               ("django", "django-imagekit")]},
    {"id": "noop", "label": "no-op", "baseline": "ikgen",
     "tools": [("ikgen", "ikgen, just_in_time (nothing to do)"),
               ("ikgen-opt", "ikgen, optimistic (nothing to do)"),
               ("find-src", "find sources only (the reference)"), ("find", "find storage root")]},
    {"id": "noop-small", "label": "no-op, scaling, small", "baseline": "ikgen",
     "tools": [("ikgen", "ikgen, just_in_time (nothing to do)"),
               ("ikgen-opt", "ikgen, optimistic (nothing to do)"),
               ("find-src", "find sources only (the reference)")]},
    {"id": "noop-large", "label": "no-op, scaling, large", "baseline": "ikgen",
     "tools": [("ikgen", "ikgen, just_in_time (nothing to do)"),
               ("ikgen-opt", "ikgen, optimistic (nothing to do)"),
               ("find-src", "find sources only (the reference)")]},
]

# (label, section, tool, kind, other, limit): ratio = median(tool) / median(other) <= limit,
# rss = peak RSS of tool <= limit MB (10^6 bytes; the stricter reading of "MB").
TARGETS = [
    ("ikgen ≤ 0.25× vipsthumbnail (JPEG corpus)", "jpeg", "ikgen", "ratio", "vips", 0.25),
    ("ikgen ≤ 0.05× django-imagekit (JPEG corpus)", "jpeg", "ikgen", "ratio", "django", 0.05),
    ("ikgen within 2× the decode floor (JPEG corpus)", "jpeg", "ikgen", "ratio", "floor", 2.0),
    ("ikgen peak RSS ≤ 150 MB (JPEG corpus)", "jpeg", "ikgen", "rss", None, 150.0),
    # The reference walks and stats the sources, all a run that trusts its state must do; a find
    # over the whole storage root also lists the outputs, which such a run never touches.
    ("no-op run, just_in_time, warm state store, within 2× `find SOURCES -type f -printf "
     "'%T@ %s %p\\n'`", "noop", "ikgen", "ratio", "find-src", 2.0),
    ("no-op run, optimistic, warm state store, within 1.5× that `find`", "noop", "ikgen-opt",
     "ratio", "find-src", 1.5),
    ("no-op run peak RSS ≤ 200 MB (just_in_time)", "noop", "ikgen", "rss", None, 200.0),
    ("no-op run peak RSS ≤ 200 MB (optimistic)", "noop", "ikgen-opt", "rss", None, 200.0),
]


# The S3 section's rows: (tool id, label). Wall times are in the timing records (section "s3"),
# request counts in META/s3.tsv (tool, run, JSON from s3_helper.py count).
S3_TOOLS = [
    ("django-cold", "django-imagekit + S3Boto3Storage, cold"),
    ("django-noop", "django-imagekit + S3Boto3Storage, no-op (fresh process)"),
    ("ikgen-cold", "ikgen, cold"),
    ("ikgen-noop-jit", "ikgen, no-op, just_in_time, warm state"),
    ("ikgen-noop-opt", "ikgen, no-op, optimistic, warm state"),
    ("ikgen-local", "ikgen, cold, local disk (the same files)"),
    ("ikgen-j3", "ikgen, cold, one process `-j 3`"),
    ("ikgen-shards", "ikgen, cold, three shards `-j 1` at once"),
]
# "a just_in_time no-op makes at most one request per 1000 objects plus a constant": the constant.
S3_NOOP_CONSTANT = 5
STAT_NAMES = [("stat", "stat"), ("read", "read"), ("write", "write"), ("remove", "remove"),
              ("list", "list"), ("source read", "source read"), ("retry", "retry")]


def own_counts(record):
    """The tool's own count of its requests, in a table cell."""
    if "ikgen_stats" in record:
        stats = record["ikgen_stats"]
        return "--stats: " + ", ".join("%d %s" % (stats[k], label) for k, label in STAT_NAMES
                                       if stats.get(k))
    if "botocore" in record:
        return "botocore: " + ", ".join("%d %s" % (n, op) for op, n in sorted(record["botocore"].items()))
    return ""


def s3_report(w, stats, meta):
    """The S3 section's table, and its target rows as (label, measured, met)."""
    records = {}
    for tool, run, text in read_tsv(os.path.join(meta, "s3.tsv")):
        records.setdefault(tool, []).append((int(run), json.loads(text)))
    info = dict(read_tsv(os.path.join(meta, "s3_info.tsv")))
    if not records and not stats("s3", "ikgen-local"):
        return []
    for runs in records.values():
        runs.sort(key=lambda r: r[0])
    first = {tool: runs[0][1] for tool, runs in records.items()}
    sources = int(info.get("sources", 0))
    outputs = 3 * sources
    w("### S3 (local radosgw)")
    w("")
    w("%d sources of 320×240 JPEG (%s MB) in a bucket of a local Ceph radosgw (beast frontend: `%s`), "
      "the same 3 specs: %d outputs. *requests* are counted in radosgw's request log between two "
      "marker requests around each run (path-style: a GET of the bucket with listing parameters is a "
      "LIST, a multi-object delete a DELETE), from the first run of each row; *about outputs* are "
      "those on keys under the cache prefix, and listings that may return such keys (a listing of one "
      "key at most, a check that the root answers, is not counted). *own count* is ikgen's "
      "`--stats` (summed over the shards) or the requests botocore sent (its `before-send` event), "
      "a cross-check of the log. *outputs/s* is outputs divided by the median wall time."
      % (sources, info.get("bucket_mb", "?"), info.get("frontend", "?"), outputs))
    w("")
    w("| run | median wall s | outputs/s | runs (wall s) | requests | GET | PUT | HEAD | LIST | DELETE "
      "| 4xx | requests per output | about outputs | own count | others |")
    w("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for tool, label in S3_TOOLS:
        s = stats("s3", tool)
        if s is None:
            continue
        rate = "%.0f" % (outputs / s["median"]) if tool.endswith(("cold", "local", "j3", "shards")) else ""
        rec = first.get(tool)
        if rec:
            k = rec["kinds"]
            totals = sorted({r["total"] for _, r in records[tool]})
            total = "%d" % rec["total"] + ("" if len(totals) == 1 else " (%d–%d)" % (totals[0], totals[-1]))
            cells = [total] + ["%d" % k[x] for x in ("GET", "PUT", "HEAD", "LIST", "DELETE")] + [
                "%d" % rec["errors"]["4xx"], "%.3f" % (rec["total"] / outputs), "%d" % rec["about_outputs"],
                own_counts(rec)]
            if rec.get("failed_lines"):
                cells[-1] += "; %d outputs reported “Failed” (imagekit #391), %d listed in the bucket" % (
                    rec["failed_lines"], rec.get("listed", 0))
        else:
            cells = ["–"] * 9 + ["local disk: no requests"]
        w("| %s | %s | %s | %s | %s | %s |" % (
            label, fmt_s(s["median"]), rate, ", ".join(fmt_s(x) for x in s["walls"]), " | ".join(cells),
            "–" if s["other"] is None else "%.0f%%" % (100 * s["other"])))
    w("")

    targets = []

    def ratio_row(label, num, den, limit, at_least=False):
        a, b = stats("s3", num), stats("s3", den)
        if not a or not b:
            targets.append((label, None, None))
            return
        value = a["median"] / b["median"]
        targets.append((label, "%.2f× (%s s vs %s s)" % (value, fmt_s(a["median"]), fmt_s(b["median"])),
                        value >= limit if at_least else value <= limit))

    cold = first.get("ikgen-cold")
    label = "S3 cold run: at most 1.2 requests per output"
    if cold:
        per = cold["total"] / outputs
        # With one GET per source and one PUT per output, 3 outputs per source cannot go below
        # 4/3 requests per output: say so beside the figure.
        targets.append((label, "%.3f (%d requests for %d outputs; one GET per source and one PUT per output "
                               "alone make %.3f)" % (per, cold["total"], outputs, (sources + outputs) / outputs),
                        per <= 1.2))
    else:
        targets.append((label, None, None))
    ratio_row("S3 cold run at least 10× faster than django-imagekit + S3Boto3Storage's", "django-cold",
              "ikgen-cold", 10, at_least=True)
    jit = first.get("ikgen-noop-jit")
    label = ("S3 just_in_time no-op: at most one request per 1000 objects + %d (objects: sources and outputs)"
             % S3_NOOP_CONSTANT)
    if jit:
        objects = sources + outputs
        limit = -(-objects // 1000) + S3_NOOP_CONSTANT
        targets.append((label, "%d requests for %d objects (limit %d)" % (jit["total"], objects, limit),
                        jit["total"] <= limit))
    else:
        targets.append((label, None, None))
    opt = first.get("ikgen-noop-opt")
    label = "S3 optimistic no-op, warm state: no request about outputs"
    if opt:
        targets.append((label, "%d about outputs (%d requests in all)" % (opt["about_outputs"], opt["total"]),
                        opt["about_outputs"] == 0))
    else:
        targets.append((label, None, None))
    ratio_row("S3 cold generation at least 80% of ikgen's local-disk throughput (local time / S3 time)",
              "ikgen-local", "ikgen-cold", 0.8, at_least=True)
    ratio_row("three shards (`-j 1` each) within 1.2× one process with the same total threads (`-j 3`)",
              "ikgen-shards", "ikgen-j3", 1.2)
    return targets


def watch_report(w, meta):
    """The watch section's table (bench/watch_helper.py's JSON), and its target rows."""
    def load(name):
        path = os.path.join(meta, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)
    latency, burst = load("watch-latency.json"), load("watch-burst.json")
    if latency is None and burst is None:
        return []
    targets = []
    w("### ikgen watch")
    w("")
    if latency:
        ms = lambda x: "%.0f ms" % (1000 * x)
        w("**Latency.** A %s JPEG (%s megapixels, %d bytes) written under a new name into the watched tree "
          "%d times, half a second apart; timed from the writer's `close()` to the moment all 3 renditions "
          "exist (polled every millisecond). Reference: `ikgen generateimages -q` over a tree holding just that "
          "file, cold (a process start, the config, one decode, 3 outputs)."
          % (latency["size"], latency["megapixels"], latency["bytes"], latency["runs"]))
        w("")
        w("| | median | max | runs |")
        w("|---|---|---|---|")
        w("| upload to renditions, `ikgen watch` | %s | %s | %s |" % (
            ms(latency["median_s"]), ms(latency["max_s"]), ", ".join(ms(x) for x in latency["latency_s"])))
        w("| one-file `ikgen generateimages` (reference) | %s | %s | %s |" % (
            ms(latency["reference_median_s"]), ms(max(latency["reference_s"])),
            ", ".join(ms(x) for x in latency["reference_s"])))
        w("")
        targets.append(("renditions of a 12-megapixel JPEG within 300 ms of its close (watch, median; max)",
                        "%s; max %s (%.2f× the one-file generateimages)" % (
                            ms(latency["median_s"]), ms(latency["max_s"]),
                            latency["median_s"] / latency["reference_median_s"]),
                        latency["max_s"] <= 0.3))
    if burst:
        n, outputs = burst["count"], burst["outputs_expected"]
        mib = lambda kib: "%.1f MiB" % (kib / 1024.0) if kib else "n/a"
        w("**Burst.** %d 320×240 JPEGs written by one writer as fast as it could, into %d new directories "
          "(%d outputs). The watcher's RSS was sampled every 50 ms. Afterwards `ikgen check` over the tree "
          "(exit %d: %s). Reference: `ikgen generateimages -q` over the same files from an empty cache."
          % (n, (n + 99) // 100, outputs, burst["check_exit"], burst["check_summary"].splitlines()[-1]
             if burst["check_summary"] else "no output"))
        w("")
        w("| | value |")
        w("|---|---|")
        w("| uploads written in | %.1f s |" % burst["written_s"])
        w("| all renditions present after | %.1f s (%d of %d) |" % (burst["done_s"], burst["outputs_done"], outputs))
        w("| throughput, watch | %.0f outputs/s |" % (burst["outputs_done"] / burst["done_s"]))
        w("| throughput, generateimages (reference) | %.0f outputs/s (%s s) |" % (
            outputs / burst["reference_median_s"], fmt_s(burst["reference_median_s"])))
        w("| kernel queue overflows reported (each followed by a rescan) | %d |" % burst["overflow_lines"])
        w("| watcher RSS: idle before / peak / at 25%%, 50%%, 75%%, 100%% of the outputs | %s / %s / %s |" % (
            mib(burst["idle_rss_kib"]), mib(burst["peak_rss_kib"]),
            ", ".join(mib(burst["rss_at_kib"][k]) for k in ("0.25", "0.5", "0.75", "1.0"))))
        w("")
        complete = burst["outputs_done"] >= outputs and burst["check_exit"] == 0
        targets.append(("a burst of %d uploads fully generated, no event lost" % n,
                        "%d of %d outputs, `ikgen check` exit %d" % (burst["outputs_done"], outputs, burst["check_exit"]),
                        complete))
        quarter, end = burst["rss_at_kib"].get("0.25"), burst["rss_at_kib"].get("1.0")
        if quarter and end:
            targets.append(("watcher memory flat over the burst (RSS at 100% within 1.25× of at 25%)",
                            "%s at 25%%, %s at 100%%, peak %s" % (mib(quarter), mib(end), mib(burst["peak_rss_kib"])),
                            end <= 1.25 * quarter))
    return targets


def read_tsv(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    rows.append(line.split("\t"))
    return rows


def cmd_report(args):
    meta = args.meta
    records = {}
    ncpu = os.cpu_count() or 1
    for section, tool, run, wall, rss, cpu, other in read_tsv(args.tsv):
        records.setdefault((section, tool), []).append(
            (int(run), float(wall), int(rss), float(cpu), float(other)))
    how = {(s, t): text for s, t, text in read_tsv(os.path.join(meta, "how.tsv"))}

    def stats(section, tool):
        rows = records.get((section, tool))
        if not rows:
            return None
        rows = sorted(rows)
        walls = [r[1] for r in rows]
        return {"median": statistics.median(walls), "walls": walls,
                "rss_mb": max(r[2] for r in rows) / 1024.0, "runs": len(rows),
                "cpu": statistics.median(r[3] for r in rows),
                # share of the machine's CPU capacity that other processes used over all of
                # the tool's runs; None when the runs are too short for 10 ms jiffies
                "other": (min(1.0, sum(r[4] for r in rows) / (sum(walls) * ncpu))
                          if sum(walls) >= 1.0 else None)}

    out = []
    w = out.append
    w("# ikgen benchmark results")
    w("")
    w("Written by `scripts/bench.sh%s` on %s; re-run it to refresh this file."
      % ((" " + args.args) if args.args else "", args.date))
    w("")
    w("## Machine")
    w("")
    for k, v in read_tsv(os.path.join(meta, "machine.tsv")):
        w("- %s: %s" % (k, v))
    w("")
    w("## Corpora")
    w("")
    for (line,) in read_tsv(os.path.join(meta, "corpora.tsv")):
        w("- " + line)
    w("")
    w("## Results")
    w("")
    w("Median wall-clock seconds over the runs. Every tool of a corpus runs the same number of "
      "times, interleaved: one run of each tool per round, the order rotated every round. "
      "*× ikgen* is the tool's median divided by ikgen's on the same corpus (above 1: slower than "
      "ikgen). Peak RSS is `/usr/bin/time -v`'s *Maximum resident set size*, the largest over the "
      "runs; for a command made of several processes it is the largest single process (GNU time "
      "reports the child's `ru_maxrss`, which covers its descendants one at a time, never their "
      "sum), so two processes in parallel use up to twice that. *CPU s* is the tool's user + "
      "system time (median). *others* is the share of the machine's CPU capacity that other "
      "processes used while the tool ran (from /proc/stat, over all its runs; – when the runs "
      "total under a second, too short for 10 ms accounting): anything above a few per cent means "
      "the machine was not quiet and the tool's times are inflated.")
    w("")
    shares = [stats(k[0], k[1])["other"] for k in records]
    shares = [x for x in shares if x is not None]
    if shares and max(shares) >= 0.10:
        w("**Warning: the machine was not quiet.** Other processes used %.0f–%.0f%% of its CPU "
          "capacity while the tools ran (column *others*), so every time below is inflated, the "
          "multi-core tools (ikgen, and vipsthumbnail and ImageMagick with two processes) the most. "
          "Re-run on an idle machine (`--wait-idle SECS` waits for one) before quoting these "
          "numbers." % (100 * min(shares), 100 * max(shares)))
        w("")
    if any(section != "s3" for section, _tool in records):
        w("| corpus | tool | median wall s | × ikgen | CPU s | peak RSS MiB | runs (wall s, in order) | others |")
        w("|---|---|---:|---:|---:|---:|---|---:|")
    for sec in SECTIONS:
        base = stats(sec["id"], sec["baseline"])
        for tool_id, label in sec["tools"]:
            s = stats(sec["id"], tool_id)
            if s is None:
                continue
            if tool_id == sec["baseline"]:
                ratio = "1"
            elif base and base["median"] > 0:
                ratio = "%.2f" % (s["median"] / base["median"])
            else:
                ratio = "n/a"
            w("| %s | %s | %s | %s | %s | %.0f | %s | %s |" % (
                sec["label"], label, fmt_s(s["median"]), ratio, fmt_s(s["cpu"]), s["rss_mb"],
                ", ".join(fmt_s(x) for x in s["walls"]),
                "–" if s["other"] is None else "%.0f%%" % (100 * s["other"])))
    w("")
    sizes = dict(read_tsv(os.path.join(meta, "noop_sizes.tsv")))
    if "noop-small" in sizes and "noop-large" in sizes:
        w("### No-op run against the number of sources")
        w("")
        w("Median wall and CPU seconds per 1,000 sources, and peak RSS, on the two scaling trees "
          "(same config, same layout, %d and %d sources): linear growth keeps the time per 1,000 "
          "sources flat, and memory that does not grow with the tree keeps the RSS flat."
          % (int(sizes["noop-small"]), int(sizes["noop-large"])))
        w("")
        w("| tool | sources | wall s per 1k sources | CPU s per 1k sources | peak RSS MiB |")
        w("|---|---:|---:|---:|---:|")
        for tool_id, label in SECTIONS[-1]["tools"]:
            for sec_id in ("noop-small", "noop-large"):
                s = stats(sec_id, tool_id)
                n = int(sizes[sec_id])
                if s is None:
                    continue
                w("| %s | %d | %.4f | %.4f | %.0f |" % (label, n, 1000 * s["median"] / n,
                                                       1000 * s["cpu"] / n, s["rss_mb"]))
        w("")
    s3_targets = s3_report(w, stats, meta) + watch_report(w, meta)
    w("## Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    for label, measured, met in s3_targets:
        if measured is None:
            w("| %s | not measured in this run | |" % label)
        else:
            w("| %s | %s | %s |" % (label, measured, "met" if met else "**missed**"))
    for label, section, tool, kind, other, limit in TARGETS:
        if not any(sec == section for sec, _tool in records):
            continue  # a corpus left out of this run (--only-s3, --skip-noop)
        a = stats(section, tool)
        b = stats(section, other) if other else None
        if a is None or (kind == "ratio" and b is None):
            w("| %s | not measured in this run | |" % label)
            continue
        if kind == "ratio":
            value = a["median"] / b["median"]
            measured = "%.3f× (%s s vs %s s)" % (value, fmt_s(a["median"]), fmt_s(b["median"]))
        else:
            value = a["rss_mb"] * 1048576 / 1e6
            measured = "%.1f MB (%.1f MiB)" % (value, a["rss_mb"])
        w("| %s | %s | %s |" % (label, measured, "met" if value <= limit else "**missed**"))
    w("")
    w("## How each tool was run")
    w("")
    for sec in SECTIONS:
        for tool_id, label in sec["tools"]:
            text = how.get((sec["id"], tool_id))
            if text and (sec["id"], tool_id) in records:
                w("- **%s**, %s: %s" % (label, sec["label"], text))
    for tool_id, label in S3_TOOLS:
        text = how.get(("s3", tool_id))
        if text and ("s3", tool_id) in records:
            w("- **%s**, S3: %s" % (label, text))
    for (line,) in read_tsv(os.path.join(meta, "notes.tsv")):
        w("- " + line)
    w("")
    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("work")
    c.add_argument("--min-width", type=int, default=4096)
    c.add_argument("--max-files", type=int, default=45)
    n = sub.add_parser("noop-tree")
    n.add_argument("dir")
    n.add_argument("--sources", type=int, default=100000)
    n.add_argument("--digits", type=int, default=4, help="digits of the directory numbers")
    n.add_argument("--link", action="store_true",
                   help="hard-link all but the first 100 sources to those")
    s = sub.add_parser("scales")
    s.add_argument("verbose_output")
    s.add_argument("root")
    r = sub.add_parser("report")
    r.add_argument("tsv")
    r.add_argument("meta", help="directory with machine.tsv, corpora.tsv, how.tsv, notes.tsv")
    r.add_argument("out")
    r.add_argument("--args", default="")
    r.add_argument("--date", required=True)
    args = p.parse_args()
    {"corpus": cmd_corpus, "noop-tree": cmd_noop_tree, "scales": cmd_scales,
     "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
