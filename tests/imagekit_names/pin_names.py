#!/usr/bin/python3
"""Pins ikgen's `hash: imagekit` cache file names against real django-imagekit.

Usage: /usr/bin/python3 tests/imagekit_names/pin_names.py PATH_TO_IKGEN [-v] [--keep]

Each case is described once, as a tree of typed values (below). From that tree the
script builds REAL imagekit objects (class-based ImageSpec subclasses, ImageSpecFields on
Django models, imagekit.generatorlibrary.Thumbnail, real `{% thumbnail %}` template tags)
with the object identities that ISSUE9-DESIGN.md section 1 prescribes, and writes the
equivalent ikgen YAML. Every spec is applied to every source name (hostile ones included,
as real files in a temporary storage root) under all three namers and two cache dirs;
`ikgen check --json` must print, for each (spec, source), exactly the name that
`ImageCacheFile(spec).name` gives. Self-checks prove the comparison is sensitive: YAML that
deliberately differs from the Python object (int for float, list for tuple, no alias for a
shared object...) must give a different name.

Exit status: 0 all names match; 1 a mismatch, a refused valid spec or a failed self-check;
77 (CTest SKIP_RETURN_CODE) the binary has no `hash: imagekit`; 2 usage.
"""

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from io import BytesIO

# --------------------------------------------------------------------------------------
# Django + imagekit, configured minimally (must happen before importing imagekit).

import django
from django.conf import settings

STORAGE_TMP = tempfile.mkdtemp(prefix="ikgen-pin-")
MEDIA = os.path.join(STORAGE_TMP, "media")
settings.configure(
    DEBUG=False,
    INSTALLED_APPS=["django.contrib.contenttypes", "imagekit"],
    MEDIA_ROOT=MEDIA,
    DATABASES={},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    IMAGEKIT_CACHEFILE_DIR="CACHE/images",
    IMAGEKIT_SPEC_CACHEFILE_NAMER="imagekit.cachefiles.namers.source_name_as_path",
)
django.setup()

from django.core.files import File  # noqa: E402
from django.db import models  # noqa: E402
from django.template import Context, Template  # noqa: E402
import imagekit.generatorlibrary  # noqa: E402
from imagekit import ImageSpec, hashers  # noqa: E402
from imagekit.cachefiles import ImageCacheFile  # noqa: E402
from imagekit.models import ImageSpecField  # noqa: E402
from pilkit import processors as pk  # noqa: E402

NAMERS = ["source_name_as_path", "source_name_dot_hash", "hash"]
CACHE_DIRS = ["CACHE/images", "generated/ik cache", "thumbs/"]  # a trailing slash, as settings often have

# --------------------------------------------------------------------------------------
# Value nodes: one description -> a Python object (with the design's identity rules) and
# its YAML spelling.

IDENT = re.compile(r"[A-Za-z0-9_]+\Z", re.ASCII)


def fresh(s):
    """A str equal to s as CPython builds it at run time (decoding a database value or a
    file name): a new object, except '' and one character below U+0100, which are CPython's
    cached singletons (in CPython 3.11 not the interned literal for 29 ASCII letters:
    chr(99) is not 'c')."""
    return (s + "\x00")[:-1]


def literal_str(s):
    """A str as it is when the site wrote it as a literal: interned when identifier-like,
    the cached singleton when one char below U+0100, a fresh object otherwise."""
    if IDENT.match(s):
        return sys.intern(s)
    return fresh(s)


class Tup:
    def __init__(self, *items, tag=False):
        self.items, self.tag = items, tag


class Lst:
    def __init__(self, *items):
        self.items = items


class Dct:
    def __init__(self, *pairs):
        self.pairs = pairs


class Runtime:
    """A string built at run time (`!runtime`): never interned. A one-character string
    below U+0100 built at run time is CPython's cached latin-1 singleton, which in CPython
    3.11 is NOT the interned literal for 29 ASCII letters such as 'c', 't', 'b'."""
    def __init__(self, s):
        self.s = s


class Plain:
    """A string written as a plain (unquoted) YAML scalar."""
    def __init__(self, s):
        self.s = s


class Flt:
    """A float with a chosen YAML spelling (e.g. '1e2')."""
    def __init__(self, value, spelling):
        self.value, self.spelling = value, spelling


class Spell:
    """A value written in YAML as `text` (ikgen's own spelling, `~`, `1e2`...) that stands
    for the Python value `node`."""
    def __init__(self, text, node):
        self.text, self.node = text, node


class Anchor:
    def __init__(self, name, node):
        self.name, self.node = name, node


class Alias:
    def __init__(self, name):
        self.name = name


class Proc:
    def __init__(self, name, params):
        self.name, self.params = name, params


class Pipe:
    def __init__(self, *items):
        self.items = items


def P(name, **params):
    return Proc(name, list(params.items()))


TRANSPOSE = {"flip_horizontal": 0, "flip_vertical": 1, "rotate_90": 2, "rotate_180": 3, "rotate_270": 4}


GLOBAL_ANCHORS = {}  # anchors named g_*: one YAML namespace and one object across specs


class Builder:
    """Materialises nodes as Python objects; YAML anchors are one object per name."""

    def __init__(self):
        self.anchors = {}

    def value(self, n):
        if isinstance(n, bool) or n is None or isinstance(n, (int, float)):
            return n
        if isinstance(n, str):
            return literal_str(n)
        if isinstance(n, Plain):
            return literal_str(n.s)
        if isinstance(n, Flt):
            return n.value
        if isinstance(n, Spell):
            return self.value(n.node)
        if isinstance(n, Runtime):
            return "".join(list(n.s)) if len(n.s) > 1 else fresh(n.s)
        if isinstance(n, Tup):
            return tuple(self.value(i) for i in n.items)
        if isinstance(n, Lst):
            return [self.value(i) for i in n.items]
        if isinstance(n, Dct):
            return {self.value(k): self.value(v) for k, v in n.pairs}
        if isinstance(n, Anchor):
            obj = self.value(n.node)
            (GLOBAL_ANCHORS if n.name.startswith("g_") else self.anchors)[n.name] = obj
            return obj
        if isinstance(n, Alias):
            return (GLOBAL_ANCHORS if n.name.startswith("g_") else self.anchors)[n.name]
        if isinstance(n, Proc):
            return self.processor(n)
        if isinstance(n, Pipe):
            return pk.ProcessorPipeline([self.value(i) for i in n.items])
        raise TypeError(n)

    def processor(self, n):
        cls = getattr(pk, n.name)
        kw = {k: self.value(v) for k, v in n.params}
        if n.name == "Transpose":
            methods = kw.pop("methods", ())
            assert not kw
            return cls(*[TRANSPOSE.get(m, m) if isinstance(m, str) else m for m in methods])
        if n.name == "AddBorder":
            return cls(kw.pop("thickness"), **kw)
        return cls(**kw)


def yaml_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F or o in (0x2028, 0x2029, 0xFEFF):
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def yaml_float(f):
    if f != f:
        return ".nan"
    if f in (float("inf"), float("-inf")):
        return ".inf" if f > 0 else "-.inf"
    return repr(f)


