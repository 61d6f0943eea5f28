"""The benchmark's three specs and one source group, as a Django project would register them.

Mirrors the specs scripts/bench.sh writes for ikgen:
  bench:fill100  ResizeToFill 100x100   JPEG quality 85
  bench:fit400   ResizeToFit 400x400    JPEG quality 85
  bench:fit1600  ResizeToFit 1600x1600  JPEG quality 85
"""
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
            self.file = open(default_storage.path(self.name), mode)
        else:
            self.seek(0)
        return self


class DirectorySourceGroup:
    """Every image file under one directory of the storage root, in sorted order."""

    def __init__(self, directory, extensions):
        self.directory = directory
        self.extensions = extensions

    def files(self):
        base = default_storage.path(self.directory)
        names = []
        for root, _dirs, files in os.walk(base):
            for filename in files:
                if filename.lower().endswith(self.extensions):
                    full = os.path.join(root, filename)
                    names.append(os.path.relpath(full, default_storage.path("")))
        for name in sorted(names):
            yield StorageSourceFile(name.replace(os.sep, "/"))


SPECS = {"bench:fill100": Fill100, "bench:fit400": Fit400, "bench:fit1600": Fit1600}
photos = DirectorySourceGroup(settings.IKBENCH_SOURCE_DIR, settings.IKBENCH_EXTENSIONS)
for spec_id, spec in SPECS.items():
    register.generator(spec_id, spec)
    register.source_group(spec_id, photos)
