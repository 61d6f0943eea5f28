#!/usr/bin/python3
"""pilkit conformance suite for ikgen.

Usage: /usr/bin/python3 tests/conformance/conformance.py path/to/ikgen [--keep] [-j N] [--raw]

Run with Debian's Python (python3-pilkit, python3-pil, python3-yaml; no numpy needed). It

1. creates the sources in a fresh temporary directory: two real photos (a landscape and a portrait
   crop of wallpapers from Debian's gnome-backgrounds, saved as JPEG), an RGBA PNG, a grey JPEG, a
   palette PNG with a transparent index (tRNS), a grey+alpha PNG, a tiny 40x30 JPEG, eight
   JPEGs carrying EXIF orientations 1..8, and larger JPEGs that ikgen may decode at reduced
   scale (no image file is committed);
2. copies specs.yaml (next to this script) there as the project file and runs the real
   `ikgen generateimages`, then `ikgen check --json` to learn which file belongs to which
   (spec, source) pair;
3. for every pair, computes what django-imagekit makes with pilkit: the same processors (YAML
   translated to pilkit's classes), then imagekit's saving (the spec's format, else the
   source's; pilkit's prepare_image when autoconvert is on; the spec's options as PIL save
   arguments), encoded by PIL;
4. compares the two decoded images: identical dimensions, the same format, translucency in both or
   in neither, and the PSNR of RGB with alpha composited on white. A PNG output of crops,
   transposes, borders and canvas operations only ("exact" tier) needs >= 45 dB; everything
   else ("approx" tier: resampling, colour arithmetic, lossy encoding) needs >= 30 dB, except
   that a pair ikgen decoded at full size and whose every resize reduces by less than 6x on
   each axis must be pixel-identical: the README says such resampling is bit-exact with Pillow
   (larger reductions average boxes first, and shrink-on-load decodes at 1/2 to 1/8).

Where ikgen's README documents a deliberate difference from pilkit, the expected image is
computed with that correction applied explicitly, never skipped; each such pair names its
correction in the `expectation` column, with what plain pilkit would have given instead. `--raw`
turns the corrections off.

It also checks that specs.yaml covers ikgen's whole processor registry and every parameter of
every processor, asking the binary itself for both lists, so a processor added to ikgen without a
conformance spec fails here.

Prints a table and a summary; exits 1 when any pair fails, 2 on a setup error.
"""

import argparse
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import yaml
from PIL import Image, ImageChops, ImageDraw
from pilkit import processors as pk
from pilkit.processors.crop import detect_border_color, _crop
from pilkit.utils import prepare_image

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS_FILE = os.path.join(HERE, "specs.yaml")
WALLPAPERS = "/usr/share/backgrounds/gnome"

EXACT_DB = 45.0
APPROX_DB = 30.0
BOX_REDUCTION = 6.0  # from this reduction on, ikgen averages boxes before Lanczos (README)

# Processors that only move, crop or pad pixels: their PNG outputs must be (all but) identical.
EXACT_PROCESSORS = {"Crop", "SmartCrop", "ResizeCanvas", "AddBorder", "Transpose", "TrimBorderColor"}

ORIENTATION_TAG = 0x0112

# The source folders each group of specs (by the first segment of the spec id) runs on.
SOURCE_FOLDERS = {"c": ("photos", "synthetic"), "o": ("exif",), "s": ("shrink",)}

# ikgen's deliberate differences from pilkit (README, "Differences from django-imagekit and
# pilkit"), as the expected images apply them. Each must be exercised, that is make plain pilkit's
# image differ from ikgen's, by at least one pair.
DOCUMENTED_DIFFERENCES = {
    "auto-after-step": "Transpose auto applies the orientation after another processor",
    "webp-alpha": "WEBP outputs keep alpha",
    "LA-as-RGBA": "grey+alpha sources keep their alpha",
    "trim-tolerance": "TrimBorderColor trims colours within the tolerance",
    "opaque-rgb": "MakeOpaque returns opaque RGB",
    "overlay-keeps-alpha": "ColorOverlay keeps the alpha channel",
    "reflection-size0": "Reflection with size 0 does not divide by zero",
    "palette-as-colour": "palette sources are decoded to RGB/RGBA, so entropy crops see colours, not indices",
}