YAML_SPECIAL = re.compile(r"(?i)(y|n|yes|no|on|off|true|false|null|~|[-+.0-9].*)\Z")


def yaml_key(k):
    if isinstance(k, str) and IDENT.match(k) and not YAML_SPECIAL.match(k):
        return k
    return yaml(k)


def yaml(n, ap=""):
    """YAML flow text of a node; `ap` prefixes anchor names (one namespace per spec)."""
    if n is None:
        return "null"
    if isinstance(n, bool):
        return "true" if n else "false"
    if isinstance(n, int):
        return str(n)
    if isinstance(n, float):
        return yaml_float(n)
    if isinstance(n, str):
        return yaml_str(n)
    if isinstance(n, Plain):
        return n.s
    if isinstance(n, Flt):
        return n.spelling
    if isinstance(n, Spell):
        return n.text
    if isinstance(n, Runtime):
        return "!runtime " + yaml_str(n.s)
    if isinstance(n, Tup):
        return ("!tuple " if n.tag else "") + "[" + ", ".join(yaml(i, ap) for i in n.items) + "]"
    if isinstance(n, Lst):
        return "!list [" + ", ".join(yaml(i, ap) for i in n.items) + "]"
    if isinstance(n, Dct):
        return "{" + ", ".join("%s: %s" % (yaml_key(k), yaml(v, ap)) for k, v in n.pairs) + "}"
    if isinstance(n, Anchor):
        return "&%s%s %s" % ("" if n.name.startswith("g_") else ap, n.name, yaml(n.node, ap))
    if isinstance(n, Alias):
        return "*%s%s" % ("" if n.name.startswith("g_") else ap, n.name)
    if isinstance(n, Proc):
        return "{%s: {%s}}" % (n.name, ", ".join("%s: %s" % (k, yaml(v, ap)) for k, v in n.params))
    if isinstance(n, Pipe):
        return "{ProcessorPipeline: [%s]}" % ", ".join(yaml(i, ap) for i in n.items)
    raise TypeError(n)


# --------------------------------------------------------------------------------------
# Cases.

ABSENT = object()


class Case:
    """kind: 'class' (ImageSpec subclass), 'field' (ImageSpecField on a model), 'thumb'
    (imagekit.generatorlibrary.Thumbnail), 'tag' ({% thumbnail %} rendered by Django)."""

    def __init__(self, cid, processors=ABSENT, format=ABSENT, options=ABSENT, autoconvert=ABSENT,
                 kind="class", dims=None, tag_kwargs=(), tag_vars=(), may_refuse=False, spec_hash=False, note="",
                 processors_tuple=False, processors_tag=""):
        self.cid, self.kind = cid, kind
        self.processors, self.format, self.options, self.autoconvert = processors, format, options, autoconvert
        self.dims, self.tag_kwargs, self.tag_vars = dims, list(tag_kwargs), list(tag_vars)
        self.may_refuse, self.spec_hash, self.note = may_refuse, spec_hash, note
        self.probes = False
        self.processors_tuple = processors_tuple  # `processors = (...)` in Python, `!tuple` in YAML
        self.processors_tag = " !tuple" if processors_tuple else processors_tag
        self.yaml_case = None  # self-checks: YAML written from another case

    # ---- YAML
    def yaml_lines(self, sid, probes=None):
        src = self.yaml_case or self
        ap = re.sub(r"[^A-Za-z0-9]", "_", sid) + "_"
        lines = ["  - id: %s" % yaml_str(sid)]
        if src.spec_hash:
            lines.append("    hash: imagekit")
        if src.kind in ("thumb", "tag"):
            lines.append("    thumbnail: %s" % yaml_str(src.dims))
            for k, v in src.tag_kwargs + src.tag_vars:
                lines.append("    %s: %s" % (k, yaml(v, ap)))
        else:
            if src.processors is not ABSENT:
                if src.processors is None or not src.processors:
                    lines.append("    processors: %s" % ("null" if src.processors is None else "[]"))
                else:
                    lines.append("    processors:" + src.processors_tag)
                    for i, p in enumerate(src.processors):
                        if isinstance(p, Proc) and (i + len(sid)) % 2:
                            # block style for about half of them, flow style for the others
                            lines.append("      - %s: {%s}" % (p.name, ", ".join(
                                "%s: %s" % (k, yaml(v, ap)) for k, v in p.params)))
                        else:
                            lines.append("      - %s" % yaml(p, ap))
            for key in ("format", "options", "autoconvert"):
                v = getattr(src, key)
                if v is not ABSENT:
                    lines.append("    %s: %s" % (key, yaml(v, ap)))
        if probes:
            lines.append("    probes:")
            for s, f in probes:
                lines.append("      - {source: %s, file: %s}" % (yaml_str(s), yaml_str(f)))
        return lines

    # ---- Python
    def build(self, index):
        b = Builder()
        if self.kind in ("thumb", "tag"):
            return None
        attrs = {}
        if self.processors is not ABSENT:
            attrs["processors"] = None if self.processors is None else [b.value(p) for p in self.processors]
            if self.processors_tuple:
                attrs["processors"] = tuple(attrs["processors"])
        for key in ("format", "options", "autoconvert"):
            v = getattr(self, key)
            if v is not ABSENT:
                attrs[key] = b.value(v)
        if self.kind == "class":
            for key in list(attrs):
                if attrs[key] is None and key == "processors":
                    del attrs[key]
            return type("PinSpec%d" % index, (ImageSpec,), attrs)
        # ImageSpecField on a real model; None kwargs are dropped by imagekit itself.
        field = ImageSpecField(source="photo", **attrs)
        body = {"__module__": __name__, "photo": models.ImageField(), "out": field,
                "Meta": type("Meta", (), {"app_label": "imagekit"})}
        return type("PinModel%d" % index, (models.Model,), body)

    def expected(self, built, name):
        """imagekit's name for source `name` (settings already set for the namer/dir)."""
        if self.kind == "class":
            return ImageCacheFile(built(source=File(None, name=fresh(name)))).name
        if self.kind == "field":
            return built(photo=fresh(name)).out.name
        w, h = parse_dims(self.dims)
        if self.kind == "thumb":
            kw = {k: v for k, v in self.tag_kwargs}
            gen = imagekit.generatorlibrary.Thumbnail(width=w, height=h, source=File(None, name=fresh(name)), **kw)
            return ImageCacheFile(gen).name
        args = "".join(" %s=%s" % (k, tag_literal(v)) for k, v in self.tag_kwargs)
        args += "".join(" %s=v_%s" % (k, k) for k, v in self.tag_vars)
        b = Builder()
        variables = {"v_" + k: b.value(v) for k, v in self.tag_vars}
        t = Template("{%% load imagekit %%}{%% autoescape off %%}{%% thumbnail '%s' src%s as th %%}<<{{ th.name }}>>"
                     "{%% endautoescape %%}" % (self.dims, args))
        out = t.render(Context(dict(variables, src=File(None, name=fresh(name)))))
        m = re.search(r"<<(.*)>>", out, re.S)
        return m.group(1)

    def pickle_bytes(self, built, name):
        """The bytes imagekit hashes (for diagnostics)."""
        if self.kind == "class":
            spec = built(source=File(None, name=fresh(name)))
        elif self.kind == "field":
            spec = built(photo=fresh(name)).out.generator
        else:
            return b"(thumbnail)"
        buf = BytesIO()
        hashers.CanonicalizingPickler(buf, 0).dump(
            [spec.source.name, spec.processors, spec.format, spec.options, spec.autoconvert])
        return buf.getvalue()


