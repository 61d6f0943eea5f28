"""The settings ikgen_django reads, with their defaults.

- ``IKGEN_PROJECT``: path of the ikgen project file. Default ``BASE_DIR / "ikgen.yaml"`` when the
  settings define ``BASE_DIR``, else ``ikgen.yaml`` in the current directory.
- ``IKGEN_BINARY``: path or name of the ``ikgen`` executable. Default ``"ikgen"`` (looked up on PATH).
- ``IKGEN_THUMBNAIL_SOURCES``: the image fields whose files the ``{% thumbnail 'WxH' %}`` sizes found
  in templates are pre-generated for, as ``"app_label.Model.field"`` strings. Default ``None``:
  every ``ImageField`` (and subclass) of every installed, concrete, non-proxy model.
- ``IKGEN_GENERATE``: what the cache file backend does with a file ikgen has not recorded:
  ``"now"`` (default; runs ``ikgen generate`` and waits), ``"deferred"`` (starts it in the
  background and returns at once; the file is falsy until it exists) or ``"never"`` (cron/CI
  generates everything; a missing file is only falsy).
- ``IKGEN_GENERATE_TIMEOUT``: seconds to wait for ``ikgen generate`` under ``"now"`` (default 60).
- ``IKGEN_STATE``: where ikgen keeps its state (``cache.state`` of the exported project): a SQLite
  file's path, or a ``postgresql://`` URL for a state that several machines share. Default
  ``None``: ikgen's default file, ``<storage root>/<IMAGEKIT_CACHEFILE_DIR>/.ikgen-state.sqlite``.
  The URL is written into the project and the sidecar, so it must not hold the password: libpq
  (ikgen) and psycopg2 (the backend) read it from ``~/.pgpass`` or ``PGPASSWORD``.
"""

import os
import shutil
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def project_path():
    value = getattr(settings, "IKGEN_PROJECT", None)
    if value:
        return os.path.abspath(os.fspath(value))
    base = getattr(settings, "BASE_DIR", None)
    return os.path.abspath(os.path.join(os.fspath(base) if base else os.getcwd(), "ikgen.yaml"))


def binary():
    value = os.fspath(getattr(settings, "IKGEN_BINARY", None) or "ikgen")
    found = value if os.sep in value else shutil.which(value)
    if not found or not os.access(found, os.X_OK):
        raise ImproperlyConfigured(
            "IKGEN_BINARY: %r is not an executable%s; build ikgen and set IKGEN_BINARY to its path"
            % (value, "" if os.sep in value else " on PATH"))
    return found


def generate_mode():
    value = getattr(settings, "IKGEN_GENERATE", "now")
    if value not in ("now", "deferred", "never"):
        raise ImproperlyConfigured('IKGEN_GENERATE must be "now", "deferred" or "never", got %r' % (value,))
    return value


def generate_timeout():
    return float(getattr(settings, "IKGEN_GENERATE_TIMEOUT", 60))


def thumbnail_sources():
    return getattr(settings, "IKGEN_THUMBNAIL_SOURCES", None)


def state():
    value = getattr(settings, "IKGEN_STATE", None)
    if not value:
        return None
    value = os.fspath(value)
    if value.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(value)
        if parts.password is not None or any(key == "password" for key, _ in parse_qsl(parts.query)):
            raise ImproperlyConfigured(
                "IKGEN_STATE: the URL holds a password, which the export would write into the ikgen project and "
                "ikgen-django.json; remove it, and give it to each machine that runs ikgen or Django in ~/.pgpass "
                "(or PGPASSWORD)")
        return value
    return os.path.abspath(value)