ENTROPY_STEPS = {"SmartCrop", "SmartResize", "Thumbnail"}


class SetupError(Exception):
    pass


# ---- sources -------------------------------------------------------------------------------------


def wallpaper(name, box, size):
    path = os.path.join(WALLPAPERS, name)
    if not os.path.exists(path):
        raise SetupError(f"{path} is missing; scripts/install-deps.sh installs gnome-backgrounds")
    with Image.open(path) as im:
        return im.convert("RGB").crop(box).resize(size, Image.LANCZOS)


def make_sources(media):
    """Writes every source under `media`; returns their names relative to it."""
    os.makedirs(os.path.join(media, "photos"))
    os.makedirs(os.path.join(media, "synthetic"))
    os.makedirs(os.path.join(media, "exif"))
    os.makedirs(os.path.join(media, "shrink"))
    names = []

    def save(im, name, **kwargs):
        im.save(os.path.join(media, name), **kwargs)
        names.append(name)

    # Real photos. Odd sizes, so that resizes have fractional sides to round; halving the
    # landscape's 533 gives exactly 266.5, which round-half-even makes 266 (half-up: 267).
    landscape = wallpaper("truchet-l.webp", (0, 700, 4096, 700 + 2729), (800, 533))
    portrait = wallpaper("wood-l.webp", (1200, 0, 1200 + 2731, 4096), (427, 640))
    save(landscape, "photos/landscape.jpg", quality=92)
    save(portrait, "photos/portrait.jpg", quality=92)

    # RGBA: a 16 px fully transparent frame storing green (it must never show), inside a photo
    # with alpha rising from 40 to 255 left to right, a transparent hole and an opaque square.
    rgba = landscape.crop((100, 100, 420, 340)).convert("RGBA")
    alpha = Image.linear_gradient("L").rotate(90).resize((320, 240)).point(lambda v: 255 - (v * 215) // 255)
    draw = ImageDraw.Draw(alpha)
    draw.ellipse((60, 70, 130, 140), fill=0)
    draw.rectangle((200, 40, 260, 100), fill=255)
    rgba.putalpha(alpha)
    frame = Image.new("RGBA", (320, 240), (10, 200, 30, 0))
    frame.paste(rgba.crop((16, 16, 304, 224)), (16, 16))
    save(frame, "synthetic/rgba.png")

    # Grey JPEG (mode L).
    save(landscape.crop((300, 150, 600, 350)).convert("L"), "synthetic/grey.jpg", quality=90)

    # Palette PNG: 63 colours from the portrait plus index 63, magenta, marked transparent (tRNS).
    palette = portrait.crop((50, 100, 250, 250)).quantize(63)
    palette.putpalette(palette.getpalette()[: 63 * 3] + [255, 0, 255])
    ImageDraw.Draw(palette).ellipse((20, 30, 110, 100), fill=63)
    ImageDraw.Draw(palette).rectangle((0, 0, 199, 6), fill=63)
    save(palette, "synthetic/palette.png", transparency=63)

    # Grey+alpha PNG (mode LA): transparent corner storing white, alpha falling top to bottom.
    grey = landscape.crop((500, 50, 660, 170)).convert("L")
    grey_alpha = Image.linear_gradient("L").resize((160, 120)).point(lambda v: 255 - (v * 200) // 255)
    ImageDraw.Draw(grey_alpha).rectangle((0, 0, 40, 30), fill=0)
    ImageDraw.Draw(grey).rectangle((0, 0, 40, 30), fill=255)
    save(Image.merge("LA", (grey, grey_alpha)), "synthetic/grey_alpha.png")

    # A tiny image, smaller than every target.
    save(landscape.resize((40, 30), Image.LANCZOS), "synthetic/tiny.jpg", quality=90)

    # EXIF orientations: asymmetric content (red square top left, blue bar top right).
    def with_orientation(orientation):
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = orientation
        return exif.tobytes()

    base = landscape.crop((200, 300, 320, 380))
    ImageDraw.Draw(base).rectangle((0, 0, 19, 19), fill=(255, 0, 0))
    ImageDraw.Draw(base).rectangle((100, 0, 119, 7), fill=(0, 0, 255))
    for orientation in range(1, 9):
        save(base, f"exif/o{orientation}.jpg", quality=92, exif=with_orientation(orientation))

    # Larger JPEGs with only downscaling specs (the "s:" group): ikgen decodes them at a reduced
    # scale (shrink-on-load), which pilkit never does, so this is where that approximation shows.
    large = wallpaper("truchet-l.webp", (0, 600, 4096, 600 + 2729), (1600, 1066))
    save(large, "shrink/landscape.jpg", quality=90)
    save(wallpaper("wood-l.webp", (1000, 0, 1000 + 2731, 4096), (854, 1281)), "shrink/portrait.jpg", quality=90)
    save(large.crop((200, 100, 1400, 900)).convert("L"), "shrink/grey.jpg", quality=90)
    rotated = large.crop((300, 200, 1260, 840))
    ImageDraw.Draw(rotated).rectangle((0, 0, 99, 99), fill=(255, 0, 0))
    save(rotated, "shrink/o6.jpg", quality=90, exif=with_orientation(6))
    return names


# ---- ikgen ---------------------------------------------------------------------------------------


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def ikgen_registry(ikgen, workdir):
    """{processor: [parameter, ...]} as the binary itself reports them in its error messages."""
    probe = os.path.join(workdir, "probe")
    os.makedirs(os.path.join(probe, "media"), exist_ok=True)

    def error_list(processor_entry, pattern):
        cfg = os.path.join(probe, "probe.yaml")
        with open(cfg, "w") as f:
            f.write("storage: {root: media}\nspecs:\n  - id: probe\n    processors:\n      - " + processor_entry + "\n")
        result = run([ikgen, "check", "-c", cfg])
        match = re.search(pattern, result.stderr)
        if result.returncode != 2 or not match:
            raise SetupError(f"cannot read the list from ikgen's error: {result.stderr.strip()!r}")
        return [item.strip() for item in match.group(1).split(",")]

    names = error_list("NoSuchProcessorXyz: {}", r"valid processors: (.*)")
    return {name: error_list(name + ": {no_such_parameter_xyz: 1}", r"valid keys: (.*)") for name in names}


def check_coverage(registry, specs):
    """Every processor of the registry and every one of its parameters appears in some spec."""
    used = {}
    for spec in specs:
        for step in spec.get("processors") or []:
            (name, params), = step.items()
            used.setdefault(name, set()).update((params or {}).keys())
    problems = []
    for name, params in registry.items():
        if name not in used:
            problems.append(f"processor {name} is in ikgen's registry but in no conformance spec")
            continue
        for param in params:
            if param not in used[name]:
                problems.append(f"parameter {name}.{param} appears in no conformance spec")
    return problems


# ---- translating the YAML to pilkit ---------------------------------------------------------------


def rgba_tuple(value):
    """An ikgen colour ("#rgb", "#rrggbb", "#rrggbbaa", [r, g, b(, a)]) as PIL's 3- or 4-tuple."""
    if isinstance(value, str):
        digits = value.lstrip("#")
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i : i + 2], 16) for i in range(0, len(digits), 2))
    return tuple(int(v) for v in value)


