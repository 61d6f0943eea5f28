"""Builds the ikgen project of a django-imagekit site from its settings and imagekit's registries.

``export_project(path)`` writes ``path`` (the YAML) and ``ikgen-sources/<group>.txt`` beside it,
plus ``ikgen-django.json`` (what the cache file backend needs at request time: the state file and
which spec id renders which spec). It returns an ``ExportReport`` listing what was written and
what was left to imagekit, with the reason.
"""

import inspect
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.safestring import SafeData
from imagekit import hashers
from imagekit.cachefiles import ImageCacheFile
from imagekit.generatorlibrary import Thumbnail as ThumbnailGenerator
from imagekit.registry import cachefile_registry, generator_registry, source_group_registry
from imagekit.specs import ImageSpec
from imagekit.specs.sourcegroups import ImageFieldSourceGroup, SourceGroupFilesGenerator
from imagekit.utils import autodiscover, get_nonabstract_descendants, get_singleton

from . import settings as ikgen_settings
from .templates_scan import scan_templates
from .values import Map, Rebuilder, Scalar, Seq, Unsupported, ValueWriter, emit, quote

SIDECAR = "ikgen-django.json"
SOURCES_DIR = "ikgen-sources"

NAMERS = {
    "imagekit.cachefiles.namers.source_name_as_path": "source_name_as_path",
    "imagekit.cachefiles.namers.source_name_dot_hash": "source_name_dot_hash",
    "imagekit.cachefiles.namers.hash": "hash",
}

# pilkit 2.0's built-in processors, by module (imagekit.processors re-exports them).
PROCESSORS = {
    "pilkit.processors.resize": {"Resize", "ResizeToCover", "ResizeToFill", "ResizeToFit", "SmartResize",
                                 "ResizeCanvas", "AddBorder", "Thumbnail"},
    "pilkit.processors.crop": {"Crop", "SmartCrop", "TrimBorderColor"},
    "pilkit.processors.base": {"Adjust", "Reflection", "Transpose", "MakeOpaque"},
    "pilkit.processors.overlay": {"ColorOverlay"},
}
COLOUR_PARAMS = {
    "ResizeToFit": ("mat_color",), "ResizeCanvas": ("color",), "AddBorder": ("color",),
    "TrimBorderColor": ("color",), "MakeOpaque": ("background_color",), "ColorOverlay": ("color",),
    "Reflection": ("background_color",),
}
FORMATS = {"JPEG", "PNG", "WEBP"}
OPTION_FORMATS = {"quality": ("JPEG", "WEBP"), "progressive": ("JPEG",), "optimize": ("JPEG", "PNG"),
                  "compress_level": ("PNG",), "lossless": ("WEBP",)}
OPTIONS = set(OPTION_FORMATS)

PROBE_SOURCES = ("ikgen-probe/photo.jpg", "ikgen-probe/\u00e4 b\"c\\d\ne.JPG")


def _pilkit_default_objects():
    """The default objects pilkit's constructors share between instances (id -> (class, attr))."""
    from pilkit.processors import MakeOpaque, Reflection, ResizeCanvas, TrimBorderColor
    return {
        ("ResizeCanvas", "color"): ResizeCanvas(1, 1).color,
        ("MakeOpaque", "background_color"): MakeOpaque().background_color,
        ("Reflection", "background_color"): Reflection().background_color,
        ("TrimBorderColor", "sides"): TrimBorderColor().sides,
    }


class ExportError(Exception):
    """The project cannot be written at all (unsupported storage, namer...)."""


@dataclass
class ExportReport:
    path: str = ""
    specs: list = field(default_factory=list)  # exported spec ids
    groups: list = field(default_factory=list)  # (group id, list file, names written, names skipped)
    left_to_imagekit: list = field(default_factory=list)  # (spec id or place, reason)
    notes: list = field(default_factory=list)


class ProbeSource(File):
    """A stand-in source that only has a name, as a database row's FieldFile has."""

    def __init__(self, name):
        super().__init__(None, name)


def _fresh_str(text):
    return "".join(list(text))  # a new object, as a name read from a database is


# --- settings ----------------------------------------------------------------------------------

