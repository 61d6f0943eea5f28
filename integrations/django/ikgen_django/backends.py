"""A django-imagekit cache file backend that hands generation, existence and sizes to ikgen.

Set ``IMAGEKIT_DEFAULT_CACHEFILE_BACKEND = "ikgen_django.backends.IkgenCacheFileBackend"``.

- Existence: ikgen's state store (read-only SQLite, or PostgreSQL). No storage call: a file ikgen recorded is
  trusted, as ikgen's own ``just_in_time`` strategy trusts it (``ikgen generateimages --verify``
  repairs files deleted behind its back).
- Missing files, by ``IKGEN_GENERATE``: ``"now"`` runs ``ikgen generate SPEC SOURCE --json -c
  PROJECT`` and waits; ``"deferred"`` starts it in the background and returns at once (the file
  is falsy until ikgen has recorded it, as with imagekit's asynchronous backends); ``"never"``
  only reports it missing (cron/CI generates).
- Width and height: from the state store, stored in ``file._dimensions_cache`` so Django's
  ``ImageFile.width``/``height`` never open the file (see ``dimensions.py`` for the first access).
- Pixels are never rendered in Python for a spec the export wrote. A spec the export left to
  imagekit (custom processor...) is not in the sidecar: it is passed to imagekit's ``Simple``
  backend, which renders it as before.
"""

import json
import logging
import subprocess
import threading

from imagekit import hashers
from imagekit.cachefiles.backends import Simple
from imagekit.exceptions import MissingSource

from . import settings as ikgen_settings
from .state import Sidecar, open_state_store

logger = logging.getLogger("ikgen_django")


class IkgenGenerateError(RuntimeError):
    pass


def _signature(generator):
    try:
        return hashers.pickle([generator.processors, generator.format, generator.options, generator.autoconvert])
    except Exception:  # a generator that is not an ImageSpec: not ikgen's
        return None


class IkgenCacheFileBackend:
    """imagekit cache file backend: ikgen's state store for existence and sizes, ikgen to generate."""

    mode = None  # None: the IKGEN_GENERATE setting
    max_deferred = 4  # background `ikgen generate` processes at most, per web process

    def __init__(self):
        from .dimensions import install_dimensions_descriptor

        install_dimensions_descriptor()
        self.project = ikgen_settings.project_path()
        self.sidecar = Sidecar(self.project)
        self.stores = {}
        self.fallback = Simple()
        self.running = {}  # cache name -> Popen of a deferred `ikgen generate`
        self.lock = threading.Lock()

    # imagekit asks ``exists`` after ``generate`` when ``is_async`` (and the strategy has no
    # ``should_verify_existence``): a deferred or never-generating backend must be asked.
    @property
    def is_async(self):
        return self._mode() != "now"

    def _mode(self):
        return self.mode or ikgen_settings.generate_mode()

    def _store(self):
        path = self.sidecar.get().get("state")
        if not path:
            return None
        store = self.stores.get(path)
        if store is None:
            store = self.stores[path] = open_state_store(path)
        return store

    def spec_id(self, file):
        """The ikgen spec that renders this file's generator, or None (left to imagekit)."""
        specs = self.sidecar.get().get("specs") or {}
        if not specs:
            return None
        signature = _signature(file.generator)
        return specs.get(signature) if signature else None

    def _source_name(self, file):
        source = getattr(file.generator, "source", None)
        return getattr(source, "name", None) or None

    def lookup(self, file):
        """(width, height) if ikgen recorded this file, else None. Sets ``file._dimensions_cache``."""
        source = self._source_name(file)
        store = self._store()
        if not file.name or source is None or store is None:
            return None
        size = store.lookup(source, file.name)
        if size is not None:
            file._dimensions_cache = size
        return size

    # --- imagekit's backend interface ---

    def exists(self, file):
        if self.lookup(file) is not None:
            return True
        if self.spec_id(file) is None:
            return self.fallback.exists(file)
        return False

    def generate(self, file, force=False):
        if not force and self.lookup(file) is not None:
            return
        spec_id = self.spec_id(file)
        if spec_id is None:
            self.fallback.generate(file, force)
            return
        source = self._source_name(file)
        mode = self._mode()
        if source is None:
            if mode == "now":
                # As imagekit's own synchronous backend: ImageSpec.generate() raises, so a page
                # with an empty image field fails the same way, not with a bare "/media/" URL.
                raise MissingSource("The spec '%s' has no source file associated with it." % file.generator)
            return
        if mode == "never":
            return
        command = [ikgen_settings.binary(), "generate", spec_id, source, "--json", "-c", self.project]
        if mode == "deferred":
            self._start(file.name, command)
            return
        self._run(file, spec_id, source, command)

    def dimensions(self, file):
        """For ``ImageFile.width``/``height``: the recorded size, generating it first under "now"."""
        size = self.lookup(file)
        if size is not None:
            return size
        if self.spec_id(file) is None:
            return None  # imagekit's own path (opens the file)
        file.generate()
        size = self.lookup(file)
        return size if size is not None else (None, None)

    # --- running ikgen ---

    def _run(self, file, spec_id, source, command):
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=ikgen_settings.generate_timeout())
        except (OSError, subprocess.TimeoutExpired) as error:
            raise IkgenGenerateError("ikgen generate %s %r failed to run: %s (IKGEN_BINARY, IKGEN_GENERATE_TIMEOUT)"
                                     % (spec_id, source, error))
        result = None
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "error" in item:
                raise IkgenGenerateError("ikgen generate %s %r: %s" % (spec_id, source, item["error"]))
            if isinstance(item, dict) and item.get("file") is not None:
                result = item
        if done.returncode != 0 or result is None:
            raise IkgenGenerateError("ikgen generate %s %r exited %d: %s" % (
                spec_id, source, done.returncode, done.stderr.decode("utf-8", "replace").strip()))
        if result["file"] not in (file.name, file.name.replace("\\", "/")):
            raise IkgenGenerateError(
                "ikgen generate %s %r wrote %r but imagekit names the file %r: the project %s is out of date; run "
                "`manage.py ikgen_export` again" % (spec_id, source, result["file"], file.name, self.project))
        file._dimensions_cache = (result.get("width"), result.get("height"))

    def _start(self, name, command):
        with self.lock:
            for key, process in list(self.running.items()):
                if process.poll() is not None:
                    del self.running[key]
            if name in self.running:
                return
            if len(self.running) >= self.max_deferred:
                return  # the file stays falsy; a later request starts it (cron/CI makes it anyway)
            try:
                self.running[name] = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                      stderr=subprocess.DEVNULL, start_new_session=True)
            except OSError as error:
                logger.error("ikgen_django: cannot start %s: %s", command[0], error)


class IkgenDeferredCacheFileBackend(IkgenCacheFileBackend):
    """The deferred variant whatever IKGEN_GENERATE says: requests never wait for ikgen."""

    mode = "deferred"