class ImagekitError:
    def __init__(self, e):
        self.e = e

    def __str__(self):
        return type(self.e).__name__


def stored(name):
    """Where a storage keeps imagekit's name: Django's FileSystemStorage._save and
    django-storages' clean_name turn a backslash into '/', and page URLs ask for that path;
    ikgen writes there (probes still compare imagekit's own name)."""
    if "\\" not in name:
        return name
    normal = posixpath.normpath(name.replace("\\", "/"))
    return name if normal.startswith("..") or normal.startswith("/") or "/../" in normal else normal


def parse_dims(d):
    from imagekit.templatetags.imagekit import parse_dimensions
    r = parse_dimensions(d)
    return r["width"], r["height"]


def tag_literal(v):
    if isinstance(v, (Plain, str)):
        return "'%s'" % (v.s if isinstance(v, Plain) else v)
    return repr(v)


def cases():
    C = []
    add = lambda *a, **k: C.append(Case(*a, **k))  # noqa: E731
    RF = lambda **k: P("ResizeToFill", width=100, height=100, **k)  # noqa: E731

    # Resize family: ints, bools, big ints
    add("resize", [P("Resize", width=100, height=50)], format="JPEG", options=Dct(("quality", 85)))
    add("resize-noup", [P("Resize", width=100, height=50, upscale=False)])
    add("resize-upscale-null", [P("Resize", width=100, height=50, upscale=None)], note="None pickles as N")
    add("resize-up-explicit", [P("Resize", width=100, height=50, upscale=True)], format=Plain("PNG"))
    add("resize-bigint", [P("Resize", width=1, height=2147483648)], may_refuse=True,
        note="L...L pickle for ints beyond 32 bits")
    add("resize-maxint32", [P("Resize", width=2147483647, height=1)], may_refuse=True)
    add("resize-float-w", [P("Resize", width=100.0, height=50)], may_refuse=True,
        note="pilkit/Pillow cannot render a float size")
    add("cover", [P("ResizeToCover", width=640, height=480)])
    add("cover-noup", [P("ResizeToCover", width=640, height=480, upscale=False)], format="WEBP")
    # ResizeToFill: anchors as names and fractions
    add("fill", [RF()])
    add("fill-tl", [RF(anchor=Plain("tl"))], format="JPEG")
    add("fill-t-quoted", [RF(anchor="t")])
    add("fill-c", [RF(anchor=Plain("c"))])
    add("fill-frac", [RF(anchor=Tup(0.5, 0.25))], format="JPEG", options=Dct(("quality", 85)), autoconvert=True)
    add("fill-frac-ints", [RF(anchor=Tup(0, 1))])
    add("fill-frac-mixed", [RF(anchor=Tup(1.0, 0))])
    add("fill-frac-tagged", [RF(anchor=Tup(0.5, 0.25, tag=True))])
    add("fill-frac-list", [RF(anchor=Lst(0.5, 0.25))])
    add("fill-anchor-null", [RF(anchor=None, upscale=False)])
    add("fill-anchor-tilde", [RF(anchor=Spell("~", None), upscale=Spell("False", False))], spec_hash=True,
        note="YAML 1.2 core: False is a bool", may_refuse=True)
    add("fill-1e2", [P("ResizeToFill", width=100, height=50, anchor=Tup(Flt(0.0, "0e0"), Flt(1.0, "1.")))])
    # ResizeToFit
    add("fit", [P("ResizeToFit", width=400, height=400)], format="JPEG", options=Dct(("quality", 85)))
    add("fit-w", [P("ResizeToFit", width=400)])
    add("fit-h-nullw", [P("ResizeToFit", width=None, height=300)], format="PNG")
    add("fit-mat-str", [P("ResizeToFit", width=400, height=300, mat_color="#808080")], format="PNG")
    add("fit-mat-tuple", [P("ResizeToFit", width=400, height=300, mat_color=Tup(128, 128, 128))])
    add("fit-mat-rgba", [P("ResizeToFit", width=400, height=300, mat_color=Tup(1, 2, 3, 255), anchor=Plain("tl"))])
    add("fit-noup", [P("ResizeToFit", width=1600, height=1600, upscale=False)], format="JPEG",
        options=Dct(("optimize", True), ("quality", 85)))
    add("fit-anchor-frac", [P("ResizeToFit", width=10, height=20, mat_color="#fff", anchor=Tup(0.25, 0.75))])
    add("smartresize", [P("SmartResize", width=200, height=200)])
    add("smartresize-noup", [P("SmartResize", width=200, height=150, upscale=False)], format="jpeg")
    # ResizeCanvas: pilkit's x/y rule and colour default
    add("canvas", [P("ResizeCanvas", width=300, height=200)])
    add("canvas-color-str", [P("ResizeCanvas", width=300, height=200, color="#ff0000")])
    add("canvas-color-tuple", [P("ResizeCanvas", width=300, height=200, color=Tup(255, 0, 0))])
    add("canvas-color-rgba", [P("ResizeCanvas", width=300, height=200, color=Tup(255, 0, 0, 128), anchor=Plain("br"))])
    add("canvas-anchor-frac", [P("ResizeCanvas", width=300, height=200, anchor=Tup(0.25, 0.75))])
    add("canvas-xy", [P("ResizeCanvas", width=300, height=200, x=10, y=20)])
    add("canvas-x-only", [P("ResizeCanvas", width=300, height=200, x=10)], note="y stored as int 0")
    add("canvas-x-float0", [P("ResizeCanvas", width=300, height=200, x=0.0, y=None)], note="0.0 or 0 -> int 0")
    add("canvas-x-float", [P("ResizeCanvas", width=300, height=200, x=5.5, y=False)], note="False or 0 -> 0",
        may_refuse=True)
    add("canvas-y-false", [P("ResizeCanvas", width=300, height=200, x=5, y=False)], note="False or 0 -> int 0",
        may_refuse=True)
    add("canvas-color-empty", [P("ResizeCanvas", width=300, height=200, color=Tup())],
        note="() is falsy: pilkit's default colour object", may_refuse=True)
    add("canvas-color-null", [P("ResizeCanvas", width=300, height=200, color=None)])
    add("canvas-dict-roundtrip", [P("ResizeCanvas", width=300, height=200, color=Tup(255, 255, 255, 0),
                                    anchor=Plain("c"), x=None, y=None)], note="__dict__ passed back")
    add("canvas-dict-roundtrip-xy", [P("ResizeCanvas", width=300, height=200, color=Tup(255, 255, 255, 0),
                                       anchor=None, x=0, y=7)])
    # AddBorder
    add("border", [P("AddBorder", thickness=5)])
    add("border-4", [P("AddBorder", thickness=Tup(1, 2, 3, 4), color="#000")])
    add("border-4-list", [P("AddBorder", thickness=Lst(1, 2, 3, 4), color=Tup(0, 0, 0))])
    add("border-bool", [P("AddBorder", thickness=True)], may_refuse=True, note="bool is an int to pilkit")
    # Thumbnail processor: derived crop/anchor
    add("thumbp", [P("Thumbnail", width=100, height=100)], format="JPEG")
    add("thumbp-w", [P("Thumbnail", width=100)])
    add("thumbp-h", [P("Thumbnail", width=None, height=100)])
    add("thumbp-anchor", [P("Thumbnail", width=100, height=80, anchor=Plain("tr"))])
    add("thumbp-anchor-frac", [P("Thumbnail", width=100, height=80, anchor=Tup(0.5, 0.5))])
    add("thumbp-nocrop", [P("Thumbnail", width=100, height=80, crop=False)])
    add("thumbp-crop-anchor", [P("Thumbnail", width=100, height=80, crop=True, anchor=Plain("b"))])
    add("thumbp-up", [P("Thumbnail", width=100, height=80, upscale=True)])
    add("thumbp-noup", [P("Thumbnail", width=100, height=80, upscale=False)])
    add("thumbp-dict-roundtrip", [P("Thumbnail", width=100, height=100, upscale=None, crop=True,
                                    anchor=Plain("auto"))], note="__dict__ of Thumbnail(100, 100) passed back")
    add("thumbp-dict-roundtrip-fit", [P("Thumbnail", width=100, height=None, upscale=None, crop=False,
                                        anchor=None)])
    # Crop family
    add("crop", [P("Crop", width=100, height=100)])
    add("crop-anchor", [P("Crop", width=100, height=100, anchor=Plain("tl"))])
    add("crop-anchor-frac", [P("Crop", width=100, height=100, anchor=Tup(0.5, 0))])
    add("crop-xy", [P("Crop", width=100, height=100, x=10, y=5)])
    add("crop-negative", [P("Crop", width=100, height=100, x=-5, y=-7)], may_refuse=True)
    add("crop-x0", [P("Crop", width=100, height=100, x=0)], note="Crop stores x/y as given")
    add("smartcrop", [P("SmartCrop", width=100, height=100)])
    add("trim", [P("TrimBorderColor")])
    add("trim-color", [P("TrimBorderColor", color=Tup(255, 255, 255))])
    add("trim-color-rgba", [P("TrimBorderColor", color=Tup(255, 255, 255, 255), tolerance=0.1)])
    add("trim-tol-int", [P("TrimBorderColor", tolerance=0)])
    add("trim-sides", [P("TrimBorderColor", sides=Tup(Plain("t"), Plain("b")))])
    add("trim-sides-list", [P("TrimBorderColor", sides=Lst("l", "r"))])
    add("trim-sides-all", [P("TrimBorderColor", sides=Tup("t", "r", "b", "l"))],
        note="an explicit tuple is a fresh object; its items are cached one-char strings")
    add("trim-sides-words", [P("TrimBorderColor", sides=Tup(Spell("top", "t"), Spell("left", "l")))],
        note="ikgen's side names stand for pilkit's interned letters")
    add("trim-twice-default", [P("TrimBorderColor"), P("TrimBorderColor", tolerance=0.5)],
        note="pilkit's default sides tuple is one object: GET")
    # base
    add("adjust", [P("Adjust")])
    add("adjust-color", [P("Adjust", color=0.5)], format="JPEG")
    add("adjust-all", [P("Adjust", color=0.8, brightness=1.2, contrast=0.9, sharpness=2)])
    add("adjust-int", [P("Adjust", contrast=1)])
    add("adjust-exotic-floats", [P("Adjust", color=1e-05, brightness=1e16, contrast=0.1, sharpness=-0.0)],
        may_refuse=True)
    add("adjust-float-repr", [P("Adjust", color=123456789.125, brightness=0.0001, contrast=9999999999999998.0,
                                sharpness=0.30000000000000004)], may_refuse=True)
    add("adjust-float-extremes", [P("Adjust", color=1e22, brightness=5e-324, contrast=1.7976931348623157e308,
                                    sharpness=1e-07)], may_refuse=True)
    add("adjust-1e2", [P("Adjust", brightness=Flt(100.0, "1e2"), color=Flt(1.5, "+1.5"))])
    add("adjust-inf", [P("Adjust", brightness=float("inf"))], may_refuse=True)
    add("adjust-nan", [P("Adjust", contrast=float("nan"))], may_refuse=True)
    add("reflection", [P("Reflection")])
    add("reflection-args", [P("Reflection", background_color="#000000", size=0.5, opacity=1)])
    add("reflection-tuple", [P("Reflection", background_color=Tup(0, 0, 0), size=0.25)])
    add("reflection-twice", [P("Reflection"), P("Reflection", size=0.1)], note="default '#FFFFFF' shared: GET")
    add("transpose-empty", [P("Transpose")], note="Transpose(): no __dict__")
    add("transpose-auto", [P("Transpose", methods=Tup(Plain("auto")))])
    add("transpose-fh", [P("Transpose", methods=Tup(Plain("flip_horizontal")))])
    add("transpose-two", [P("Transpose", methods=Tup(Plain("rotate_90"), Plain("flip_vertical")))])
    add("transpose-ints", [P("Transpose", methods=Tup(0, 4))])
    add("transpose-list", [P("Transpose", methods=Lst(Plain("rotate_180")))], may_refuse=True,
        note="Transpose(*[3]) stores a tuple; a !list is not a value its __dict__ can hold")
    add("transpose-270-fit", [P("Transpose", methods=Tup(Plain("rotate_270"))), P("ResizeToFit", width=50)])
    add("transpose-auto-twice", [P("Transpose", methods=Tup(Plain("auto"))), P("Transpose", methods=Tup("auto"))])
    add("opaque", [P("MakeOpaque")], format="JPEG")
    add("opaque-color", [P("MakeOpaque", background_color=Tup(0, 0, 0))])
    add("opaque-str", [P("MakeOpaque", background_color="#000000")])
    add("opaque-twice", [P("MakeOpaque"), P("MakeOpaque")], note="default (255, 255, 255) shared: GET")
    add("opaque-explicit-default", [P("MakeOpaque"), P("MakeOpaque", background_color=Tup(255, 255, 255))],
        note="an explicit tuple is fresh: no GET")
    add("overlay", [P("ColorOverlay", color="#ff0000")])
    add("overlay-tuple", [P("ColorOverlay", color=Tup(255, 0, 0), overlay_opacity=0.25)])
    add("overlay-int", [P("ColorOverlay", color=Tup(0, 0, 255, 255), overlay_opacity=1)])
    # ProcessorPipeline
    add("pipeline", [Pipe(P("Resize", width=100, height=100), P("Adjust", color=0.5))])
    add("pipeline-nested", [P("Resize", width=10, height=10),
                            Pipe(Pipe(P("Crop", width=5, height=5)), P("MakeOpaque"))])
    add("pipeline-shared", [Anchor("pp", P("ResizeToFit", width=64)), Pipe(Alias("pp"), P("Adjust"))])
    # shared objects
    add("shared-proc", [Anchor("sp", P("ResizeToFit", width=300, height=200)), Alias("sp")],
        note="the same processor object twice: GET")
    add("twin-procs", [P("ResizeToFit", width=300, height=200), P("ResizeToFit", width=300, height=200)],
        note="equal but distinct processors")
    add("shared-tuple", [RF(anchor=Anchor("st", Tup(0.5, 0.25))), P("Crop", width=50, height=50, anchor=Alias("st"))])
    add("twin-tuples", [RF(anchor=Tup(0.5, 0.25)), P("Crop", width=50, height=50, anchor=Tup(0.5, 0.25))])
    add("shared-color", [P("ResizeCanvas", width=9, height=9, color=Anchor("sc", "#abcdef")),
                         P("ColorOverlay", color=Alias("sc"))])
    add("twin-colors", [P("ResizeCanvas", width=9, height=9, color="#abcdef"), P("ColorOverlay", color="#abcdef")])
    add("interned-twice", [RF(anchor=Plain("tl")), P("Crop", width=50, height=50, anchor="tl")],
        note="identifier-like literal: one interned object: GET")
    add("runtime-then-literal", [RF(anchor=Runtime("tl")), P("Crop", width=50, height=50, anchor=Plain("tl"))])
    add("literal-then-runtime", [RF(anchor=Plain("tl")), P("Crop", width=50, height=50, anchor=Runtime("tl"))])
    add("runtime-twice", [RF(anchor=Runtime("br")), P("Crop", width=50, height=50, anchor=Runtime("br"))])
    add("runtime-aliased", [RF(anchor=Anchor("rt", Runtime("br"))), P("Crop", width=50, height=50, anchor=Alias("rt"))])
    add("runtime-onechar-twice", [RF(anchor=Runtime("c")), P("Crop", width=5, height=5, anchor=Runtime("c"))],
        note="two run-time 'c's are one cached latin-1 object: GET")
    add("runtime-onechar-vs-literal", [RF(anchor=Runtime("b")), P("Crop", width=5, height=5, anchor=Plain("b"))],
        note="CPython 3.11: chr(98) is not the interned literal 'b': no GET")
    add("runtime-joined", [RF(anchor=Runtime("".join(["t", "l"])))])
    add("onechar-twice", [RF(anchor="c"), P("ResizeToFit", width=5), P("Crop", width=1, height=1, anchor="c")],
        note="'c' is a cached one-char string, also pilkit's default anchor of ResizeToFit")
    add("anchor-t", [RF(anchor=Plain("t"))], note="with the source named 't': the same object")
    add("shared-color-tuple", [P("ResizeCanvas", width=9, height=9, color=Anchor("ct", Tup(10, 20, 30))),
                               P("MakeOpaque", background_color=Alias("ct"))])
    add("canvas-twice-default", [P("ResizeCanvas", width=9, height=9), P("ResizeCanvas", width=8, height=8)],
        note="pilkit's (255, 255, 255, 0) literal is one object: GET")
    add("thumbp-twice", [P("Thumbnail", width=9, height=9), P("Thumbnail", width=8, height=8)],
        note="the derived anchor 'auto' is interned: GET")
    add("transpose-auto-int", [P("Transpose", methods=Tup(Plain("auto"), 0))])
    add("shared-mat-list", [P("ResizeToFit", width=4, height=4, mat_color=Anchor("ml", Lst(1, 2, 3))),
                            P("ResizeCanvas", width=9, height=9, color=Alias("ml"))])
    # format / options / autoconvert
    base = lambda: [P("Resize", width=100, height=100)]  # noqa: E731
    add("fmt-jpeg", base(), format="JPEG")
    add("fmt-png", base(), format="PNG")
    add("fmt-webp", base(), format="WEBP")
    add("fmt-lower", base(), format="jpeg")
    add("fmt-mixed", base(), format="Png")
    add("fmt-null", base(), format=None)
    add("fmt-tilde", base(), format=Spell("~", None), options=Spell("~", None), spec_hash=True)
    add("fmt-absent", base())
    add("opt-empty", base(), format="JPEG", options=Dct())
    add("opt-null", base(), format="JPEG", options=None)
    add("opt-many", base(), format="JPEG", options=Dct(("quality", 85), ("progressive", True), ("optimize", True)))
    add("opt-unsorted", base(), format="JPEG", options=Dct(("quality", 70), ("optimize", False)))
    add("opt-quality-float", base(), format="JPEG", options=Dct(("quality", 85.0)), may_refuse=True)
    add("opt-png", base(), format="PNG", options=Dct(("compress_level", 9)))
    add("opt-webp", base(), format="WEBP", options=Dct(("lossless", True), ("quality", 80)))
    add("opt-nofmt", base(), options=Dct(("quality", 60)), may_refuse=True)
    add("autoconvert-false", base(), format="JPEG", autoconvert=False)
    add("autoconvert-true", base(), format="JPEG", autoconvert=True)
    add("autoconvert-false-nofmt", base(), autoconvert=False)
    add("no-processors", format="JPEG")
    add("empty-processors", [], format="PNG", options=Dct())
    add("processors-tuple", [P("ResizeToFill", width=10, height=10), P("Adjust", color=0.5)], format="JPEG",
        processors_tuple=True, may_refuse=True, note="a class attribute processors = (...): pickled as a tuple")
    add("processors-list-tag", [P("ResizeToFill", width=10, height=10)], processors_tag=" !list")
    add("spec-hash-key", [P("SmartCrop", width=10, height=10)], spec_hash=True)
    # YAML aliases across specs (options dict, processors list)
    add("alias-across-a", base(), format="JPEG", options=Anchor("g_xo", Dct(("quality", 61))))
    add("alias-across-b", [P("Resize", width=7, height=7)], format="JPEG", options=Alias("g_xo"))

    # ImageSpecField: the same specs declared on a model (every third case, and a few more)
    field = []
    for i, c in enumerate(C):
        if c.cid.startswith("alias-across"):
            continue
        if i % 3 == 0 or c.cid in ("opt-null", "fmt-null", "no-processors", "autoconvert-false", "shared-proc",
                                   "runtime-then-literal", "opt-empty"):
            f = Case("field-" + c.cid, c.processors, c.format, c.options, c.autoconvert, kind="field",
                     may_refuse=c.may_refuse, note=c.note)
            field.append(f)
    C += field

    # {% thumbnail %}: imagekit.generatorlibrary.Thumbnail, and the real template tag
    for d in ("100x100", "100x", "x100", "0x100", "100x0", "1x1", "640x480"):
        add("tn-" + d, kind="thumb", dims=d)
    add("tn-crop-false", kind="thumb", dims="100x100", tag_kwargs=[("crop", False)])
    add("tn-crop-true", kind="thumb", dims="100x100", tag_kwargs=[("crop", True)])
    add("tn-upscale", kind="thumb", dims="200x", tag_kwargs=[("upscale", True)])
    add("tn-upscale-false", kind="thumb", dims="50x50", tag_kwargs=[("upscale", False), ("crop", False)])
    add("tag-100x50", kind="tag", dims="100x50")
    add("tag-x80", kind="tag", dims="x80")
    add("tag-crop-false", kind="tag", dims="120x90", tag_kwargs=[("crop", False)])
    add("tag-upscale", kind="tag", dims="120x", tag_kwargs=[("upscale", True)])
    # anchors given through template variables (a view's literal 'tr' is interned; a tuple)
    add("tag-anchor-var", kind="tag", dims="100x50", tag_vars=[("anchor", Plain("tr"))])
    add("tag-anchor-var-frac", kind="tag", dims="100x50", tag_vars=[("anchor", Tup(0.5, 0.25))])
    add("tag-anchor-var-crop", kind="tag", dims="80x60", tag_vars=[("anchor", Plain("b")), ("crop", True)])

    # probes on a few specs
    for c in C:
        if c.cid in ("fill-frac", "fit", "shared-proc", "opt-empty", "field-fill-frac", "tn-100x100", "runtime-then-literal"):
            c.probes = True
    return C