def _cachefile_storage():
    try:  # imagekit >= 5 (Django 4.2 STORAGES aliases)
        from imagekit.utils import get_storage
    except ImportError:
        return get_singleton(settings.IMAGEKIT_DEFAULT_FILE_STORAGE, "file storage backend")
    return get_storage()


def storage_root():
    storage = _cachefile_storage()
    if not isinstance(storage, FileSystemStorage):
        raise ExportError(
            "the cache file storage (IMAGEKIT_DEFAULT_FILE_STORAGE, default DEFAULT_FILE_STORAGE) is %s.%s; ikgen "
            "writes to a local directory and supports only FileSystemStorage (and subclasses) for now"
            % (type(storage).__module__, type(storage).__qualname__))
    return os.path.abspath(storage.location), storage


def namer_name():
    namer = settings.IMAGEKIT_SPEC_CACHEFILE_NAMER
    if namer not in NAMERS:
        raise ExportError(
            "IMAGEKIT_SPEC_CACHEFILE_NAMER is %r; ikgen implements only imagekit's own namers: %s"
            % (namer, ", ".join(sorted(NAMERS))))
    return NAMERS[namer]


# --- specs -------------------------------------------------------------------------------------

def _check_colour(value, where):
    if isinstance(value, str):
        text = value[1:] if value.startswith("#") else None
        if text is None or len(text) not in (3, 6, 8) or any(c not in "0123456789abcdefABCDEF" for c in text):
            raise Unsupported("%s: colour %r is not #rgb, #rrggbb or #rrggbbaa (ikgen does not know colour names)"
                              % (where, value))
    elif isinstance(value, (tuple, list)):
        if len(value) not in (3, 4) or any(type(c) is not int or not 0 <= c <= 255 for c in value):
            raise Unsupported("%s: colour %r is not (r, g, b) or (r, g, b, a) with ints 0..255" % (where, value))
    elif value is not None:
        raise Unsupported("%s: colour %r is a %s" % (where, value, type(value).__name__))


def _processor_node(processor, writer, defaults, where, depth=0):
    cls = type(processor)
    if cls.__name__ == "ProcessorPipeline" and cls.__module__ == "pilkit.processors.base":
        if vars(processor):
            raise Unsupported("%s: a ProcessorPipeline with attributes %r" % (where, sorted(vars(processor))))
        if depth >= 16:
            raise Unsupported("%s: ProcessorPipeline nested more than 16 deep" % where)
        items = Seq([], "tuple")
        entry = writer.processor_entry(processor, items)
        if isinstance(entry, Map):
            items.items = [_processor_node(p, writer, defaults, "%s[%d]" % (where, i), depth + 1)
                           for i, p in enumerate(processor)]
        return entry
    if cls.__name__ not in PROCESSORS.get(cls.__module__, ()):
        raise Unsupported("%s: processor %s.%s is not one of pilkit's built-in processors"
                          % (where, cls.__module__, cls.__qualname__))
    name = cls.__name__
    where = "%s: %s" % (where, name)
    state = vars(processor)
    for attr in COLOUR_PARAMS.get(name, ()):
        if attr in state:
            _check_colour(state[attr], "%s.%s" % (where, attr))
    for attr, value in state.items():
        if type(value) is float and not math.isfinite(value):
            raise Unsupported("%s.%s: %r; ikgen's processors take finite numbers" % (where, attr, value))
        if attr in ("width", "height", "top", "right", "bottom", "left") and value is not None and (
                type(value) is not int or value < 0):
            raise Unsupported("%s.%s: %r; ikgen takes a size in pixels as an int >= 0" % (where, attr, value))
        if name == "Adjust" and type(value) in (int, float) and value < 0:
            raise Unsupported("%s.%s: %r; ikgen takes factors >= 0" % (where, attr, value))
    if name == "Transpose" and "methods" in state:
        for method in state["methods"]:
            if not (type(method) is int and 0 <= method <= 4) and method != "auto":
                raise Unsupported("%s: method %r is not one of PIL's transpose ints 0..4 or 'auto'" % (where, method))
    params = Map([])
    entry = writer.processor_entry(processor, params)
    if entry is not params and not isinstance(entry, Map):
        return entry  # an alias of the same processor object
    items = sorted(state.items())
    if name == "AddBorder" and {"top", "right", "bottom", "left"} <= set(state):
        # pilkit stores the constructor's thickness as four sides; ikgen (like pilkit) takes the
        # thickness: one int for four equal int sides, else (top, right, bottom, left).
        sides = tuple(state[k] for k in ("top", "right", "bottom", "left"))
        equal = all(type(v) is int for v in sides) and len(set(sides)) == 1
        thickness = sides[0] if equal else sides
        items = [(k, v) for k, v in items if k not in ("top", "right", "bottom", "left")] + [("thickness", thickness)]
        items.sort()
    for attr, value in items:
        default = defaults.get((name, attr))
        if default is not None and value is default:
            continue  # ikgen's default is pilkit's shared object: omitting it keeps the identity
        params.pairs.append((attr, writer.node(value, "%s.%s" % (where, attr))))
    return entry