def color_string(value):
    """The colour as the '#rrggbb(aa)' string pilkit's Reflection insists on."""
    return "#" + "".join(f"{v:02x}" for v in rgba_tuple(value))


def anchor_value(value):
    return value if isinstance(value, str) or value is None else tuple(value)


TRANSPOSE_METHODS = {
    "auto": pk.Transpose.AUTO,
    "flip_horizontal": pk.Transpose.FLIP_HORIZONTAL,
    "flip_vertical": pk.Transpose.FLIP_VERTICAL,
    "rotate_90": pk.Transpose.ROTATE_90,
    "rotate_180": pk.Transpose.ROTATE_180,
    "rotate_270": pk.Transpose.ROTATE_270,
}

SIDES = {"top": pk.Side.TOP, "right": pk.Side.RIGHT, "bottom": pk.Side.BOTTOM, "left": pk.Side.LEFT}


class Context:
    """What a pipeline run knows about its source: the opened file and its EXIF orientation."""

    def __init__(self, opened, raw):
        self.opened = opened
        self.orientation = (opened.getexif() or {}).get(ORIENTATION_TAG, 1)
        self.raw = raw
        self.corrections = []
        self.largest_reduction = 1.0  # of any resize in the pipeline (RecordReductions)

    def correct(self, note):
        if note not in self.corrections:
            self.corrections.append(note)


