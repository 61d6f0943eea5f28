"""Finds the literal sizes of ``{% thumbnail 'WxH' source ... %}`` tags in the site's templates.

Every directory of every DjangoTemplates engine (``DIRS``) and every installed app's
``templates/`` directory is read. Only templates that ``{% load %}`` imagekit are looked at (sorl
and easy-thumbnails have a ``thumbnail`` tag too). Sizes given by a variable are left to imagekit.
"""

import os
import re
from dataclasses import dataclass, field

from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.base import Lexer, TokenType, Variable
from django.template.utils import get_app_template_dirs
from django.utils.safestring import SafeData

_LOADS_IMAGEKIT = re.compile(r"{%\s*load\s+[^%]*\bimagekit\b")
_KWARG = re.compile(r"([A-Za-z_]\w*)=(.+)\Z", re.S)
_TAG_KWARGS = ("anchor", "crop", "upscale")


@dataclass
class ThumbnailUse:
    width: object
    height: object
    kwargs: dict  # anchor/crop/upscale with the Python values the template gives them
    dimensions: str
    tag_size: str = ""  # the tag's size and keyword arguments as written, to run the real tag on probes
    tag_kwargs: list = field(default_factory=list)
    places: list = field(default_factory=list)  # "path:line"


@dataclass
class ScanResult:
    uses: dict = field(default_factory=dict)  # key -> ThumbnailUse
    skipped: list = field(default_factory=list)  # (place, reason)


def template_dirs():
    dirs = []
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            dirs.extend(os.fspath(d) for d in engine.engine.dirs)
    dirs.extend(os.fspath(d) for d in get_app_template_dirs("templates"))
    unique = []
    for d in dirs:
        d = os.path.abspath(d)
        if d not in unique and os.path.isdir(d):
            unique.append(d)
    return unique


def _literal(text):
    """The value Django's template gives a literal argument, or raise ValueError if not literal."""
    if "|" in text:
        raise ValueError("a filter expression")
    variable = Variable(text)
    if variable.literal is not None:
        return variable.literal
    # Bare True/False/None resolve from the context's builtins (Django >= 1.5).
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    raise ValueError("the variable %r" % text)


def parse_dimensions(text):
    """imagekit's templatetags.parse_dimensions (ints, '' or 0 -> None)."""
    parts = text.split("x")
    if len(parts) != 2:
        raise ValueError("dimensions %r are not 'WxH', 'Wx' or 'xH'" % text)
    width, height = [d.strip() and int(d) or None for d in parts]
    return width, height


def _scan_token(token, place, result):
    bits = token.split_contents()[1:]
    if len(bits) >= 2 and bits[-2] == "as":
        bits = bits[:-2]
    if "--" in bits:
        bits = bits[:bits.index("--")]
    args, kwargs = [], {}
    for bit in bits:
        match = _KWARG.match(bit)
        if match and not bit.startswith(("'", '"')):
            kwargs[match.group(1)] = match.group(2)
        else:
            args.append(bit)
    if len(args) not in (2, 3):
        result.skipped.append((place, "not a thumbnail tag with a size and a source"))
        return
    if len(args) == 3:
        try:
            generator_id = _literal(args[0])
        except ValueError as error:
            result.skipped.append((place, "the generator id is %s; left to imagekit" % error))
            return
        if generator_id != "imagekit:thumbnail":
            result.skipped.append((place, "generator %r is not imagekit:thumbnail; left to imagekit" % str(generator_id)))
            return
    try:
        dimensions = _literal(args[-2])
    except ValueError as error:
        result.skipped.append((place, "the size is %s, not a literal 'WxH'; left to imagekit" % error))
        return
    try:
        width, height = parse_dimensions(str(dimensions))
    except ValueError as error:
        result.skipped.append((place, str(error)))
        return
    values = {}
    for key, text in kwargs.items():
        if key not in _TAG_KWARGS:
            result.skipped.append((place, "unknown thumbnail argument %r; left to imagekit" % key))
            return
        try:
            value = _literal(text)
        except ValueError as error:
            result.skipped.append((place, "%s is %s; left to imagekit" % (key, error)))
            return
        if isinstance(value, SafeData) and key != "anchor":
            # Django wraps a quoted template literal in SafeString, a str subclass that pickles
            # as a django.utils.safestring.SafeString object: ikgen's YAML cannot state it.
            # (imagekit >= 5 turns a SafeString anchor into a str; the export runs the real tag.)
            result.skipped.append((place, "%s=%s is a quoted template literal (a SafeString, which imagekit hashes "
                                          "as a Django object, not a str); ikgen cannot name it; left to imagekit"
                                   % (key, text)))
            return
        values[key] = value
    if width is None and height is None:
        result.skipped.append((place, "size %r has neither width nor height" % str(dimensions)))
        return
    key = (width, height, tuple(sorted((k, type(v).__name__, repr(v)) for k, v in values.items())))
    use = result.uses.get(key)
    if use is None:
        use = result.uses[key] = ThumbnailUse(width, height, values, "%sx%s" % (width or "", height or ""), args[-2],
                                              ["%s=%s" % (k, kwargs[k]) for k in sorted(kwargs)])
    use.places.append(place)


def scan_templates(dirs=None):
    result = ScanResult()
    for top in dirs if dirs is not None else template_dirs():
        for folder, subdirs, files in os.walk(top):
            subdirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    with open(path, encoding="utf-8") as handle:
                        text = handle.read()
                except (UnicodeDecodeError, OSError):
                    continue
                if "thumbnail" not in text or not _LOADS_IMAGEKIT.search(text):
                    continue
                for token in Lexer(text).tokenize():
                    if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == ["thumbnail"]:
                        _scan_token(token, "%s:%s" % (path, token.lineno), result)
    return result