def _signature(spec):
    """imagekit's hash of everything but the source: equal for equal renditions."""
    return hashers.pickle([spec.processors, spec.format, spec.options, spec.autoconvert])


def _rebuild_processor(entry, rebuild, defaults):
    """The processor object ikgen's rules say one YAML entry stands for."""
    if not isinstance(entry, Map):
        return rebuild.value(entry)  # an alias: the same object
    name, params = entry.pairs[0]
    if name == "ProcessorPipeline":
        from pilkit.processors.base import ProcessorPipeline

        obj = ProcessorPipeline()
        rebuild.remember(entry, obj)
        obj.extend(_rebuild_processor(item, rebuild, defaults) for item in params.items)
        return obj
    cls = _PROCESSOR_CLASSES[name]
    obj = cls.__new__(cls)
    # Omitted attributes take pilkit's shared default objects.
    state = {attr: value for (owner, attr), value in defaults.items() if owner == name}
    for attr, node in params.pairs:
        value = rebuild.value(node)
        if name == "AddBorder" and attr == "thickness":
            sides = (value,) * 4 if isinstance(value, int) else tuple(value)
            state.update(zip(("top", "right", "bottom", "left"), sides))
            continue
        state[sys.intern(attr)] = value
    obj.__dict__.update(state)
    return rebuild.remember(entry, obj)


def _rebuild_hash(source_name, entries, format_node, options_node, autoconvert, defaults):
    """The md5 imagekit would compute for the objects ikgen's rules give these nodes."""
    rebuild = Rebuilder()
    processors = [_rebuild_processor(entry, rebuild, defaults) for entry in entries]
    fmt = rebuild.value(format_node) if format_node is not None else None
    options = rebuild.value(options_node) if options_node is not None else None
    return hashers.pickle([source_name, processors, fmt, options, autoconvert])


def _processor_classes():
    import importlib

    classes = {}
    for module, names in PROCESSORS.items():
        loaded = importlib.import_module(module)
        classes.update((name, getattr(loaded, name)) for name in names)
    return classes


_PROCESSOR_CLASSES = _processor_classes()


@dataclass
class SpecEntry:
    id: str
    lines: list  # YAML lines of the spec, indented under "specs:"
    signature: str


def _probe_names(make_generator):
    probes = []
    for text in PROBE_SOURCES:
        generator = make_generator(ProbeSource(_fresh_str(text)))
        probes.append((generator.source.name, ImageCacheFile(generator).name))
    return probes


def _probe_lines(probes):
    lines = ["    probes:"]
    for source, name in probes:
        lines.append("      - {source: %s, file: %s}" % (quote(source), quote(name)))
    return lines


