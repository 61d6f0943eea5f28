#!/usr/bin/python3
"""Measures `ikgen watch` (issue 12's targets) and prints a markdown section on stdout.

    /usr/bin/python3 bench/watch_bench.py --ikgen build/ikgen --work DIR [--latency-runs 5] [--burst 10000]

- latency: a 12-megapixel JPEG (4000x3000, quality 92, made with PIL) is written into the
  watched tree (open, write, close), --latency-runs times; measured from its close() to the
  moment its three renditions exist under their final names (polled every millisecond).
- burst: --burst small JPEGs (64x48), written beforehand outside the tree on the same file
  system, are renamed into it (100 per directory) as fast as Python can; measured from the
  first rename until watch's batch lines add up to every rendition, then every file counted.
  Watch's resident memory is sampled every 100 ms (VmRSS) before, during and after the burst,
  and its stderr is checked for lost events (an overflow of the kernel's queue).
- reference: a cold `ikgen generateimages -q` of the same burst tree (outputs and state removed).

Specs: scripts/bench.sh's three (ResizeToFill 100x100, ResizeToFit 400x400 and 1600x1600, JPEG
quality 85), with `upscale: false` as in its no-op tree, so that a small upload makes small
renditions (pilkit's default would blow a 64x48 source up to 1600x1200). Progress goes to
stderr. Uses Debian's python3-pil.
"""

import argparse
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

from PIL import Image, ImageFilter

START = time.monotonic()

SPECS = """storage: {root: "%s"}
cache: {dir: CACHE/images}
specs:
  - id: "bench:fill100"
    processors: [{ResizeToFill: {width: 100, height: 100, upscale: false}}]
    format: JPEG
    options: {quality: 85}
  - id: "bench:fit400"
    processors: [{ResizeToFit: {width: 400, height: 400, upscale: false}}]
    format: JPEG
    options: {quality: 85}
  - id: "bench:fit1600"
    processors: [{ResizeToFit: {width: 1600, height: 1600, upscale: false}}]
    format: JPEG
    options: {quality: 85}
source_groups:
  - id: photos
    specs: ["bench"]
    include: ["photos/**/*.jpg"]
"""


def say(text):
    print("watch_bench: %s (at %.1f s)" % (text, time.monotonic() - START), file=sys.stderr, flush=True)


