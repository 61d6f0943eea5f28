"""Width and height of imagekit cache files from ikgen's state store, without opening them.

Django's ``ImageFile.width`` reads ``self._dimensions_cache`` and, when it is not set, opens the
file and parses its header. The ``{% thumbnail %}`` and ``{% generateimage %}`` tags ask for
``file.width`` *before* ``file.url``, so no backend call has happened yet at that point and
imagekit's API gives the backend no earlier hook. This module therefore puts a descriptor named
``_dimensions_cache`` on ``ImageCacheFile``: when the file's backend is ikgen's, the first read
answers from the state store (``IkgenCacheFileBackend.dimensions``); otherwise it behaves as a
missing attribute, so imagekit and Django behave exactly as before. Assigning the attribute works
as before (Django and the backend do).
"""

from imagekit.cachefiles import ImageCacheFile

_SLOT = "_ikgen_dimensions"


class _DimensionsFromState:
    def __get__(self, file, owner=None):
        if file is None:
            return self
        size = file.__dict__.get(_SLOT)
        if size is not None:
            return size
        from .backends import IkgenCacheFileBackend

        backend = file.__dict__.get("cachefile_backend")
        if isinstance(backend, IkgenCacheFileBackend):
            size = backend.dimensions(file)
            if size is not None:
                file.__dict__[_SLOT] = size
                return size
        raise AttributeError("_dimensions_cache")

    def __set__(self, file, value):
        file.__dict__[_SLOT] = value

    def __delete__(self, file):
        file.__dict__.pop(_SLOT, None)


def install_dimensions_descriptor():
    if not isinstance(ImageCacheFile.__dict__.get("_dimensions_cache"), _DimensionsFromState):
        ImageCacheFile._dimensions_cache = _DimensionsFromState()