def self_checks():
    """(python case, yaml case): the YAML deliberately differs, so names must differ."""
    S = []

    def add(cid, py, ym, why):
        c = Case("selfcheck-" + cid, **py)
        c.yaml_case = Case("x", **ym)
        c.note = why
        S.append(c)

    add("float-as-int", dict(processors=[P("Adjust", color=1.0)]), dict(processors=[P("Adjust", color=1)]),
        "1.0 written as 1")
    add("int-as-float", dict(processors=[P("Resize", width=100, height=50)]),
        dict(processors=[P("Resize", width=100.0, height=50)]), "100 written as 100.0")
    add("tuple-as-list", dict(processors=[P("ResizeToFill", width=9, height=9, anchor=Tup(0.5, 0.25))]),
        dict(processors=[P("ResizeToFill", width=9, height=9, anchor=Lst(0.5, 0.25))]), "tuple written as !list")
    add("shared-unaliased", dict(processors=[Anchor("q", P("Resize", width=9, height=9)), Alias("q")]),
        dict(processors=[P("Resize", width=9, height=9), P("Resize", width=9, height=9)]), "alias dropped")
    add("format-case", dict(processors=[P("Resize", width=9, height=9)], format="JPEG"),
        dict(processors=[P("Resize", width=9, height=9)], format="jpeg"), "'JPEG' written as 'jpeg'")
    add("options-none-as-empty", dict(processors=[P("Resize", width=9, height=9)], format="JPEG"),
        dict(processors=[P("Resize", width=9, height=9)], format="JPEG", options=Dct()), "None written as {}")
    add("runtime-as-literal", dict(processors=[P("ResizeToFill", width=9, height=9, anchor=Runtime("tl")),
                                               P("Crop", width=9, height=9, anchor=Runtime("tl"))]),
        dict(processors=[P("ResizeToFill", width=9, height=9, anchor="tl"), P("Crop", width=9, height=9, anchor="tl")]),
        "!runtime dropped")
    add("false-as-null", dict(processors=[P("Resize", width=9, height=9, upscale=False)]),
        dict(processors=[P("Resize", width=9, height=9, upscale=None)]), "False written as null")
    add("interned-as-fresh", dict(processors=[P("ResizeToFill", width=9, height=9, anchor="tl"),
                                              P("Crop", width=9, height=9, anchor="tl")]),
        dict(processors=[P("ResizeToFill", width=9, height=9, anchor=Runtime("tl")),
                         P("Crop", width=9, height=9, anchor="tl")]), "a literal written as !runtime")
    return S