def photo_jpeg(width, height, quality):
    """A photo-like JPEG: smooth colour gradients with grain, so it compresses as photos do."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.effect_noise((width, height), 40).filter(ImageFilter.GaussianBlur(2))
    image = Image.merge("RGB", (red, green, blue))
    grain = Image.effect_noise((width, height), 12).convert("RGB")
    image = Image.blend(image, grain, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def renditions_done(directory):
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0
    return sum(1 for name in names if not name.startswith(".ikgen-tmp-"))


def rss_kib(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Watch:
    def __init__(self, ikgen, config, work):
        self.out_path = os.path.join(work, "watch.out")
        self.err_path = os.path.join(work, "watch.err")
        self.process = subprocess.Popen([ikgen, "watch", "-c", config], stdout=open(self.out_path, "w"),
                                        stderr=open(self.err_path, "w"))
        deadline = time.monotonic() + 120
        while "watching " not in self.out():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("watch_bench: ikgen watch did not start: " + self.err())
            time.sleep(0.05)

    def out(self):
        with open(self.out_path) as f:
            return f.read()

    def err(self):
        with open(self.err_path) as f:
            return f.read()

    def generated(self):
        """Renditions that watch's batch lines report, after its start."""
        text = self.out()
        text = text[text.find("watching "):]
        return sum(int(n) for n in re.findall(r"^generated (\d+), removed", text, re.M))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ikgen", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--latency-runs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=10000)
    args = parser.parse_args()
    ikgen = os.path.abspath(args.ikgen)
    work = os.path.join(os.path.abspath(args.work), "watch")
    shutil.rmtree(work, ignore_errors=True)
    media = os.path.join(work, "media")
    staging = os.path.join(work, "staging")
    os.makedirs(os.path.join(media, "photos"))
    os.makedirs(staging)
    config = os.path.join(work, "watch.yaml")
    with open(config, "w") as f:
        f.write(SPECS % media)

    say("making a 12-megapixel JPEG and %d small ones" % args.burst)
    big = photo_jpeg(4000, 3000, 92)
    small = photo_jpeg(64, 48, 90)
    for i in range(args.burst):
        with open(os.path.join(staging, "b%05d.jpg" % i), "wb") as f:
            f.write(small)
    for d in range((args.burst + 99) // 100):
        os.makedirs(os.path.join(media, "photos", "burst", "d%03d" % d))

    watch = Watch(ikgen, config, work)
    load_before = open("/proc/loadavg").read().split()[:3]

    say("latency: %d runs" % args.latency_runs)
    latencies = []
    for run in range(args.latency_runs):
        source = os.path.join(media, "photos", "big%d.jpg" % run)
        with open(source, "wb") as f:
            f.write(big)
        closed = time.monotonic()
        target = os.path.join(media, "CACHE", "images", "photos", "big%d" % run)
        while renditions_done(target) < 3:
            if time.monotonic() - closed > 60:
                raise SystemExit("watch_bench: the renditions of %s did not come within 60 s" % source)
            time.sleep(0.001)
        latencies.append((time.monotonic() - closed) * 1000)
        time.sleep(0.3)

    say("burst: %d sources" % args.burst)
    time.sleep(1)
    before_burst = watch.generated()
    rss_before = rss_kib(watch.process.pid)
    rss_samples = [rss_before]
    started = time.monotonic()
    next_sample = started
    for i in range(args.burst):
        os.rename(os.path.join(staging, "b%05d.jpg" % i),
                  os.path.join(media, "photos", "burst", "d%03d" % (i // 100), "b%05d.jpg" % i))
        if time.monotonic() >= next_sample:
            rss_samples.append(rss_kib(watch.process.pid))
            next_sample += 0.1
    renamed = time.monotonic() - started
    expected = 3 * args.burst
    while watch.generated() - before_burst < expected:
        if time.monotonic() - started > 3600:
            raise SystemExit("watch_bench: the burst was not done within an hour")
        rss_samples.append(rss_kib(watch.process.pid))
        time.sleep(0.1)
    burst_seconds = time.monotonic() - started
    time.sleep(1)
    rss_after = rss_kib(watch.process.pid)
    hwm = rss_kib(watch.process.pid, "VmHWM")
    status = watch.stop()
    on_disk = sum(len(files) for _, _, files in os.walk(os.path.join(media, "CACHE", "images", "photos", "burst")))
    lost = "overflowed" in watch.err()

    say("reference: a cold generateimages of the burst tree")
    shutil.rmtree(os.path.join(media, "CACHE"))
    for run in range(args.latency_runs):
        os.remove(os.path.join(media, "photos", "big%d.jpg" % run))
    began = time.monotonic()
    subprocess.run([ikgen, "generateimages", "-q", "-c", config], check=True, stdout=subprocess.DEVNULL)
    cold = time.monotonic() - began
    load_after = open("/proc/loadavg").read().split()[:3]

    mib = lambda kib: kib / 1024
    w = print
    w("## `ikgen watch`")
    w()
    w("Measured by `bench/watch_bench.py` (run by `scripts/bench.sh`) on %s, %d CPUs, load average %s before, "
      "%s after. Specs: the three above with `upscale: false` (3 outputs per source)." % (
          time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.cpu_count(), " ".join(load_before),
          " ".join(load_after)))
    w()
    w("| | result | target |")
    w("|---|---|---|")
    w("| latency: a 12-megapixel JPEG (4000×3000, quality 92, %.1f MB) written into the tree; from its `close()` "
      "to its 3 renditions, %d runs (the default 100 ms debounce included) | median %.0f ms (%s) | 300 ms |" % (
          len(big) / 1e6, len(latencies), statistics.median(latencies), ", ".join("%.0f" % x for x in latencies)))
    w("| burst: %d 64×48 JPEGs renamed into 100 directories in %.2f s | all %d renditions after %.2f s; %d files "
      "on disk; %s | every one, no event lost |" % (
          args.burst, renamed, expected, burst_seconds, on_disk,
          "**events lost (queue overflow)**" if lost else "no overflow"))
    w("| the same tree, cold `ikgen generateimages -q` | %.2f s | (reference) |" % cold)
    w("| watch's resident memory | %.1f MiB before the burst, at most %.1f MiB during it, %.1f MiB after; "
      "peak %.1f MiB (VmHWM) | flat |" % (mib(rss_before), mib(max(rss_samples)), mib(rss_after), mib(hwm)))
    w()
    w("`ikgen watch` exited %d on SIGTERM." % status)
    if status != 143 or lost or on_disk != expected:
        sys.exit(1)


if __name__ == "__main__":
    main()
