#!/usr/bin/python3
"""Puts, lists and deletes objects for the S3 end-to-end tests, with boto3 (Debian's
python3-boto3): a client independent of ikgen's own, so the tests check ikgen against what
another S3 client sees.

    s3_objects.py ENV_FILE put-tree BUCKET PREFIX DIR    upload every file under DIR to PREFIX/<relative name>
    s3_objects.py ENV_FILE list BUCKET PREFIX            print "key<TAB>size" for every key under PREFIX
    s3_objects.py ENV_FILE head BUCKET KEY               print ContentType and CacheControl
    s3_objects.py ENV_FILE delete BUCKET KEY...          delete keys
"""

import concurrent.futures
import os
import sys


def client(env_file):
    import boto3
    from botocore.config import Config

    env = {}
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
    return boto3.client(
        "s3", endpoint_url=env["IKGEN_S3_ENDPOINT"], aws_access_key_id=env["IKGEN_S3_ACCESS_KEY"],
        aws_secret_access_key=env["IKGEN_S3_SECRET_KEY"], region_name=env["IKGEN_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16, retries={"max_attempts": 5}))


def put_tree(s3, bucket, prefix, directory):
    files = []
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            files.append((path, prefix + os.path.relpath(path, directory).replace(os.sep, "/")))

    def put(item):
        path, key = item
        with open(path, "rb") as handle:
            s3.put_object(Bucket=bucket, Key=key, Body=handle.read())

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(put, files))
    print(len(files))


def list_keys(s3, bucket, prefix):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            sys.stdout.buffer.write(item["Key"].encode("utf-8") + b"\t" + str(item["Size"]).encode() + b"\n")


def main():
    env_file, command, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
    s3 = client(env_file)
    if command == "put-tree":
        put_tree(s3, bucket, sys.argv[4], sys.argv[5])
    elif command == "list":
        list_keys(s3, bucket, sys.argv[4])
    elif command == "head":
        answer = s3.head_object(Bucket=bucket, Key=sys.argv[4])
        print(answer.get("ContentType", ""))
        print(answer.get("CacheControl", ""))
    elif command == "delete":
        for key in sys.argv[4:]:
            s3.delete_object(Bucket=bucket, Key=key)
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