SOURCES = [
    "photos/bulldog.jpg", "a.jpg", "photo.jpeg", "UPPER.JPG", "mixed.Jpeg", "pic.png", "pic2.PNG", "anim.gif",
    "scan.tif", "x.webp", "x.jpe", "weird.xyz", "noext", "trailing.", ".hidden", ".hidden.jpg", "..dots.jpg",
    "dir.v2/file", "nested/deep/er/path/img.jpg", "with space/a b.jpg", " lead.jpg", "trail .jpg",
    "quo\"te's.jpg", "back\\slash.jpg", "new\nline.jpg", "cr\rret.jpg", "tab\there.jpg",
    "plus+sign%20#hash?.jpg", "glob[1]*.jpg", "ünïcödé/café.jpg", "cafe\u0301.jpg", "ключ/фото.jpg",
    "日本語.png", "emoji😀/🎉.jpg", "c1\x85nel.jpg", "sub\x1a.jpg", "ls\u2028sep.jpg", "\u0100.jpg", "ä",
    "t", "c", "tl", "JPEG", "a-b.c-d.JPEG", "\"leading-quote.jpg", "x/.y.jpg", "a..b.jpg", "x.y/z.w/q",
]

PROBE_SOURCES = ["ikgen-probe/photo.jpg", "ikgen-probe/ä b\"c\\d\ne.JPG"]


