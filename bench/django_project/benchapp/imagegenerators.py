"""The benchmark's three specs and one source group, as a Django project would register them.

The sources are listed and opened through Django's default storage: the local directory of
benchsite.settings, or S3 through django-storages' S3Boto3Storage with benchsite.settings_s3
(listed with listdir, one request per directory and page, opened with storage.open, as an
ImageFieldFile would be).

Mirrors the specs scripts/bench.sh writes for ikgen:
  bench:fill100  ResizeToFill 100x100   JPEG quality 85
  bench:fit400   ResizeToFit 400x400    JPEG quality 85
  bench:fit1600  ResizeToFit 1600x1600  JPEG quality 85
"""
import atexit
import json
import os

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from imagekit import ImageSpec, register
from pilkit.processors import ResizeToFill, ResizeToFit


class Fill100(ImageSpec):
    processors = [ResizeToFill(100, 100)]
    format = "JPEG"
    options = {"quality": 85}


class Fit400(ImageSpec):
    processors = [ResizeToFit(400, 400)]
    format = "JPEG"
    options = {"quality": 85}


class Fit1600(ImageSpec):
    processors = [ResizeToFit(1600, 1600)]
    format = "JPEG"
    options = {"quality": 85}


class StorageSourceFile(File):
    """A source named relative to the storage root (as an ImageFieldFile is), opened lazily."""

    def __init__(self, name):
        super().__init__(None, name)

    def open(self, mode="rb"):
        if self.closed:
            if LOCAL:
                self.file = open(default_storage.path(self.name), mode)
            else:
                self.file = default_storage.open(self.name, mode)
        else:
            self.seek(0)
        return self


class DirectorySourceGroup:
    """Every image file under one directory of the storage root, in sorted order."""

    def __init__(self, directory, extensions):
        self.directory = directory
        self.extensions = extensions

    def files(self):
        names = self.local_names() if LOCAL else self.storage_names(self.directory)
        for name in sorted(names):
            yield StorageSourceFile(name.replace(os.sep, "/"))

    def local_names(self):
        base = default_storage.path(self.directory)
        for root, _dirs, files in os.walk(base):
            for filename in files:
                if filename.lower().endswith(self.extensions):
                    full = os.path.join(root, filename)
                    yield os.path.relpath(full, default_storage.path(""))

    def storage_names(self, directory):
        directories, files = default_storage.listdir(directory)
        for filename in files:
            if filename.lower().endswith(self.extensions):
                yield directory + "/" + filename
        for sub in directories:
            yield from self.storage_names(directory + "/" + sub)


def storage_is_local():
    try:
        default_storage.path("")
        return True
    except NotImplementedError:  # S3Boto3Storage has no local path
        return False


def count_boto_requests(path):
    """Counts the HTTP requests botocore sends, by operation (every attempt, retries too), and
    writes them as JSON to `path` when the process exits: a cross-check of the server's log.
    Django's default storage and imagekit's cache file storage are two S3Boto3Storage objects,
    each with a boto3 session of its own: the handler goes on every session they create."""
    from storages.backends.s3boto3 import S3Boto3Storage

    counts = {}

    def before_send(event_name, **_kwargs):
        operation = event_name.rsplit(".", 1)[-1]
        counts[operation] = counts.get(operation, 0) + 1

    create_session = S3Boto3Storage._create_session

    def counted_session(storage):
        session = create_session(storage)
        session.events.register("before-send.s3", before_send)
        return session

    S3Boto3Storage._create_session = counted_session

    def write():
        with open(path, "w") as out:
            json.dump(counts, out, sort_keys=True)

    atexit.register(write)


LOCAL = storage_is_local()
if not LOCAL and os.environ.get("IKBENCH_BOTO_COUNTS"):
    count_boto_requests(os.environ["IKBENCH_BOTO_COUNTS"])


SPECS = {"bench:fill100": Fill100, "bench:fit400": Fit400, "bench:fit1600": Fit1600}
photos = DirectorySourceGroup(settings.IKBENCH_SOURCE_DIR, settings.IKBENCH_EXTENSIONS)
for spec_id, spec in SPECS.items():
    register.generator(spec_id, spec)
    register.source_group(spec_id, photos)