def describe_spec(spec_id, generator, default_storage, defaults):
    """The YAML of one registered generator, or raise Unsupported with the reason."""
    if any(c in spec_id for c in "* \t\n"):
        raise Unsupported("the id contains a space or '*', which ikgen's spec ids cannot")
    if not inspect.isclass(generator) or not issubclass(generator, ImageSpec):
        raise Unsupported("the generator %r is not an ImageSpec class (a generator that is not a spec with a "
                          "source and processors)" % (generator,))
    for attr in ("processors", "format", "options", "autoconvert"):
        static = inspect.getattr_static(generator, attr, None)
        if isinstance(static, (property, classmethod, staticmethod)) or inspect.isfunction(static):
            raise Unsupported("%s is computed per instance (%s), so it may differ per source"
                              % (attr, type(static).__name__))
    if inspect.getattr_static(generator, "cachefile_name") is not inspect.getattr_static(ImageSpec, "cachefile_name"):
        raise Unsupported("the spec names its cache files itself (cachefile_name is overridden)")

    def make(source):
        try:
            return generator_registry.get(spec_id, source=source)
        except TypeError as error:
            raise Unsupported("cannot be built from a source alone: %s" % error)
        except Exception as error:
            raise Unsupported("building it for a probe source failed: %s: %s" % (type(error).__name__, error))

    first, second = make(ProbeSource(_fresh_str(PROBE_SOURCES[0]))), make(ProbeSource(_fresh_str(PROBE_SOURCES[1])))
    storage = first.cachefile_storage
    if storage is not None and storage is not default_storage:
        if not (isinstance(storage, FileSystemStorage) and os.path.abspath(storage.location)
                == os.path.abspath(default_storage.location)):
            raise Unsupported("the spec has its own cachefile_storage (%r), not storage.root" % (storage,))
    if callable(first.processors) and not isinstance(first.processors, (list, tuple)):
        raise Unsupported("processors is a callable, computed per instance")
    if type(first.processors) is not list:
        raise Unsupported("processors is a %s; ikgen's processors are a list (make it a list)"
                          % type(first.processors).__name__)
    signature = _signature(first)
    if _signature(second) != signature:
        raise Unsupported("processors, format, options or autoconvert depend on the source")

    writer = ValueWriter("v")
    entries = []
    for index, processor in enumerate(first.processors):
        entries.append((type(processor), _processor_node(processor, writer, defaults, "processors[%d]" % index)))

    fmt = first.format
    format_node = None
    if fmt is not None:
        if type(fmt) is not str or fmt.upper() not in FORMATS:
            raise Unsupported("format %r is not one of ikgen's formats: %s" % (fmt, ", ".join(sorted(FORMATS))))
        format_node = writer.node(fmt, "format")
    options = first.options
    options_node = None
    if options is not None:
        if type(options) is not dict:
            raise Unsupported("options is a %s, not a dict" % type(options).__name__)
        unknown = sorted(set(map(str, options)) - OPTIONS)
        if unknown:
            raise Unsupported("option(s) %s not supported by ikgen (it takes %s)"
                              % (", ".join(unknown), ", ".join(sorted(OPTIONS))))
        if options and fmt is None:
            raise Unsupported("options without a format (ikgen checks options against the spec's format)")
        for key, value in options.items():
            formats = OPTION_FORMATS[key]
            if fmt.upper() not in formats:
                raise Unsupported("option %s applies to %s, not to format %s" % (key, " and ".join(formats), fmt))
            if key in ("progressive", "optimize", "lossless") and type(value) is not bool:
                raise Unsupported("option %s is %r; ikgen takes true or false" % (key, value))
            if key == "quality" and (type(value) is not int or not 1 <= value <= 100):
                raise Unsupported("option quality is %r; ikgen takes an int 1..100" % (value,))
            if key == "compress_level" and (type(value) is not int or not 0 <= value <= 9):
                raise Unsupported("option compress_level is %r; ikgen takes an int 0..9" % (value,))
        options_node = writer.node(options, "options")
    autoconvert = first.autoconvert
    if type(autoconvert) not in (bool, int, float) and autoconvert is not None:
        raise Unsupported("autoconvert is a %s" % type(autoconvert).__name__)

    # Self-check: the YAML, read under ikgen's rules, must pickle exactly as the real spec.
    expected = first.get_hash()
    if _rebuild_hash(first.source.name, [e for _, e in entries], format_node, options_node, autoconvert,
                     defaults) != expected:
        raise Unsupported("the objects' identities cannot be stated in ikgen's YAML (the pickle's back references "
                          "differ from what anchors and !runtime can say)")

    lines = ["  - id: %s" % quote(spec_id), "    processors:" if entries else "    processors: []"]
    for _, entry in entries:
        lines.append("      - %s" % emit(entry))
    if format_node is not None:
        lines.append("    format: %s" % emit(format_node))
    if options_node is not None:
        lines.append("    options: %s" % emit(options_node))
    lines.append("    autoconvert: %s" % emit(Scalar(autoconvert)))
    lines.extend(_probe_lines(_probe_names(make)))
    return SpecEntry(spec_id, lines, signature)


