"""A small django-imagekit site made by tests/django/run_sample_site.py (paths from the environment)."""
import os
from pathlib import Path

BASE_DIR = Path(os.environ["SAMPLE_SITE_ROOT"])
SECRET_KEY = "sample-site"
DEBUG = True
USE_TZ = True
ROOT_URLCONF = "sitecfg.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "imagekit", "ikgen_django", "shop"]
if os.environ.get("SAMPLE_SITE_EMPTY"):
    INSTALLED_APPS = ["django.contrib.contenttypes", "imagekit", "ikgen_django"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}}
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
}]
MEDIA_ROOT = str(BASE_DIR / "media")
MEDIA_URL = "/media/"
DEFAULT_FILE_STORAGE = os.environ.get("SAMPLE_SITE_STORAGE", "sitecfg.storage.CountingStorage")
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = os.environ.get("SAMPLE_SITE_BACKEND", "ikgen_django.backends.IkgenCacheFileBackend")
IMAGEKIT_SPEC_CACHEFILE_NAMER = os.environ.get("SAMPLE_SITE_NAMER", "imagekit.cachefiles.namers.source_name_as_path")
if os.environ.get("SAMPLE_SITE_IKGEN"):
    IKGEN_BINARY = os.environ["SAMPLE_SITE_IKGEN"]  # else the default: "ikgen" on PATH
IKGEN_GENERATE = os.environ.get("SAMPLE_SITE_GENERATE", "now")
# IKGEN_PROJECT defaults to BASE_DIR / "ikgen.yaml"; IKGEN_THUMBNAIL_SOURCES to every ImageField.
