#!/usr/bin/python3
"""The watch section of scripts/bench.sh (Debian's /usr/bin/python3 and PIL).

Subcommands:
  big-jpeg OUT [--width W --height H]
      Writes a W x H (default 4000 x 3000, 12 megapixels) JPEG, quality 92, cut from the largest
      wallpaper of Debian's gnome-backgrounds / plasma-workspace-wallpapers.
  latency --ikgen BIN --config YAML --root DIR --mirror-config YAML --mirror-root DIR
          --big FILE --runs N --out JSON
      Starts `ikgen watch` on the (empty) tree, then N times writes FILE under a new name into it
      and measures from the writer's close() to the moment every rendition of that name exists
      (polled every millisecond). The renditions' names come from `ikgen check --json` over a
      mirror tree that holds the same names. The reference: `ikgen generateimages` over a tree
      holding just that one file (cold), N times.
  burst --ikgen BIN --config YAML --root DIR --corpus DIR --count N --out JSON
      Starts `ikgen watch` on the (empty) tree and copies N small JPEGs from the corpus into it
      as fast as one writer can (new directories included), while sampling the watcher's RSS
      every 50 ms; waits until watch's batch lines add up to 3 N renditions (a walk of the
      cache every 100 ms would take CPU from the watcher), counts them on disk, stops the watcher with SIGTERM, checks
      with `ikgen check` that nothing is missing, then times `ikgen generateimages` over the same
      tree from an empty cache as the reference.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

SPECS_PER_SOURCE = 3


def cache_dir(root):
    return os.path.join(root, "CACHE")


def reset_outputs(root):
    """An empty cache directory, which holds the state file too (the default cache.state)."""
    shutil.rmtree(cache_dir(root), ignore_errors=True)


def cmd_big_jpeg(args):
    from PIL import Image

    candidates = []
    for top in ("/usr/share/backgrounds", "/usr/share/wallpapers"):
        for dirpath, _dirs, files in os.walk(top):
            for name in files:
                if name.lower().endswith((".jpg", ".jpeg", ".png", ".webp")):
                    path = os.path.join(dirpath, name)
                    try:
                        with Image.open(path) as im:
                            candidates.append((im.width * im.height, path))
                    except OSError:
                        continue
    if not candidates:
        sys.exit("watch_helper: no wallpaper found (install gnome-backgrounds or plasma-workspace-wallpapers)")
    _area, path = max(candidates)
    with Image.open(path) as im:
        im = im.convert("RGB")
        scale = max(args.width / im.width, args.height / im.height)
        im = im.resize((max(args.width, round(im.width * scale)), max(args.height, round(im.height * scale))),
                       Image.LANCZOS)
        left, top = (im.width - args.width) // 2, (im.height - args.height) // 2
        im.crop((left, top, left + args.width, top + args.height)).save(args.out, "JPEG", quality=92)
    print("%s: %dx%d from %s" % (args.out, args.width, args.height, path))


class Watcher:
    """`ikgen watch` in the background, its output collected; ready once it says it is watching."""

    def __init__(self, ikgen, config, log_prefix):
        self.out = open(log_prefix + ".out", "w")
        self.err_path = log_prefix + ".err"
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([ikgen, "watch", "-c", config], stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit("watch_helper: ikgen watch exited with %d: %s" % (self.proc.returncode, self.stderr()))
            if "watching" in self.stderr() or "watching" in open(self.out.name).read():
                return
            time.sleep(0.05)
        sys.exit("watch_helper: ikgen watch did not say it was watching within %d s" % timeout)

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.out.close()
        self.err.close()
        return status


def rendition_names(ikgen, mirror_config, mirror_root, names):
    """Source name -> the paths (relative to the storage root) of its renditions."""
    run = subprocess.run([ikgen, "check", "--json", "-c", mirror_config], capture_output=True, text=True)
    found = {}
    for line in run.stdout.splitlines():
        item = json.loads(line)
        found.setdefault(item["source"], []).append(item["file"])
    missing = [n for n in names if len(found.get(n, [])) != SPECS_PER_SOURCE]
    if missing:
        sys.exit("watch_helper: `ikgen check --json` over the mirror gave no %d renditions for %s: %s" %
                 (SPECS_PER_SOURCE, missing[0], run.stderr))
    return found


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def cmd_latency(args):
    with open(args.big, "rb") as f:
        data = f.read()
    names = ["photos/big/upload%03d.jpg" % i for i in range(args.runs)]
    shutil.rmtree(os.path.join(args.mirror_root, "photos"), ignore_errors=True)
    for name in names:
        write_file(os.path.join(args.mirror_root, name), data)
    expected = rendition_names(args.ikgen, args.mirror_config, args.mirror_root, names)

    # The reference: one file, one cold generateimages (the least work: decode it once, write 3).
    one = os.path.join(args.mirror_root, "photos")
    shutil.rmtree(one)
    write_file(os.path.join(args.mirror_root, names[0]), data)
    reference = []
    for _ in range(args.runs):
        reset_outputs(args.mirror_root)
        t0 = time.monotonic()
        subprocess.run([args.ikgen, "generateimages", "-q", "-c", args.mirror_config], check=True,
                       stdout=subprocess.DEVNULL)
        reference.append(time.monotonic() - t0)

    shutil.rmtree(os.path.join(args.root, "photos"), ignore_errors=True)
    reset_outputs(args.root)
    os.makedirs(os.path.join(args.root, "photos", "big"))
    watcher = Watcher(args.ikgen, args.config, os.path.join(args.work, "watch-latency"))
    latencies = []
    try:
        watcher.wait_ready()
        for name in names:
            time.sleep(0.5)  # an idle watcher, as between two uploads
            targets = [os.path.join(args.root, f) for f in expected[name]]
            write_file(os.path.join(args.root, name), data)
            t0 = time.monotonic()  # the writer has closed the file
            deadline = t0 + 60
            while not all(os.path.exists(t) for t in targets):
                if time.monotonic() > deadline:
                    sys.exit("watch_helper: the renditions of %s did not appear within 60 s: %s" %
                             (name, watcher.stderr()[-2000:]))
                time.sleep(0.001)
            latencies.append(time.monotonic() - t0)
    finally:
        status = watcher.stop()
    result = {"runs": args.runs, "latency_s": latencies, "median_s": statistics.median(latencies),
              "max_s": max(latencies), "reference_s": reference, "reference_median_s": statistics.median(reference),
              "watch_exit": status, "megapixels": None}
    from PIL import Image
    with Image.open(args.big) as im:
        result["megapixels"] = round(im.width * im.height / 1e6, 1)
        result["size"] = "%dx%d" % (im.width, im.height)
    result["bytes"] = len(data)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))


BATCH_LINE = re.compile(r"^(?:full pass \([^)]*\): )?generated (\d+), ", re.M)


def generated_so_far(out_path):
    """The outputs watch's batch lines report as generated (cheap to poll, unlike a walk)."""
    with open(out_path, errors="replace") as f:
        return sum(int(n) for n in BATCH_LINE.findall(f.read()))