def _thumbnail_tag_file(use, source):
    """The ImageCacheFile the real ``{% thumbnail ... as th %}`` tag gives for ``source``."""
    from django.template import Context, Engine

    engine = Engine(libraries={"imagekit": "imagekit.templatetags.imagekit"})
    context = Context({"ikgen_source": source})
    try:
        template = engine.from_string("{%% load imagekit %%}{%% thumbnail %s ikgen_source %s as ikgen_file %%}"
                                      % (use.tag_size, " ".join(use.tag_kwargs)))
        node = next(n for n in template.nodelist if type(n).__name__ == "ThumbnailAssignmentNode")
        node.render(context)
        file = context["ikgen_file"]
        file.name  # noqa: B018 (the name is computed in __init__; imagekit 4.1 fails there)
    except RecursionError:
        raise Unsupported("imagekit itself cannot render this tag: pickling its SafeString anchor recurses "
                          "(imagekit < 5; imagekit 5 turns the anchor into a str)")
    except Exception as error:
        raise Unsupported("imagekit's tag fails on a probe source: %s: %s" % (type(error).__name__, error))
    return file


def thumbnail_spec(use):
    """The YAML of one {% thumbnail %} size (ISSUE9-DESIGN section 1, ``thumbnail:``).

    The probes and the anchor's Python value come from running imagekit's own tag on the probe
    sources, so whatever the installed imagekit does with the template's values is what is named.
    """
    suffix = "".join(":%s=%s" % (k, use.kwargs[k]) for k in sorted(use.kwargs))
    spec_id = "imagekit:thumbnail:%s%s" % (use.dimensions, suffix)
    place = use.places[0]
    if any(c in spec_id for c in "* \t\n"):
        raise Unsupported("%s: the id %r would contain a space or '*'" % (place, spec_id))
    try:
        first = _thumbnail_tag_file(use, ProbeSource(_fresh_str(PROBE_SOURCES[0])))
    except Unsupported as error:
        raise Unsupported("%s: {%% thumbnail %s %%}: %s" % (place, " ".join([use.tag_size] + use.tag_kwargs), error))
    processor = first.generator.processors[0]
    writer = ValueWriter("v")
    lines = ["  - id: %s" % quote(spec_id), "    thumbnail: %s" % quote(use.dimensions)]
    for key in sorted(use.kwargs):
        value = getattr(processor, key) if key == "anchor" else use.kwargs[key]
        if key == "anchor" and isinstance(value, SafeData):
            raise Unsupported("%s: anchor is a SafeString in this imagekit; ikgen cannot name it" % place)
        try:
            lines.append("    %s: %s" % (key, emit(writer.node(value, key))))
        except Unsupported as error:
            raise Unsupported("%s: %s" % (place, error))
    lines.append("    # used at %s" % ", ".join(use.places[:3]).replace("\n", " "))
    probes = []
    for text in PROBE_SOURCES:
        file = _thumbnail_tag_file(use, ProbeSource(_fresh_str(text)))
        probes.append((file.generator.source.name, file.name))
    lines.extend(_probe_lines(probes))
    return SpecEntry(spec_id, lines, _signature(first.generator))


# --- sources -----------------------------------------------------------------------------------

def _needs_json(name):
    return (name.startswith('"') or name != name.strip() or any(ord(c) < 0x20 or c in "\x7f\u2028\u2029" for c in name))