class AutoTranspose:
    """Transpose(auto). pilkit reads the orientation from the opened file, so it does nothing once
    another processor has returned a new image. README: ikgen applies the orientation wherever the
    step stands (once)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def process(self, img):
        ctx = self.ctx
        if ctx.raw or img is ctx.opened:
            result = pk.Transpose(pk.Transpose.AUTO).process(img)
            if result is not img:
                ctx.orientation = 1
            return result
        steps = pk.Transpose._EXIF_ORIENTATION_STEPS.get(ctx.orientation, [])
        if steps:
            ctx.correct("auto-after-step")
            img = pk.Transpose(*steps).process(img)
        ctx.orientation = 1
        return img


class TrimBorderColorCorrected:
    """ikgen's documented TrimBorderColor (DELIBERATE DIFFERENCE in src/processors/trim_border_color.cpp): a pixel is
    border when each channel (RGB, plus alpha for an image with alpha) is within int(t*255) of the
    border colour (pilkit's detect_border_color, or `color`); the requested sides are cropped to
    the other pixels; an image of nothing but border is left as it is. pilkit itself looks only at
    alpha and, with any tolerance but 0 or 1, never trims."""

    def __init__(self, color, tolerance, sides):
        self.color, self.tolerance, self.sides = color, tolerance, sides

    def process(self, img):
        source = img.convert("RGBA")
        border = self.color or tuple(detect_border_color(source))
        diff = ImageChops.difference(source, Image.new("RGBA", img.size, border))
        limit = int(self.tolerance * 255)
        with_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
        bands = diff.split() if with_alpha else diff.split()[:3]
        content = None
        for band in bands:
            over = band.point(lambda v: 255 if v > limit else 0)
            content = over if content is None else ImageChops.lighter(content, over)
        bbox = content.getbbox()
        return _crop(img, bbox, self.sides) if bbox else img


class MakeOpaqueCorrected:
    """ikgen's documented MakeOpaque: pilkit's blend of the colour channels, returned as opaque RGB
    (pilkit also blends alpha with itself and leaves a translucent image)."""

    def __init__(self, background):
        self.background = background[:3]

    def process(self, img):
        return pk.MakeOpaque(self.background).process(img).convert("RGB")


class ColorOverlayCorrected:
    """ikgen's documented ColorOverlay: pilkit's RGB result, with the source's alpha kept (pilkit's
    convert('RGB') drops it without compositing)."""

    def __init__(self, color, opacity):
        self.color, self.opacity = color[:3], opacity

    def process(self, img):
        out = pk.ColorOverlay(self.color, self.opacity).process(img)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            out = out.convert("RGBA")
            out.putalpha(img.convert("RGBA").getchannel("A"))
        return out


class ReflectionCorrected:
    """ikgen's documented Reflection: pilkit's, except that int(255*size) == 0 (the default size
    0.0), where pilkit divides by zero, uses the limit of its formula: a mask of 255, so the
    reflection band (int(H*size) rows) is plain background."""

    def __init__(self, background, size, opacity):
        self.background, self.size, self.opacity = background, size, opacity

    def process(self, img):
        if int(255 * self.size) != 0:
            return pk.Reflection(self.background, self.size, self.opacity).process(img)
        img = img.convert("RGBA")
        band = int(img.size[1] * self.size)
        out = Image.new("RGBA", (img.size[0], img.size[1] + band), self.background)
        out.paste(img, (0, 0))
        return out


def make_processor(name, params, ctx):
    """The pilkit processor for one YAML step (with ikgen's documented corrections unless raw)."""
    p = dict(params or {})
    width, height = p.get("width"), p.get("height")
    if name == "Resize":
        return pk.Resize(width, height, upscale=p.get("upscale", True))
    if name == "ResizeToCover":
        return pk.ResizeToCover(width, height, upscale=p.get("upscale", True))
    if name == "ResizeToFill":
        return pk.ResizeToFill(width, height, anchor=anchor_value(p.get("anchor")), upscale=p.get("upscale", True))
    if name == "ResizeToFit":
        mat = p.get("mat_color")
        return pk.ResizeToFit(width, height, upscale=p.get("upscale", True),
                              mat_color=rgba_tuple(mat) if mat is not None else None,
                              anchor=anchor_value(p.get("anchor", "c")))
    if name == "SmartResize":
        return pk.SmartResize(width, height, upscale=p.get("upscale", True))
    if name == "Crop":
        return pk.Crop(width, height, anchor=anchor_value(p.get("anchor")), x=p.get("x"), y=p.get("y"))
    if name == "SmartCrop":
        return pk.SmartCrop(width, height)
    if name == "Thumbnail":
        return pk.Thumbnail(width, height, anchor=anchor_value(p.get("anchor")), crop=p.get("crop"),
                            upscale=p.get("upscale"))
    if name == "ResizeCanvas":
        color = p.get("color")
        return pk.ResizeCanvas(width, height, color=rgba_tuple(color) if color is not None else None,
                               anchor=anchor_value(p.get("anchor")), x=p.get("x"), y=p.get("y"))
    if name == "AddBorder":
        thickness = p["thickness"]
        color = p.get("color")
        return pk.AddBorder(thickness if isinstance(thickness, int) else tuple(thickness),
                            color=rgba_tuple(color) if color is not None else None)
    if name == "Transpose":
        methods = p.get("methods") or ["auto"]
        if "auto" in methods:
            return AutoTranspose(ctx)
        return pk.Transpose(*[TRANSPOSE_METHODS[m] for m in methods])
    if name == "Adjust":
        return pk.Adjust(**{k: float(v) for k, v in p.items()})
    if name == "TrimBorderColor":
        color = rgba_tuple(p["color"]) if "color" in p else None
        tolerance = p.get("tolerance", 0.3)
        sides = tuple(SIDES[s] for s in p.get("sides", ["top", "right", "bottom", "left"]))
        if ctx.raw:
            return pk.TrimBorderColor(color, tolerance, sides)
        ctx.correct("trim-tolerance")
        return TrimBorderColorCorrected(color, tolerance, sides)
    if name == "MakeOpaque":
        background = rgba_tuple(p.get("background_color", [255, 255, 255]))
        if ctx.raw:
            return pk.MakeOpaque(background[:3])
        ctx.correct("opaque-rgb")
        return MakeOpaqueCorrected(background)
    if name == "ColorOverlay":
        color = rgba_tuple(p["color"])
        opacity = p.get("overlay_opacity", 0.5)
        if ctx.raw:
            return pk.ColorOverlay(color[:3], opacity)
        return ColorOverlayCorrected(color, opacity)
    if name == "Reflection":
        background = color_string(p.get("background_color", "#ffffff"))
        size, opacity = p.get("size", 0.0), p.get("opacity", 0.6)
        if ctx.raw:
            return pk.Reflection(background, size, opacity)
        if int(255 * size) == 0:
            ctx.correct("reflection-size0")
        return ReflectionCorrected(background, size, opacity)
    raise SetupError(f"no pilkit translation for processor {name!r}; add one to conformance.py")


def has_translucency(img):
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        return img.convert("RGBA").getchannel("A").getextrema()[0] < 255
    return False


class RecordReductions:
    """Notes in ctx.largest_reduction the largest reduction, on either axis, of any resize that
    pilkit does meanwhile."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __enter__(self):
        self.original = Image.Image.resize
        original, ctx = self.original, self.ctx

        def resize(im, size, *args, **kwargs):
            if size[0] > 0 and size[1] > 0:
                ctx.largest_reduction = max(ctx.largest_reduction, im.size[0] / size[0], im.size[1] / size[1])
            return original(im, size, *args, **kwargs)

        Image.Image.resize = resize

    def __exit__(self, *exc):
        Image.Image.resize = self.original


def expected_output(source_path, spec, raw):
    """imagekit's generate(): open, processors, format, prepare_image, save. Returns (bytes,
    format, corrections)."""
    img = Image.open(source_path)
    ctx = Context(img, raw)
    original_format = img.format
    if not raw and img.mode == "LA":
        # README: grey+alpha sources keep their alpha (held as RGBA).
        if has_translucency(img):
            ctx.correct("LA-as-RGBA")
        img = img.convert("RGBA")
    if not raw and img.mode == "P":
        # README: palette sources are decoded to RGB (RGBA with tRNS). Only the entropy crops
        # can tell: pilkit measures entropy on palette indices, ikgen on the colours.
        if any(next(iter(step)) in ENTROPY_STEPS for step in spec.get("processors") or []):
            ctx.correct("palette-as-colour")
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    for step in spec.get("processors") or []:
        (name, params), = step.items()
        before = img
        with RecordReductions(ctx):
            img = make_processor(name, params, ctx).process(img)
        if name == "ColorOverlay" and not raw and has_translucency(before):
            ctx.correct("overlay-keeps-alpha")
    fmt = (spec.get("format") or img.format or original_format or "JPEG").upper()
    options = dict(spec.get("options") or {})
    if spec.get("autoconvert", True):
        if fmt == "WEBP" and img.mode == "RGBA" and not raw:
            # README: WEBP outputs keep alpha (pilkit composites them on white like JPEG).
            save_kwargs = {}
            if has_translucency(img):
                ctx.correct("webp-alpha")
        else:
            img, save_kwargs = prepare_image(img, fmt)
        save_kwargs.update(options)
    else:
        save_kwargs = options
    buffer = io.BytesIO()
    img.save(buffer, fmt, **save_kwargs)
    return buffer.getvalue(), fmt, ctx.corrections, ctx.largest_reduction


# ---- comparison ----------------------------------------------------------------------------------


def on_white(img):
    if img.mode in ("RGBA", "LA", "PA", "P") or "transparency" in img.info:
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img).convert("RGB")
    return img.convert("RGB")


def psnr(a, b):
    """PSNR of two RGB images of one size, in dB (inf when identical); pure PIL."""
    histogram = ImageChops.difference(a, b).histogram()
    sse = sum(count * (i % 256) ** 2 for i, count in enumerate(histogram) if count)
    if sse == 0:
        return math.inf, 0
    max_diff = max(i % 256 for i, count in enumerate(histogram) if count)
    mse = sse / (a.size[0] * a.size[1] * 3)
    return 10 * math.log10(255 * 255 / mse), max_diff


def tier_of(spec, fmt):
    names = {next(iter(step)) for step in spec.get("processors") or []}
    return "exact" if fmt == "PNG" and names <= EXACT_PROCESSORS else "approx"


def mismatches(actual, expected, fmt, bar):
    """What differs between ikgen's decoded output and the expected one: (problems, psnr, max diff)."""
    problems = []
    value = max_diff = None
    if actual.size != expected.size:
        problems.append(f"dimensions differ: pilkit {expected.size[0]}x{expected.size[1]}")
    if actual.format != fmt:
        problems.append(f"format {actual.format}, expected {fmt}")
    if has_translucency(actual) != has_translucency(expected):
        problems.append(("translucent" if has_translucency(actual) else "opaque") + " unlike pilkit")
    if actual.size == expected.size:
        value, max_diff = psnr(on_white(actual), on_white(expected))
        if value < bar:
            problems.append(f"PSNR {value:.2f} < {bar:g} dB (max diff {max_diff})")
    return problems, value, max_diff


