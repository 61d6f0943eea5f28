"""Read-only access to ikgen's state store and to the export's sidecar file.

The state store is where ikgen's ``cache.state`` says (``open_state_store``):
- ikgen's SQLite file (README "What ikgen remembers"): table ``cache_files(generator, source,
  cache_name, ..., width, height, bytes, generated_at, row_check, etag)`` with primary key
  (source, generator). It is opened with ``file:...?mode=ro``: Django never writes it, and never
  creates it (a missing file means "nothing generated yet").
- a PostgreSQL database (``postgresql://...``, several machines sharing one state): table
  ``ikgen_cache_files`` with the same columns as bytea and integers. It is read with
  psycopg2 (Debian's python3-psycopg2) in read-only sessions; a database without the table
  means "nothing generated yet". The password comes from ``~/.pgpass`` or ``PGPASSWORD``
  (libpq's rules), never from the sidecar.

The sidecar ``ikgen-django.json`` is written by ``ikgen_export`` beside the project: the state
file's path and, for each exported spec, the md5 of imagekit's pickle of
``[processors, format, options, autoconvert]`` -> the ikgen spec id. It is how a request finds
which ikgen spec renders an ``ImageCacheFile``'s generator (imagekit does not keep the id).
"""

import json
import logging
import os
import sqlite3
import threading
import time
from urllib.parse import quote, urlsplit, urlunsplit

logger = logging.getLogger("ikgen_django")


class Sidecar:
    """The export's sidecar, re-read when the file changes (checked at most every 2 s)."""

    def __init__(self, project_path):
        self.path = os.path.join(os.path.dirname(project_path), "ikgen-django.json")
        self.data = None
        self.mtime = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def get(self):
        now = time.monotonic()
        with self.lock:
            if self.data is not None and now - self.checked < 2.0:
                return self.data
            self.checked = now
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                if self.data is None:
                    logger.warning("ikgen_django: %s does not exist; run `manage.py ikgen_export` (the cache file "
                                   "backend leaves every file to imagekit until then)", self.path)
                self.data = {"specs": {}, "state": None}
                return self.data
            if mtime != self.mtime:
                with open(self.path, encoding="utf-8") as handle:
                    self.data = json.load(handle)
                self.mtime = mtime
            return self.data


def is_postgres_url(location):
    return location.startswith(("postgresql://", "postgres://"))


def open_state_store(location):
    """The reader of ikgen's state at ``location``: a ``postgresql://`` URL, else the SQLite file's path."""
    return PostgresStateStore(location) if is_postgres_url(location) else StateStore(location)


class StateStore:
    """Looks up (source, cache file) records in the SQLite file; one read-only connection per thread."""

    def __init__(self, path):
        self.path = path
        self.local = threading.local()
        self.warned = False

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            uri = "file:%s?mode=ro" % quote(os.path.abspath(self.path))
            try:
                connection = sqlite3.connect(uri, uri=True, timeout=5.0, check_same_thread=False)
                connection.execute("PRAGMA query_only = 1")
            except sqlite3.OperationalError:
                return None  # no state file yet: nothing recorded
            self.local.connection = connection
        return connection

    def lookup(self, source, cache_name):
        """(width, height) of the recorded cache file, or None when ikgen has no record of it."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            # Django's FileSystemStorage stores and serves a name's "\\" as "/"; ikgen may record
            # either spelling of such a name.
            row = connection.execute(
                "SELECT width, height FROM cache_files WHERE source = ? AND cache_name IN (?, ?) LIMIT 1",
                (source, cache_name, cache_name.replace("\\", "/"))).fetchone()
        except sqlite3.DatabaseError as error:
            if not self.warned:
                logger.warning("ikgen_django: cannot read ikgen's state store %s (%s); treating every file as "
                               "not generated", self.path, error)
                self.warned = True
            self.local.connection = None
            return None
        return (row[0], row[1]) if row else None


def _without_password(url):
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", "@", 1)))


class PostgresStateStore:
    """Looks up (source, cache file) records in a PostgreSQL state; one read-only connection per thread."""

    retry_after = 10.0  # seconds without asking a server that failed: a request must not wait for each file

    def __init__(self, url):
        self.url = url
        self.local = threading.local()
        self.warned = False
        self.failed_at = None

    def _warn(self, problem):
        if not self.warned:
            logger.warning("ikgen_django: cannot read ikgen's state store %s (%s); treating every file as not "
                           "generated", _without_password(self.url), problem)
            self.warned = True

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None or connection.closed:
            import psycopg2

            connection = psycopg2.connect(self.url, connect_timeout=5, application_name="ikgen_django")
            connection.set_session(readonly=True, autocommit=True)
            self.local.connection = connection
        return connection

    def lookup(self, source, cache_name):
        """(width, height) of the recorded cache file, or None when ikgen has no record of it."""
        try:
            import psycopg2
        except ImportError:
            self._warn("psycopg2 is missing: install python3-psycopg2")
            return None
        if self.failed_at is not None and time.monotonic() - self.failed_at < self.retry_after:
            return None
        # ikgen keeps names as bytes: a name Python decoded with surrogateescape gets its bytes back.
        def raw(name):
            return name.encode("utf-8", "surrogateescape")

        try:
            with self._connection().cursor() as cursor:
                cursor.execute(
                    "SELECT width, height FROM ikgen_cache_files WHERE source = %s AND cache_name IN (%s, %s) LIMIT 1",
                    (raw(source), raw(cache_name), raw(cache_name.replace("\\", "/"))))
                row = cursor.fetchone()
            self.failed_at = None
        except psycopg2.Error as error:
            if getattr(error, "pgcode", None) == "42P01":  # undefined_table: ikgen has not run yet
                return None
            self._warn(" ".join(str(error).split()))
            self.failed_at = time.monotonic()
            connection = getattr(self.local, "connection", None)
            if connection is not None:
                connection.close()  # a new connection at the next lookup (the server may be back)
            self.local.connection = None
            return None
        return (row[0], row[1]) if row else None