# --------------------------------------------------------------------------------------
# Running ikgen.

def set_namer(namer, cache_dir):
    settings.IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers." + namer
    settings.IMAGEKIT_CACHEFILE_DIR = cache_dir


def run_ikgen(ikgen, args, cwd):
    p = subprocess.run([ikgen] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "surrogateescape")


def write_sources(root):
    from PIL import Image
    for name in SOURCES:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path) or root, exist_ok=True)
        Image.new("RGB", (8, 6), (200, 100, 50)).save(path, "PNG" if name.lower().endswith(".png") else "JPEG")


def sources_list_line(name):
    plain = (name and name[0] not in '" ' and name[-1] != " " and
             all(0x20 <= ord(ch) != 0x7F and not (0x80 <= ord(ch) <= 0x9F) and ord(ch) not in (0x2028, 0x2029)
                 for ch in name))
    return name if plain else json.dumps(name)


def header(cache_dir, namer, hash_mode, sources_mode):
    lines = ["storage: {root: media}", "cache:", "  dir: %s" % yaml_str(cache_dir), "  namer: %s" % namer]
    if hash_mode:
        lines.append("  hash: %s" % hash_mode)
    return lines


def group_lines(sources_mode):
    lines = ["source_groups:", "  - id: all", '    specs: ["pin"]']
    if sources_mode == "list":
        lines.append("    sources_from: sources.txt")
    else:
        lines.append('    include: ["**/*"]')
    return lines


class Project:
    """One YAML file: specs (with line ranges, to attribute config errors), one group."""

    def __init__(self, workdir, name, cache_dir, namer, sources_mode, hash_mode="imagekit"):
        self.path = os.path.join(workdir, name)
        self.workdir, self.cache_dir, self.namer = workdir, cache_dir, namer
        self.sources_mode, self.hash_mode = sources_mode, hash_mode
        self.entries = []  # (spec id, case, built, probes, extra yaml lines)

    def write(self, skip=()):
        lines = header(self.cache_dir, self.namer, self.hash_mode, self.sources_mode) + ["specs:"]
        self.ranges = []
        for sid, case, built, probes, extra in self.entries:
            if sid in skip:
                continue
            start = len(lines) + 1
            lines += case.yaml_lines(sid, probes) + extra
            self.ranges.append((start, len(lines), sid))
        lines += group_lines(self.sources_mode)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def spec_at(self, line):
        for a, b, sid in self.ranges:
            if a <= line <= b:
                return sid
        return None