def compare(job):
    """One (spec, source) pair: the row of the table."""
    spec, source, source_path, actual_path, raw, decode_scale = job
    row = {"spec": spec["id"], "source": source, "dims": "", "psnr": None, "tier": "", "ok": False,
           "expectation": "", "corrections": [], "exercised": False, "why": ""}
    actual = Image.open(actual_path)
    actual.load()
    row["dims"] = f"{actual.size[0]}x{actual.size[1]}"
    try:
        expected_bytes, fmt, corrections, largest_reduction = expected_output(source_path, spec, raw)
    except Exception as e:  # a pilkit failure where ikgen succeeded is a mismatch, not a crash
        row["why"] = f"pilkit raised {type(e).__name__}: {e}"
        return row
    row["tier"] = tier_of(spec, fmt)
    bar = EXACT_DB if row["tier"] == "exact" else APPROX_DB
    expected = Image.open(io.BytesIO(expected_bytes))
    expected.load()
    problems, row["psnr"], row["max_diff"] = mismatches(actual, expected, fmt, bar)
    if row["tier"] == "approx" and decode_scale == 1 and largest_reduction < BOX_REDUCTION and not raw:
        row["tier"] = "bit-exact"
        if row["psnr"] is not None and not math.isinf(row["psnr"]):
            problems.append(f"not pixel-identical (PSNR {row['psnr']:.2f} dB) though decoded at full size and reduced "
                            f"by {largest_reduction:.2f}x < {BOX_REDUCTION:g}x at most")
    row["ok"] = not problems
    row["why"] = "; ".join(problems)

    # With a documented difference in play, say whether plain pilkit would have matched too: the
    # difference is exercised by this pair only when it would not.
    row["expectation"] = "pilkit"
    if corrections:
        row["corrections"] = corrections
        try:
            raw_bytes, raw_fmt, _, _ = expected_output(source_path, spec, True)
            raw_image = Image.open(io.BytesIO(raw_bytes))
            raw_image.load()
            raw_problems, _, _ = mismatches(actual, raw_image, raw_fmt, bar)
            plain = "; ".join(raw_problems) if raw_problems else "same"
        except Exception as e:
            raw_problems = [e]
            plain = f"raises {type(e).__name__}"
        row["exercised"] = bool(raw_problems)
        row["expectation"] = f"README: {'+'.join(corrections)} (plain pilkit: {plain})"
    return row


