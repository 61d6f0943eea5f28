#!/usr/bin/python3
"""Helpers for the S3 section of scripts/bench.sh (Debian's /usr/bin/python3: PIL, boto3).

Every subcommand that talks to S3 reads the endpoint and the keys from the servers.env that
tests/servers/servers.py wrote (IKGEN_S3_ENDPOINT, IKGEN_S3_ACCESS_KEY, IKGEN_S3_SECRET_KEY,
IKGEN_S3_REGION).

Subcommands:
  corpus DIR --sources N
      Writes N deterministic 320x240 JPEG sources (quality 90) under DIR/photos/dNN/iNNN.jpg,
      100 per directory; reuses them while N is unchanged.
  upload ENV BUCKET PREFIX DIR [--threads T]
      PUTs every file under DIR to BUCKET as PREFIX + its path relative to DIR, T at a time.
  delete-prefix ENV BUCKET PREFIX
      Deletes every key under PREFIX (multi-object deletes of 1000); prints how many.
  list-count ENV BUCKET PREFIX
      Prints the number of keys under PREFIX and their total bytes.
  count LOG FROM TO BUCKET ROOT_PREFIX CACHE_DIR [--ikgen-stats FILE]... [--boto FILE]
        [--set KEY=N]...
      Counts radosgw's requests logged between two offsets of its log (from `servers.py
      log-mark`): one JSON object with the requests by kind (GET, PUT, HEAD, DELETE, POST, LIST,
      OTHER), those about outputs (keys or listings under ROOT_PREFIX + CACHE_DIR), the 4xx and
      5xx answers and the total; with the sum of ikgen's --stats lines ("storage calls: ...")
      in the given stderr files, botocore's counts (the JSON benchapp writes), and KEY=N pairs.
"""
import argparse
import concurrent.futures
import json
import os
import re
import sys
import urllib.parse

PER_DIR = 100
WIDTH, HEIGHT = 320, 240


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def s3_client(env_path, pool=10):
    import boto3
    from botocore.config import Config

    env = read_env(env_path)
    return boto3.client(
        "s3", endpoint_url=env["IKGEN_S3_ENDPOINT"], aws_access_key_id=env["IKGEN_S3_ACCESS_KEY"],
        aws_secret_access_key=env["IKGEN_S3_SECRET_KEY"], region_name=env["IKGEN_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=pool,
                      retries={"max_attempts": 5, "mode": "standard"}))