def check(ikgen, project, skip):
    project.write(skip)
    rc, out, err = run_ikgen(ikgen, ["check", "--json", "-c", project.path], project.workdir)
    return rc, out, err


def parse_check(out):
    got = {}
    for line in out.split("\n"):  # not splitlines(): names may hold U+0085, U+2028...
        if line.strip():
            o = json.loads(line)
            got[(o["generator"], o["source"])] = o["file"]
    return got


def check_until_loaded(ikgen, project, refused):
    """Runs `check`; a config error at a spec's line removes that spec (recorded as
    refused) and runs again."""
    skip = set()
    base = os.path.basename(project.path)
    while True:
        rc, out, err = check(ikgen, project, skip)
        if rc in (0, 1):
            return parse_check(out), skip
        m = re.search(re.escape(base) + r":(\d+):(\d+)", err)
        sid = project.spec_at(int(m.group(1))) if m else None
        if rc != 2 or sid is None or sid in skip:
            raise RuntimeError("ikgen check failed (exit %d) on %s:\n%s" % (rc, project.path, err.strip()))
        skip.add(sid)
        refused[sid] = err.strip().splitlines()[0] if err.strip() else "(no message)"


def supports(ikgen, workdir, key_yaml, sources_mode="glob"):
    """Does the binary load a minimal project with this extra YAML?"""
    d = tempfile.mkdtemp(dir=workdir)
    os.makedirs(os.path.join(d, "media"))
    with open(os.path.join(d, "sources.txt"), "w") as f:
        f.write("")
    y = ["storage: {root: media}", "cache:", "  dir: CACHE/images"] + key_yaml
    with open(os.path.join(d, "p.yaml"), "w") as f:
        f.write("\n".join(y) + "\n")
    rc, out, err = run_ikgen(ikgen, ["check", "--json", "-c", "p.yaml"], d)
    return rc in (0, 1), err.strip()


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("-")]
    verbose, keep = "-v" in argv, "--keep" in argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    ikgen = os.path.abspath(args[0])
    if not os.access(ikgen, os.X_OK):
        print("pin_names: not an executable: %s" % ikgen, file=sys.stderr)
        return 2
    workdir = STORAGE_TMP
    try:
        return run(ikgen, workdir, verbose)
    finally:
        if keep:
            print("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(ikgen, workdir, verbose):
    group = ["source_groups:", "  - id: g", '    specs: ["pin"]']
    ok, err = supports(ikgen, workdir, ["  hash: imagekit", "specs:", '  - id: "pin:x"', "    format: JPEG"]
                       + group + ['    include: ["*.jpg"]'])
    if not ok:
        if "hash" in err:
            print("SKIPPED: %s does not support `cache.hash: imagekit` (%s)" % (ikgen, err.splitlines()[-1]))
            return 77
        print("FAILED: a minimal `hash: imagekit` project does not load: %s" % err)
        return 1
    ok, _ = supports(ikgen, workdir, ["specs:", '  - id: "pin:x"', "    format: JPEG"] + group
                     + ["    sources_from: sources.txt"])
    sources_mode = "list" if ok else "glob"
    print("ikgen: %s; sources: %s" % (ikgen, "sources_from list" if ok else "globs over the storage root "
                                      "(sources_from not supported by this binary)"))

    write_sources(MEDIA)
    with open(os.path.join(workdir, "sources.txt"), "w", encoding="utf-8") as f:
        for name in SOURCES:
            f.write(sources_list_line(name) + "\n")

    all_cases = cases()
    checks = self_checks()
    built = {}
    for i, c in enumerate(all_cases + checks):
        built[c.cid] = c.build(i)

    failures = []
    refused = {}
    cannot_name = {}
    named_anyway = {}
    n_names = n_match = 0
    per_case_bad = {}

    for namer in NAMERS:
        for cache_dir in CACHE_DIRS:
            set_namer(namer, cache_dir)
            tag = "%s, %s" % (namer, cache_dir)
            proj = Project(workdir, "project-%s-%d.yaml" % (namer, CACHE_DIRS.index(cache_dir)),
                           cache_dir, namer, sources_mode)
            expected = {}
            for c in all_cases + checks:
                sid = "pin:" + c.cid
                probes = None
                if c.probes:
                    probes = [(s, c.expected(built[c.cid], s)) for s in PROBE_SOURCES]
                proj.entries.append((sid, c, built[c.cid], probes, []))
                for s in SOURCES:
                    try:
                        expected[(sid, s)] = stored(c.expected(built[c.cid], s))
                    except (RecursionError, Exception) as e:  # imagekit itself cannot name it
                        expected[(sid, s)] = ImagekitError(e)
            got, skipped = check_until_loaded(ikgen, proj, refused)
            by_id = {"pin:" + c.cid: c for c in all_cases + checks}
            for (sid, s), want in sorted(expected.items()):
                c = by_id[sid]
                if sid in skipped:
                    continue
                have = got.get((sid, s))
                if isinstance(want, ImagekitError):
                    cannot_name.setdefault(sid, want)
                    if have is not None:
                        named_anyway.setdefault(sid, []).append((tag, s, have))
                    continue
                if c.yaml_case is not None:
                    # self-check: must differ
                    if have is None:
                        failures.append("%s [%s] source %r: ikgen listed nothing" % (sid, tag, s))
                    elif have == want:
                        failures.append("SELF-CHECK INSENSITIVE %s [%s] source %r: YAML with %s still gives %s"
                                        % (sid, tag, s, c.note, have))
                    continue
                n_names += 1
                if have == want:
                    n_match += 1
                    continue
                per_case_bad.setdefault(sid, []).append((tag, s, want, have))
                if len(per_case_bad[sid]) <= 2 or verbose:  # the first two of each spec (-v: all)
                    print("MISMATCH %s [%s] source %r\n  imagekit: %r\n  ikgen:    %r" % (sid, tag, s, want, have))
                    if c.kind in ("class", "field") and len(per_case_bad[sid]) == 1:
                        print("  pickle:   %r" % c.pickle_bytes(built[c.cid], s))
                        print("  yaml:\n    " + "\n    ".join(c.yaml_lines(sid)))
            extra = [k for k in got if k not in expected]
            for k in extra:
                failures.append("ikgen listed an unexpected (spec, source) %r [%s]" % (k, tag))

    # refused specs: allowed only when flagged may_refuse
    by_id = {"pin:" + c.cid: c for c in all_cases + checks}
    for sid, bad in sorted(named_anyway.items()):
        failures.append("%s: imagekit cannot name it (%s) but ikgen gives %d names, e.g. [%s] %r: %r"
                        % (sid, cannot_name[sid], len(bad), bad[0][0], bad[0][1], bad[0][2]))
    for sid, why in sorted(cannot_name.items()):
        if sid in refused:
            print("refused as it must be (imagekit raises %s): %s: %s" % (why, sid, refused[sid]))
    for sid, msg in sorted(refused.items()):
        c = by_id[sid]
        if sid in cannot_name:
            continue
        if c.may_refuse or c.yaml_case is not None:
            print("refused (allowed: not renderable by pilkit or documented as optional): %s: %s" % (sid, msg))
        else:
            failures.append("REFUSED valid spec %s: %s" % (sid, msg))

    for sid, bad in sorted(per_case_bad.items()):
        failures.append("%s: %d names differ (e.g. [%s] %r: %r != %r)" % (sid, len(bad), bad[0][0], bad[0][1],
                                                                          bad[0][2], bad[0][3]))

    failures += probe_and_override_checks(ikgen, workdir, sources_mode, built, all_cases)
    failures += generate_checks(ikgen, workdir, sources_mode, built, all_cases)

    n_checks = sum(1 for c in checks if "pin:" + c.cid not in refused)
    if n_checks < len(checks) - 1:
        failures.append("only %d of %d self-checks could run" % (n_checks, len(checks)))
    accepted = [c.cid for c in all_cases if c.may_refuse and "pin:" + c.cid not in refused]
    if accepted:
        print("accepted and pinned (cases ikgen may refuse): %s" % ", ".join(accepted))
    print("cases: %d specs (%d class-based, %d ImageSpecField, %d thumbnail) x %d sources x %d namers x %d cache dirs;"
          " %d self-checks" % (len(all_cases), sum(c.kind == "class" for c in all_cases),
                               sum(c.kind == "field" for c in all_cases),
                               sum(c.kind in ("thumb", "tag") for c in all_cases), len(SOURCES), len(NAMERS),
                               len(CACHE_DIRS), n_checks))
    print("pinned %d names: %d match" % (n_names, n_match))
    if failures:
        print("FAILED (%d):" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    return 0


GENERATE_CASES = ["fill-frac", "fit-mat-str", "shared-proc", "transpose-auto", "field-resize", "tn-100x100",
                  "tag-anchor-var"]
GENERATE_SOURCES = ["photos/bulldog.jpg", "new\nline.jpg", "emoji😀/🎉.jpg", "UPPER.JPG", "ä"]


def generate_checks(ikgen, workdir, sources_mode, built, all_cases):
    """`ikgen generate SPEC SOURCE... --json` (design section 3) must write imagekit's names too."""
    rc, out, _ = run_ikgen(ikgen, ["generate", "--help"], workdir)
    if rc != 0 or "sources-from" not in out:
        print("ikgen generate: not in this binary, not checked")
        return []
    failures = []
    namer = "source_name_dot_hash"
    set_namer(namer, "CACHE/images")
    proj = Project(workdir, "generate.yaml", "CACHE/images", namer, sources_mode)
    by = {c.cid: c for c in all_cases}
    for cid in GENERATE_CASES:
        proj.entries.append(("pin:" + cid, by[cid], built[cid], None, []))
    proj.write()
    n = 0
    for cid in GENERATE_CASES:
        c = by[cid]
        rc, out, err = run_ikgen(ikgen, ["generate", "pin:" + cid] + GENERATE_SOURCES + ["--json", "-c", proj.path],
                                 workdir)
        got = parse_check(out) if rc == 0 else {}
        if rc != 0:
            failures.append("ikgen generate pin:%s failed (exit %d): %s" % (cid, rc, err.strip()))
            continue
        bad = []
        for s in GENERATE_SOURCES:
            want = stored(c.expected(built[cid], s))
            have = got.get(("pin:" + cid, s))
            n += 1
            if have != want:
                bad.append("%r: wrote %r, imagekit names %r" % (s, have, want))
            elif not os.path.isfile(os.path.join(MEDIA, want)):
                bad.append("%r: reported %r but no such file" % (s, want))
        if bad:
            failures.append("ikgen generate pin:%s [%s]: %d of %d wrong, e.g. %s"
                            % (cid, namer, len(bad), len(GENERATE_SOURCES), bad[0]))
    print("ikgen generate: %d (spec, source) pairs checked" % n)
    return failures


def probe_and_override_checks(ikgen, workdir, sources_mode, built, all_cases):
    """A wrong probe must be refused (exit 2 at its line); a per-spec `hash: imagekit`
    overrides the project's default ikgen hash, and only for that spec."""
    failures = []
    set_namer("source_name_as_path", "CACHE/images")
    by = {c.cid: c for c in all_cases}
    c = by["fill-frac"]
    good = c.expected(built[c.cid], PROBE_SOURCES[1])
    wrong = good.replace(good.rsplit("/", 1)[1][:4], "0000", 1)
    for label, probe_file, want_ok in (("right", good, True), ("wrong", wrong, False)):
        proj = Project(workdir, "probe-%s.yaml" % label, "CACHE/images", "source_name_as_path", sources_mode)
        proj.entries.append(("pin:probe", c, None, [(PROBE_SOURCES[1], probe_file)], []))
        rc, out, err = check(ikgen, proj, set())
        if want_ok and rc not in (0, 1):
            failures.append("a correct probe was refused (exit %d): %s" % (rc, err.strip()))
        if not want_ok:
            a, b, _ = proj.ranges[0]
            m = re.search(r"probe-wrong\.yaml:(\d+):\d+", err)
            if rc != 2 or not m or not a <= int(m.group(1)) <= b:
                failures.append("a wrong probe was not refused with exit 2 at its line %d-%d (exit %d): %s"
                                % (a, b, rc, err.strip()))
            else:
                # the message must stay on one line (README: control characters are escaped), name
                # both files and say what to do
                line = next((x for x in err.split("\n") if "probe" in x), "")
                if not ("re-export" in line and wrong.rsplit("/", 1)[1] in line and "pin:probe" in line):
                    failures.append("the wrong probe's error is not one line naming the probe's file and "
                                    "saying what to do (re-export...): %r" % err)
                else:
                    print("wrong probe refused: %s" % line)

    proj = Project(workdir, "override.yaml", "CACHE/images", "source_name_as_path", sources_mode, hash_mode=None)
    c_ik = Case("ovr", [P("Resize", width=100, height=50)], format="JPEG", spec_hash=True)
    c_def = Case("ovr", [P("Resize", width=100, height=50)], format="JPEG")
    b = c_ik.build(9999)
    proj.entries.append(("pin:ik", c_ik, b, None, []))
    proj.entries.append(("pin:default", c_def, b, None, []))
    rc, out, err = check(ikgen, proj, set())
    if rc not in (0, 1):
        failures.append("override project failed (exit %d): %s" % (rc, err.strip()))
        return failures
    got = parse_check(out)
    for s in SOURCES[:6]:
        want = stored(c_ik.expected(b, s))
        if got.get(("pin:ik", s)) != want:
            failures.append("per-spec hash: imagekit under the ikgen default: %r: %r != %r"
                            % (s, got.get(("pin:ik", s)), want))
        if got.get(("pin:default", s)) in (None, want):
            failures.append("the project default (ikgen hash) gave imagekit's name or nothing for %r: %r"
                            % (s, got.get(("pin:default", s))))
    return failures


if __name__ == "__main__":
    sys.exit(main(sys.argv))
