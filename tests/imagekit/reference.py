#!/usr/bin/python3
"""Reference values for tests/pickle_writer_test.cpp and tests/imagekit_hash_test.cpp.

Run with Debian's Python (django 3.2, django-imagekit 4.1, pilkit 2.0):
    /usr/bin/python3 tests/imagekit/reference.py
It builds each case with REAL imagekit objects (ImageSpec, the namers, hashers.pickle) and
prints the pickle bytes (repr), the md5 and the three cache names, which the C++ tests pin.
"""
import sys
import django
from django.conf import settings

settings.configure(IMAGEKIT_CACHEFILE_DIR='CACHE/images', INSTALLED_APPS=['imagekit'])
django.setup()

from hashlib import md5
from io import BytesIO
from imagekit import hashers
from imagekit.specs import ImageSpec
from imagekit.cachefiles import namers
from imagekit.processors import *  # noqa
from pilkit.processors.base import ProcessorPipeline, Transpose


class Source:
    def __init__(self, name):
        self.name = name


def spec(source, processors, format=None, options=None, autoconvert=True):
    s = ImageSpec(source=Source(source))
    s.processors = processors
    s.format = format
    s.options = options
    s.autoconvert = autoconvert
    return s


def pickle_bytes(obj):
    f = BytesIO()
    hashers.CanonicalizingPickler(f, 0).dump(obj)
    return f.getvalue()


def show(label, s):
    data = pickle_bytes([s.source.name, s.processors, s.format, s.options, s.autoconvert])
    print('==', label)
    print('bytes', repr(data))
    print('md5', s.get_hash(), md5(data).hexdigest() == s.get_hash())
    for namer in (namers.source_name_as_path, namers.source_name_dot_hash, namers.hash):
        print(namer.__name__, repr(namer(s)))


if __name__ == '__main__':
    exec(sys.stdin.read())