class SourceListWriter:
    """Writes one ``sources_from`` list (ISSUE9-DESIGN section 2), atomically."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, self.temp = tempfile.mkstemp(prefix=".ikgen-tmp-", dir=os.path.dirname(path))
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self.written = 0
        self.skipped = []  # (name, reason), first few only
        self.skipped_count = 0

    def add(self, name):
        if not name:
            return
        reason = None
        if os.path.isabs(name):
            reason = "absolute name (imagekit puts it in the cache root; ikgen takes names relative to storage.root)"
        elif ".." in name.split("/"):
            reason = "has '..'"
        else:
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                reason = "not valid UTF-8 (undecodable bytes in the file name)"
        if reason:
            self.skipped_count += 1
            if len(self.skipped) < 5:
                self.skipped.append((name, reason))
            return
        self.handle.write((json.dumps(name, ensure_ascii=False) if _needs_json(name) else name) + "\n")
        self.written += 1

    def close(self):
        self.handle.close()
        os.replace(self.temp, self.path)

    def abort(self):
        self.handle.close()
        os.unlink(self.temp)


def _field_owner_names(model_class, attname):
    """Every non-empty value of the field over the model and its concrete descendants (imagekit's
    ImageFieldSourceGroup.files()), streamed, each row once."""
    models = []
    for model in get_nonabstract_descendants(model_class):
        concrete = model._meta.concrete_model  # a proxy has its concrete model's rows
        if concrete not in models:
            models.append(concrete)
    # A child in multi-table inheritance has its rows in its parent's table too: query the
    # parent only when it is itself in the group, never a parent outside it.
    models = [m for m in models if not any(p in models for p in m._meta.get_parent_list())]
    for model in models:
        manager = model._default_manager
        column = model._meta.get_field(attname).attname
        for value in manager.order_by("pk").values_list(column, flat=True).iterator():
            if value:
                yield value


def _group_file_name(group_id):
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in group_id)
    return "%s/%s.txt" % (SOURCES_DIR, safe)


@dataclass
class Group:
    id: str
    spec_ids: list
    names: object  # a callable returning an iterable of names


def collect_groups(report):
    """imagekit's source groups (and extra cachefile registrations), merged by what they list."""
    groups = {}
    for source_group, spec_ids in source_group_registry._source_groups.items():
        if isinstance(source_group, ImageFieldSourceGroup):
            model, attname = source_group.model_class, source_group.image_field
            key = ("field", model._meta.label, attname)
            group_id = "%s.%s" % (model._meta.label, attname)
            names = (lambda m=model, a=attname: _field_owner_names(m, a))
        else:
            cls = type(source_group)
            group_id = "%s.%s" % (cls.__module__, cls.__qualname__)
            key = ("group", id(source_group))
            names = (lambda g=source_group: (getattr(f, "name", f) for f in g.files()))
        group = groups.get(key)
        if group is None:
            taken = {g.id for g in groups.values()}
            unique, n = group_id, 2
            while unique in taken:
                unique, n = "%s-%d" % (group_id, n), n + 1
            group = groups[key] = Group(unique, [], names)
        group.spec_ids.extend(s for s in sorted(spec_ids) if s not in group.spec_ids)
    n = 0
    for cachefiles, spec_ids in cachefile_registry._cachefiles.items():
        if isinstance(cachefiles, SourceGroupFilesGenerator):
            continue
        n += 1

        def names(c=cachefiles):
            for file in (c() if callable(c) else c):
                source = getattr(getattr(file, "generator", None), "source", None)
                name = getattr(source, "name", None)
                if name:
                    yield name
        groups[("cachefiles", n)] = Group("cachefiles-%d" % n, sorted(spec_ids), names)
    return groups


def thumbnail_fields(report):
    """(model, attname) of the image fields thumbnail sizes are pre-generated for."""
    wanted = ikgen_settings.thumbnail_sources()
    if wanted is not None:
        fields = []
        for text in wanted:
            try:
                label, attname = text.rsplit(".", 1)
                model = apps.get_model(label)
                model._meta.get_field(attname)
            except (ValueError, LookupError, FieldDoesNotExist) as error:
                raise ExportError("IKGEN_THUMBNAIL_SOURCES: %r is not \"app_label.Model.field\" of an installed model "
                                  "(%s)" % (text, error))
            fields.append((model, attname))
        return fields
    fields = []
    for model in apps.get_models():
        if model._meta.proxy or model._meta.abstract:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ImageField) and f.model is model:
                fields.append((model, f.attname))
    return fields


# --- asking ikgen ------------------------------------------------------------------------------

