"""Minimal Django settings for timing django-imagekit's `generateimages` in scripts/bench.sh.

No database, no models: the sources come from a directory source group registered in
benchapp/imagegenerators.py (imagekit autodiscovers that module in INSTALLED_APPS).

Environment:
  IKBENCH_MEDIA_ROOT  storage root (the corpus copy); cache files go to CACHE/images under it
  IKBENCH_SOURCE_DIR  directory under the root holding the sources (default "photos")
"""
import os

SECRET_KEY = "ikgen-bench-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = []
DATABASES = {}
INSTALLED_APPS = ["imagekit", "benchapp"]

MEDIA_ROOT = os.environ.get("IKBENCH_MEDIA_ROOT", "")  # settings_s3 needs none
MEDIA_URL = "/media/"
IMAGEKIT_CACHEFILE_DIR = "CACHE/images"
# django-imagekit's defaults, spelled out: source_name_as_path names, Simple backend,
# JustInTime strategy, Django's default (local-memory) cache.
IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.source_name_as_path"
IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "imagekit.cachefiles.backends.Simple"
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.JustInTime"

IKBENCH_SOURCE_DIR = os.environ.get("IKBENCH_SOURCE_DIR", "photos")
IKBENCH_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