def source_names(n):
    digits = max(2, len(str((n - 1) // PER_DIR)))
    return ["photos/d%0*d/i%03d.jpg" % (digits, i // PER_DIR, i % PER_DIR) for i in range(n)]


def cmd_corpus(args):
    import random
    from io import BytesIO
    from PIL import Image

    stamp = os.path.join(args.dir, ".complete")
    wanted = "%d sources %dx%d v1\n" % (args.sources, WIDTH, HEIGHT)
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return
    import shutil
    shutil.rmtree(os.path.join(args.dir, "photos"), ignore_errors=True)
    for i, name in enumerate(source_names(args.sources)):
        # A photo-like picture: smooth colour blobs (random 16x12 pixels upscaled) over a
        # gradient, seeded by the index so that every run writes the same bytes.
        rng = random.Random(i)
        blobs = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3)).resize(
            (WIDTH, HEIGHT), Image.BICUBIC)
        gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).rotate(rng.randrange(360))
        image = Image.blend(blobs, Image.merge("RGB", (gradient,) * 3), 0.3)
        path = os.path.join(args.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        buf = BytesIO()
        image.save(buf, "JPEG", quality=90)
        with open(path, "wb") as out:
            out.write(buf.getvalue())
    with open(stamp, "w") as out:
        out.write(wanted)


def cmd_upload(args):
    client = s3_client(args.env, pool=args.threads)
    files = []
    for root, _dirs, names in os.walk(args.dir):
        for name in names:
            if not name.startswith("."):
                full = os.path.join(root, name)
                files.append((full, args.prefix + os.path.relpath(full, args.dir).replace(os.sep, "/")))

    def put(item):
        full, key = item
        with open(full, "rb") as body:
            client.put_object(Bucket=args.bucket, Key=key, Body=body, ContentType="image/jpeg")

    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        for _ in pool.map(put, sorted(files)):
            pass
    print("uploaded %d files to s3://%s/%s" % (len(files), args.bucket, args.prefix))


def list_keys(client, bucket, prefix):
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", ()):
            yield entry


def cmd_delete_prefix(args):
    client = s3_client(args.env)
    keys = [entry["Key"] for entry in list_keys(client, args.bucket, args.prefix)]
    for start in range(0, len(keys), 1000):
        batch = keys[start:start + 1000]
        answer = client.delete_objects(Bucket=args.bucket, Delete={
            "Objects": [{"Key": key} for key in batch], "Quiet": True})
        if answer.get("Errors"):
            sys.exit("s3_helper: deleting under %s failed: %s" % (args.prefix, answer["Errors"][:3]))
    print(len(keys))


def cmd_list_count(args):
    client = s3_client(args.env)
    count = size = 0
    for entry in list_keys(client, args.bucket, args.prefix):
        count += 1
        size += entry["Size"]
    print("%d %d" % (count, size))


# beast: 0x7f..: 127.0.0.1 - ikgen [02/Dec/2026:10:19:53.654 +0000] "GET /b1?list-type=2 HTTP/1.1" 200 231 ...
ACCESS_LINE = re.compile(rb' beast: 0x[0-9a-f]+: \S+ - \S+ \[[^\]]*\] "([A-Z]+) (\S+) HTTP/[0-9.]+" ([0-9]{3}) ')
LIST_PARAMETERS = {"list-type", "prefix", "delimiter", "marker", "continuation-token", "start-after",
                   "max-keys", "encoding-type", "fetch-owner"}
MARK_BUCKET = "ikgen-log-mark"  # servers.py log-mark's marker requests, never counted
KINDS = ["GET", "PUT", "HEAD", "DELETE", "POST", "LIST", "OTHER"]


def classify(method, target, bucket, cache_prefix):
    """(kind, about_outputs) of one path-style request."""
    path, _, query = target.partition("?")
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    parts = urllib.parse.unquote(path).lstrip("/").split("/", 1)
    key = parts[1] if len(parts) > 1 else ""
    if method == "GET" and not key and (not params or set(params) & LIST_PARAMETERS):
        prefix = params.get("prefix", "")
        # A listing is about outputs when it may return cache keys: its prefix covers the cache
        # directory or lies inside it; unless it asks for one key at most (a check that the
        # bucket and the root answer, as ikgen makes at open).
        covers = cache_prefix.startswith(prefix) and params.get("max-keys") not in ("0", "1")
        return "LIST", parts[0] == bucket and (covers or prefix.startswith(cache_prefix))
    about = parts[0] == bucket and key.startswith(cache_prefix)
    if method == "POST" and "delete" in params:
        return "DELETE", about
    return (method if method in KINDS else "OTHER"), about


def cmd_count(args):
    with open(args.log, "rb") as log:
        log.seek(args.start)
        text = log.read(max(0, args.end - args.start))
    cache_prefix = args.root_prefix + args.cache_dir.strip("/") + "/"
    counts = dict.fromkeys(KINDS, 0)
    outputs = dict.fromkeys(KINDS, 0)
    errors = {"4xx": 0, "5xx": 0}
    for match in ACCESS_LINE.finditer(text):
        method, target = match.group(1).decode(), match.group(2).decode("utf-8", "replace")
        status = int(match.group(3))
        if target.startswith("/%s/" % MARK_BUCKET):
            continue
        kind, about = classify(method, target, args.bucket, cache_prefix)
        counts[kind] += 1
        if about:
            outputs[kind] += 1
        if 400 <= status < 500:
            errors["4xx"] += 1
        elif status >= 500:
            errors["5xx"] += 1
    record = {"kinds": counts, "outputs": outputs, "errors": errors,
              "total": sum(counts.values()), "about_outputs": sum(outputs.values())}
    if args.ikgen_stats:
        record["ikgen_stats"] = ikgen_stats(args.ikgen_stats)
    if args.boto:
        with open(args.boto) as f:
            record["botocore"] = json.load(f)
    for pair in args.set:
        key, _, value = pair.partition("=")
        record[key] = int(value)
    print(json.dumps(record, sort_keys=True))


STATS_LINE = re.compile(r"^storage calls: (.*)$", re.M)


def ikgen_stats(paths):
    """Sums the counters of ikgen's --stats lines ("storage calls: 1 stat, 2 read, ...")."""
    total, found = {}, 0
    for path in paths:
        with open(path, errors="replace") as f:
            for match in STATS_LINE.finditer(f.read()):
                found += 1
                for item in match.group(1).split(","):
                    number, _, name = item.strip().partition(" ")
                    total[name] = total.get(name, 0) + int(number)
    if not found:
        sys.exit("s3_helper: no 'storage calls:' line (ikgen --stats) in %s" % " ".join(paths))
    return total


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("dir")
    c.add_argument("--sources", type=int, required=True)
    u = sub.add_parser("upload")
    for name in ("env", "bucket", "prefix", "dir"):
        u.add_argument(name)
    u.add_argument("--threads", type=int, default=16)
    d = sub.add_parser("delete-prefix")
    l = sub.add_parser("list-count")
    for q in (d, l):
        for name in ("env", "bucket", "prefix"):
            q.add_argument(name)
    n = sub.add_parser("count")
    n.add_argument("log")
    n.add_argument("start", type=int)
    n.add_argument("end", type=int)
    for name in ("bucket", "root_prefix", "cache_dir"):
        n.add_argument(name)
    n.add_argument("--ikgen-stats", action="append", default=[])
    n.add_argument("--boto")
    n.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    {"corpus": cmd_corpus, "upload": cmd_upload, "delete-prefix": cmd_delete_prefix,
     "list-count": cmd_list_count, "count": cmd_count}[args.cmd](args)


if __name__ == "__main__":
    main()