# ---- main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ikgen", help="the ikgen binary to test")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (also IKGEN_KEEP_TEST_DIRS=1)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="comparison processes")
    parser.add_argument("--raw", action="store_true", help="expect plain pilkit: no documented corrections")
    args = parser.parse_args()
    ikgen = os.path.abspath(args.ikgen)
    keep = args.keep or os.environ.get("IKGEN_KEEP_TEST_DIRS") == "1"
    started = time.monotonic()

    with open(SPECS_FILE) as f:
        project = yaml.safe_load(f)
    specs = {spec["id"]: spec for spec in project["specs"]}

    workdir = tempfile.mkdtemp(prefix="ikgen-conformance-")
    failed = True
    try:
        registry = ikgen_registry(ikgen, workdir)
        coverage_problems = check_coverage(registry, project["specs"])

        media = os.path.join(workdir, "media")
        sources = make_sources(media)
        config = os.path.join(workdir, "ikgen.yaml")
        shutil.copyfile(SPECS_FILE, config)

        t0 = time.monotonic()
        generated = run([ikgen, "generateimages", "-c", config, "-v"])
        ikgen_seconds = time.monotonic() - t0
        if generated.returncode != 0:
            raise SetupError(f"ikgen generateimages exited {generated.returncode}:\n{generated.stdout}{generated.stderr}")
        checked = run([ikgen, "check", "--json", "-c", config])
        if checked.returncode != 0:
            raise SetupError(f"ikgen check exited {checked.returncode} after generateimages:\n{checked.stderr}")
        entries = [json.loads(line) for line in checked.stdout.splitlines() if line.strip()]
        # "generated FILE (WxH) from SOURCE at 1/N": the scale each output's source was decoded at.
        decode_scales = {}
        for line in generated.stdout.splitlines():
            found = re.match(r"generated (.+) \((\d+)x(\d+)\) from .+ at 1/(\d+)$", line)
            if found:
                decode_scales[found.group(1)] = int(found.group(4))

        # Every spec must have run on every source of its group.
        pairs = {(e["generator"], e["source"]) for e in entries}
        for spec_id in specs:
            folders = SOURCE_FOLDERS[spec_id.split(":")[0]]
            missing = [s for s in sources if s.split("/")[0] in folders and (spec_id, s) not in pairs]
            if missing:
                coverage_problems.append(f"ikgen made no output of spec {spec_id} for {', '.join(missing)}")

        jobs = [(specs[e["generator"]], e["source"], os.path.join(media, e["source"]), os.path.join(media, e["file"]), args.raw,
                 decode_scales.get(e["file"]))
                for e in sorted(entries, key=lambda e: (list(specs).index(e["generator"]), e["source"]))]
        t0 = time.monotonic()
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            rows = list(pool.map(compare, jobs, chunksize=4))
        pilkit_seconds = time.monotonic() - t0

        if not args.raw:
            for name in DOCUMENTED_DIFFERENCES:
                if not any(r["exercised"] for r in rows if name in r["corrections"]):
                    coverage_problems.append(f"no pair exercises the documented difference {name}")
        print_table(rows)
        failures = [r for r in rows if not r["ok"]]
        print_summary(rows, failures, coverage_problems, ikgen_seconds, pilkit_seconds, time.monotonic() - started)
        failed = bool(failures or coverage_problems)
        return 1 if failed else 0
    except SetupError as e:
        print(f"conformance: error: {e}", file=sys.stderr)
        return 2
    finally:
        if keep or failed:
            print(f"conformance: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def format_psnr(value):
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:.2f}"