def count_renditions(top):
    n = 0
    for _dirpath, _dirs, files in os.walk(top):
        n += sum(1 for name in files if name.endswith(".jpg"))
    return n


def cmd_burst(args):
    corpus = sorted(glob.glob(os.path.join(args.corpus, "photos", "d*", "*.jpg")))
    if len(corpus) < args.count:
        sys.exit("watch_helper: the corpus has %d files, fewer than %d" % (len(corpus), args.count))
    corpus = corpus[:args.count]
    blobs = {}
    for path in corpus:
        with open(path, "rb") as f:
            blobs[path] = f.read()
    shutil.rmtree(os.path.join(args.root, "photos"), ignore_errors=True)
    reset_outputs(args.root)
    os.makedirs(os.path.join(args.root, "photos"))
    expected = SPECS_PER_SOURCE * args.count

    watcher = Watcher(args.ikgen, args.config, os.path.join(args.work, "watch-burst"))
    samples = []  # (seconds since the burst began, RSS KiB, renditions done)
    done = [0]
    stop_sampling = threading.Event()

    def sample():
        while not stop_sampling.is_set():
            samples.append((time.monotonic() - t_start, watcher.rss_kib(), done[0]))
            time.sleep(0.05)

    try:
        watcher.wait_ready()
        time.sleep(0.5)
        idle_rss = watcher.rss_kib()
        t_start = time.monotonic()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for path in corpus:
            write_file(os.path.join(args.root, os.path.relpath(path, args.corpus)), blobs[path])
        t_written = time.monotonic() - t_start
        deadline = time.monotonic() + args.timeout
        last_change, last = time.monotonic(), -1
        while True:
            done[0] = generated_so_far(watcher.out.name)
            if done[0] >= expected:
                break
            now = time.monotonic()
            if done[0] != last:
                last, last_change = done[0], now
            if now > deadline or now - last_change > 60:
                break
            time.sleep(0.1)
        t_done = time.monotonic() - t_start
        stop_sampling.set()
        sampler.join()
        samples.append((t_done, watcher.rss_kib(), done[0]))
    finally:
        status = watcher.stop()
    done[0] = count_renditions(cache_dir(args.root))  # what is on disk, not what watch said
    err = watcher.stderr()
    overflow = sum(1 for line in err.splitlines() if "overflow" in line.lower())
    check = subprocess.run([args.ikgen, "check", "-c", args.config], capture_output=True, text=True)

    reference = []
    for _ in range(args.runs):
        reset_outputs(args.root)
        t0 = time.monotonic()
        subprocess.run([args.ikgen, "generateimages", "-q", "-c", args.config], check=True, stdout=subprocess.DEVNULL)
        reference.append(time.monotonic() - t0)

    def rss_at(fraction):
        for t, rss, n in samples:
            if n >= fraction * expected:
                return rss
        return None

    result = {"count": args.count, "outputs_expected": expected, "outputs_done": done[0],
              "written_s": t_written, "done_s": t_done, "watch_exit": status,
              "overflow_lines": overflow, "check_exit": check.returncode, "check_summary": check.stdout.strip()[-300:],
              "idle_rss_kib": idle_rss, "peak_rss_kib": max((s[1] for s in samples), default=0),
              "rss_at_kib": {str(f): rss_at(f) for f in (0.25, 0.5, 0.75, 1.0)},
              "reference_s": reference, "reference_median_s": statistics.median(reference)}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
    if done[0] < expected or check.returncode != 0:
        sys.exit("watch_helper: the burst left %d of %d renditions (ikgen check exit %d): events lost" %
                 (expected - done[0], expected, check.returncode))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("big-jpeg")
    p.add_argument("out")
    p.add_argument("--width", type=int, default=4000)
    p.add_argument("--height", type=int, default=3000)
    p.set_defaults(func=cmd_big_jpeg)
    for name, func in (("latency", cmd_latency), ("burst", cmd_burst)):
        p = sub.add_parser(name)
        p.add_argument("--ikgen", required=True)
        p.add_argument("--config", required=True)
        p.add_argument("--root", required=True)
        p.add_argument("--work", required=True)
        p.add_argument("--runs", type=int, default=5)
        p.add_argument("--out", required=True)
        p.set_defaults(func=func)
        if name == "latency":
            p.add_argument("--mirror-config", required=True)
            p.add_argument("--mirror-root", required=True)
            p.add_argument("--big", required=True)
        else:
            p.add_argument("--corpus", required=True)
            p.add_argument("--count", type=int, default=10000)
            p.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