def _header_lines(root, cache_dir, namer, state=None):
    lines = ["storage:", "  root: %s" % quote(root), "cache:", "  dir: %s" % quote(cache_dir),
             "  namer: %s" % namer, "  hash: imagekit"]
    if state:
        lines.append("  state: %s" % quote(state))
    return lines


def keep_what_ikgen_loads(specs, cache_dir, namer, binary, report):
    """The specs ikgen loads (probes included); the others are left to imagekit with ikgen's reason.

    ikgen reads the specs, without sources, from an empty storage root in a temporary directory:
    one ``ikgen check`` per refused spec plus one, each refusal naming the spec by its line.
    """
    import re
    import subprocess

    remaining = list(specs)
    with tempfile.TemporaryDirectory(prefix="ikgen-export-check-") as folder:
        os.mkdir(os.path.join(folder, "media"))
        path = os.path.join(folder, "spec.yaml")
        while remaining:
            lines = _header_lines(os.path.join(folder, "media"), cache_dir, namer, "state.sqlite") + ["specs:"]
            ranges = []
            for spec in remaining:
                ranges.append((len(lines) + 1, len(lines) + len(spec.lines), spec))
                lines.extend(spec.lines)
            lines += ["source_groups:", "  - id: \"ikgen-export-check\"",
                      "    specs: [%s]" % ", ".join(quote(s.id) for s in remaining),
                      "    include: [\"ikgen-export-check/*\"]"]
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
            try:
                done = subprocess.run([binary, "check", "-c", path], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, timeout=300)
            except (OSError, subprocess.TimeoutExpired) as error:
                report.notes.append("the project was not checked by ikgen (%s): %s" % (binary, error))
                return remaining
            err = done.stderr.decode("utf-8", "replace")
            if done.returncode != 2:
                if done.returncode not in (0, 1):
                    report.notes.append("ikgen check of the specs exited %d: %s" % (done.returncode, err.strip()))
                return remaining
            match = re.search(re.escape(path) + r":(\d+):\d+: (.*)", err)
            line = int(match.group(1)) if match else 0
            refused = next((spec for first, last, spec in ranges if first <= line <= last), None)
            if refused is None:
                raise ExportError("ikgen (%s) refuses the exported project: %s" % (binary, err.strip()))
            report.left_to_imagekit.append((refused.id, "ikgen refuses it: " + match.group(2)))
            remaining.remove(refused)
    return remaining


# --- the project -------------------------------------------------------------------------------

