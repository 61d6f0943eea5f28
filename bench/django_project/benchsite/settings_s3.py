"""benchsite.settings with the media on S3: django-storages' S3Boto3Storage for both Django's
default storage and django-imagekit's cache files, for the S3 section of scripts/bench.sh.

Like the local settings: JustInTime strategy, Simple backend, and Django's default local-memory
cache, so nothing is shared between runs (a cron job's fresh process).

Environment:
  IKBENCH_S3_ENDPOINT   the S3 endpoint, e.g. http://127.0.0.1:8000 (path-style addressing)
  IKBENCH_S3_BUCKET     the bucket
  IKBENCH_S3_LOCATION   the prefix every name is under (default "media")
  IKBENCH_S3_REGION     the region of the SigV4 signatures (default us-east-1)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the keys
  IKBENCH_BOTO_COUNTS   if set, a file that gets botocore's requests by operation at exit
"""
from .settings import *  # noqa: F401,F403
from .settings import os

DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
IMAGEKIT_DEFAULT_FILE_STORAGE = DEFAULT_FILE_STORAGE

AWS_S3_ENDPOINT_URL = os.environ["IKBENCH_S3_ENDPOINT"]
AWS_STORAGE_BUCKET_NAME = os.environ["IKBENCH_S3_BUCKET"]
AWS_LOCATION = os.environ.get("IKBENCH_S3_LOCATION", "media")
AWS_S3_REGION_NAME = os.environ.get("IKBENCH_S3_REGION", "us-east-1")
AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]
AWS_S3_ADDRESSING_STYLE = "path"
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None  # the bucket's own policy; no ACL header on each PUT