def print_table(rows):
    header = ("spec", "source", "dims", "PSNR dB", "tier", "result", "expectation")
    lines = [(r["spec"], r["source"], r["dims"], format_psnr(r["psnr"]), r["tier"], "pass" if r["ok"] else "FAIL",
              r["expectation"] + (f"  <- {r['why']}" if r["why"] else "")) for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:-1])]
    def fmt(cols):
        return "  ".join(c.ljust(w) for c, w in zip(cols[:-1], widths)) + "  " + cols[-1]
    print(fmt(header))
    print(fmt(tuple("-" * w for w in widths) + ("-" * 11,)))
    for line in lines:
        print(fmt(line))


def print_summary(rows, failures, coverage_problems, ikgen_seconds, pilkit_seconds, total_seconds):
    print()
    for tier, bar in (("exact", EXACT_DB), ("approx", APPROX_DB), ("bit-exact", math.inf)):
        tier_rows = [r for r in rows if r["tier"] == tier]
        values = [r["psnr"] for r in tier_rows if r["psnr"] is not None]
        identical = sum(1 for v in values if math.isinf(v))
        lowest = min(values) if values else None
        print(f"{tier:9} tier (>= {bar:g} dB): {len(tier_rows)} pairs, {identical} pixel-identical, "
              f"min PSNR {format_psnr(lowest)}, {sum(1 for r in tier_rows if not r['ok'])} failed")
    for name, description in DOCUMENTED_DIFFERENCES.items():
        involved = [r for r in rows if name in r["corrections"]]
        exercised = sum(1 for r in involved if r["exercised"])
        print(f"documented difference {name} ({description}): {len(involved)} pairs, "
              f"{exercised} where plain pilkit would not match")
    print(f"{len(rows)} pairs, {len(rows) - len(failures)} passed, {len(failures)} failed; "
          f"ikgen {ikgen_seconds:.1f} s, pilkit + comparison {pilkit_seconds:.1f} s, total {total_seconds:.1f} s")
    for problem in coverage_problems:
        print(f"coverage: FAIL: {problem}")
    for r in failures:
        print(f"FAIL {r['spec']} {r['source']}: {r['why']}")


if __name__ == "__main__":
    sys.exit(main())