def export_project(path, scan=True, check=True):
    autodiscover()
    report = ExportReport(path=os.path.abspath(path))
    root, default_storage = storage_root()
    namer = namer_name()
    cache_dir = settings.IMAGEKIT_CACHEFILE_DIR
    state = ikgen_settings.state()
    defaults = _pilkit_default_objects()
    out_dir = os.path.dirname(report.path)

    processed_ids = set()
    for model in apps.get_models():
        for f in model._meta.fields:
            if f.__class__.__name__ == "ProcessedImageField" and getattr(f, "spec_id", None):
                processed_ids.add(f.spec_id)

    specs = []
    for spec_id in sorted(generator_registry._generators):
        generator = generator_registry._generators[spec_id]
        if spec_id == "imagekit:thumbnail" and generator is ThumbnailGenerator:
            continue  # its sizes come from the templates (thumbnail specs below)
        if spec_id in processed_ids:
            report.notes.append("%s: a ProcessedImageField's spec (applied at upload, not a cache file); not exported"
                                % spec_id)
            continue
        try:
            specs.append(describe_spec(spec_id, generator, default_storage, defaults))
        except Unsupported as error:
            report.left_to_imagekit.append((spec_id, str(error)))

    thumbnail_ids = []
    if scan:
        scanned = scan_templates()
        for place, reason in scanned.skipped:
            report.left_to_imagekit.append(("{% thumbnail %} at " + place, reason))
        if scanned.uses:
            if generator_registry._generators.get("imagekit:thumbnail") is not ThumbnailGenerator:
                for use in scanned.uses.values():
                    report.left_to_imagekit.append((
                        "{% thumbnail %} at " + use.places[0],
                        "the site registers its own imagekit:thumbnail generator; ikgen's thumbnail specs are imagekit's"))
            else:
                for key in sorted(scanned.uses, key=repr):
                    try:
                        entry = thumbnail_spec(scanned.uses[key])
                    except Unsupported as error:
                        report.left_to_imagekit.append(("{% thumbnail %} at " + str(error).split(": ", 1)[0],
                                                        str(error).split(": ", 1)[1]))
                        continue
                    specs.append(entry)
                    thumbnail_ids.append(entry.id)

    if check and specs:
        try:
            binary = ikgen_settings.binary()
        except ImproperlyConfigured as error:
            report.notes.append("the specs were not checked by ikgen: %s" % error)
        else:
            specs = keep_what_ikgen_loads(specs, cache_dir, namer, binary, report)
            thumbnail_ids = [i for i in thumbnail_ids if any(s.id == i for s in specs)]

    exported = {s.id for s in specs}
    groups = collect_groups(report)
    if thumbnail_ids:
        for model, attname in thumbnail_fields(report):
            key = ("field", model._meta.label, attname)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group("%s.%s" % (model._meta.label, attname), [],
                                            (lambda m=model, a=attname: _field_owner_names(m, a)))
            group.spec_ids.extend(thumbnail_ids)

    group_lines = []
    grouped = set()
    for group in groups.values():
        spec_ids = [s for s in group.spec_ids if s in exported]
        if not spec_ids:
            continue
        grouped.update(spec_ids)
        for other in exported:
            for s in spec_ids:
                if other != s and other.startswith(s + ":") and other not in spec_ids:
                    report.notes.append("source group %s: ikgen's pattern %r also selects spec %r, which imagekit "
                                        "does not register with this group" % (group.id, s, other))
        list_name = _group_file_name(group.id)
        writer = SourceListWriter(os.path.join(out_dir, list_name))
        try:
            for name in group.names():
                writer.add(name)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        for name, reason in writer.skipped:
            report.notes.append("source group %s: source %r not listed: %s" % (group.id, name, reason))
        if writer.skipped_count > len(writer.skipped):
            report.notes.append("source group %s: %d more sources not listed" % (
                group.id, writer.skipped_count - len(writer.skipped)))
        report.groups.append((group.id, list_name, writer.written, writer.skipped_count))
        group_lines += ["  - id: %s" % quote(group.id),
                        "    specs: [%s]" % ", ".join(quote(s) for s in spec_ids),
                        "    sources_from: %s" % quote(list_name)]
    report.specs = [s.id for s in specs]
    for spec_id in sorted(exported - grouped):
        # imagekit's generateimages skips it too; with ikgen a request would wait for it.
        report.notes.append("%s is in no source group, so `ikgen generateimages` does not pre-generate it; register "
                            "one (imagekit.register.source_group) or its files are made on first request by "
                            "`ikgen generate` (IKGEN_GENERATE)" % spec_id)

    lines = [
        "# Written by `manage.py ikgen_export` from the Django settings %s." % quote(
            os.environ.get("DJANGO_SETTINGS_MODULE", "?")),
        "# Do not edit: change the site's specs and export again. Probes let ikgen check its names.",
    ] + _header_lines(root, cache_dir, namer, state)
    if specs:
        lines.append("specs:")
        for s in specs:
            lines.extend(s.lines)
    else:
        lines.append("specs: []")
    lines.extend(["source_groups:"] + group_lines if group_lines else ["source_groups: []"])
    text = "\n".join(lines) + "\n"

    sidecar = {
        "version": 1,
        "project": report.path,
        "storage_root": root,
        "cache_dir": cache_dir,
        # A PostgreSQL URL as configured: without a password (settings.state refuses one).
        "state": state or os.path.join(root, cache_dir, ".ikgen-state.sqlite"),
        "specs": {s.signature: s.id for s in reversed(specs)},
    }
    _write_atomic(report.path, text)
    _write_atomic(os.path.join(out_dir, SIDECAR), json.dumps(sidecar, indent=1, sort_keys=True) + "\n")
    return report


def _write_atomic(path, text):
    fd, temp = tempfile.mkstemp(prefix=".ikgen-tmp-", dir=os.path.dirname(path) or ".")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temp, path)
