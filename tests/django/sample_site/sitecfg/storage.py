"""A FileSystemStorage that counts every call that touches the disk (and, apart, url())."""
from collections import Counter

from django.core.files.storage import FileSystemStorage, Storage

CALLS = Counter()
IO_METHODS = ("open", "save", "exists", "delete", "size", "listdir", "path", "get_available_name",
              "get_accessed_time", "get_created_time", "get_modified_time", "generate_filename")


class CountingStorage(FileSystemStorage):
    pass


def _counted(name):
    original = getattr(FileSystemStorage, name)

    def method(self, *args, **kwargs):
        CALLS[name] += 1
        return original(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in IO_METHODS + ("url",):
    setattr(CountingStorage, _name, _counted(_name))


def io_calls():
    return {k: v for k, v in CALLS.items() if k != "url" and v}


class ObjectStorage(Storage):
    """Not a file system: stands for S3 and the like, which the export does not support yet."""

    def exists(self, name):
        return False

    def url(self, name):
        return "https://objects.example/" + name


def own_namer(generator):
    return "own/" + generator.get_hash() + ".jpg"
