#!/usr/bin/python3
"""Writes the seed corpora and the config dictionary for scripts/fuzz.sh.

Usage: /usr/bin/python3 tests/fuzz/make_seeds.py OUT_DIR

OUT_DIR/config/   project files: specs.example.yaml, tests/conformance/specs.yaml, the YAML
                  snippets of the unit tests (raw string literals) and a few odd constructs
OUT_DIR/decode/   small images made here with Pillow (Debian's python3-pil): JPEG baseline,
                  progressive, grey, CMYK, with EXIF orientation; PNG RGB, RGBA, palette with
                  transparency, grey 16-bit, grey+alpha, optimised, with eXIf; WebP lossy,
                  lossless with alpha, with EXIF; and truncated copies of some
OUT_DIR/config.dict  libFuzzer dictionary: the config's keys, processor and parameter names

Everything is generated, deterministically; no third-party image is used.
"""

import io
import pathlib
import re
import sys

from PIL import Image, ImageDraw

ROOT = pathlib.Path(__file__).resolve().parents[2]


def photo(width, height, mode="RGB"):
    """Gradients, a circle and a line, so that encoders and resamplers have something to do."""
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            fx = x * 255 // max(1, width - 1)
            fy = y * 255 // max(1, height - 1)
            pixels[x, y] = (fx, fy, (fx + fy) // 2)
    draw = ImageDraw.Draw(image)
    r = max(1, min(width, height) // 4)
    draw.ellipse((width // 3 - r, height // 2 - r, width // 3 + r, height // 2 + r), fill=(200, 60, 30))
    draw.line((0, height - 1, width - 1, 0), fill=(255, 255, 255), width=max(1, min(width, height) // 16))
    if mode == "RGBA":
        alpha = Image.linear_gradient("L").resize((width, height)).rotate(90)
        image = image.convert("RGBA")
        image.putalpha(alpha)
        return image
    return image.convert(mode)


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def decode_seeds():
    seeds = {
        "jpeg-baseline.jpg": encoded(photo(48, 32), "JPEG", quality=75),
        "jpeg-progressive.jpg": encoded(photo(40, 40), "JPEG", quality=85, progressive=True, optimize=True),
        "jpeg-444.jpg": encoded(photo(24, 16), "JPEG", quality=90, subsampling=0),
        "jpeg-grey.jpg": encoded(photo(17, 9, "L"), "JPEG"),
        "jpeg-cmyk.jpg": encoded(photo(16, 16, "CMYK"), "JPEG"),
        "jpeg-exif6.jpg": encoded(photo(32, 20), "JPEG", exif=exif_bytes(6)),
        "jpeg-exif3.jpg": encoded(photo(20, 12), "JPEG", exif=exif_bytes(3)),
        # Large enough for generateimages to decode it at 1/4 or 1/8 scale for a 64 px output.
        "jpeg-640.jpg": encoded(photo(640, 480), "JPEG", quality=30),
        "png-rgb.png": encoded(photo(20, 14), "PNG"),
        "png-rgba.png": encoded(photo(20, 14, "RGBA"), "PNG"),
        "png-grey16.png": encoded(photo(12, 10, "L").convert("I").point(lambda v: v * 257), "PNG"),
        "png-la.png": encoded(photo(12, 10, "RGBA").convert("LA"), "PNG"),
        "png-optimized.png": encoded(photo(16, 16), "PNG", optimize=True),
        "png-exif8.png": encoded(photo(18, 10), "PNG", exif=exif_bytes(8)),
        "webp-lossy.webp": encoded(photo(24, 24), "WEBP", quality=50),
        "webp-lossless-alpha.webp": encoded(photo(16, 12, "RGBA"), "WEBP", lossless=True),
        "webp-exif6.webp": encoded(photo(20, 16), "WEBP", exif=exif_bytes(6)),
    }
    palette = photo(16, 16).convert("P", palette=Image.ADAPTIVE, colors=8)
    palette.info["transparency"] = 0
    seeds["png-palette-trns.png"] = encoded(palette, "PNG", transparency=0)
    for name in ("jpeg-baseline.jpg", "jpeg-exif6.jpg", "png-rgb.png", "webp-lossy.webp"):
        data = seeds[name]
        seeds["truncated-half-" + name] = data[: len(data) // 2]
    seeds["truncated-no-eoi-jpeg-baseline.jpg"] = seeds["jpeg-baseline.jpg"][:-2]
    return seeds


ODD_YAML = {
    "anchors-aliases.yaml": """storage: &s {root: media}
specs:
  - &spec
    id: a
    processors: [{ResizeToFit: {width: 10}}]
  - <<: *spec
    id: b
source_groups:
  - {id: g, specs: [a, b], include: ["*.jpg"], exclude: *s}
""",
    "tags-and-keys.yaml": """storage: {root: !!binary aGVsbG8=}
? [complex, key]
: 1
specs:
  - id: !!str 1
    processors:
      - ResizeToFill: {width: 0x10, height: 1e1, anchor: [0.5, .5]}
      - Adjust: {color: .inf}
      - AddBorder: {thickness: [1, 2, 3, 4], color: "#fff8"}
    options: {quality: 100.0}
source_groups:
  - id: g
    specs: ["**"]
    include: ["a/**/[a-z]?.png", "../x"]
""",
    "multi-document.yaml": """storage: {root: media}
specs: [{id: a, processors: [{Transpose: {methods: [auto, flip_horizontal]}}], format: WEBP}]
source_groups: [{id: g, specs: [a], include: ["*"]}]
---
storage: {root: other}
...
""",
    "null-and-empty.yaml": """storage:
  root: ~
cache: {dir: "", namer: hash, strategy: optimistic, state: ""}
specs: []
source_groups: {}
""",
}


def config_seeds():
    seeds = {
        "specs.example.yaml": (ROOT / "specs.example.yaml").read_bytes(),
        "conformance-specs.yaml": (ROOT / "tests/conformance/specs.yaml").read_bytes(),
    }
    count = 0
    for source in sorted((ROOT / "tests").glob("*.cpp")):
        for literal in re.findall(r'R"\((.*?)\)"', source.read_text(encoding="utf-8"), re.S):
            if ":" in literal:
                count += 1
                seeds["snippet-%s-%02d.yaml" % (source.stem, count)] = literal.encode()
    for name, text in ODD_YAML.items():
        seeds[name] = text.encode()
    return seeds


def dictionary():
    words = {"storage", "root", "cache", "dir", "namer", "strategy", "state", "specs", "id", "processors",
             "format", "options", "autoconvert", "source_groups", "include", "exclude", "JPEG", "PNG",
             "WEBP", "quality", "progressive", "optimize", "compress_level", "lossless", "width", "height",
             "source_name_as_path", "source_name_dot_hash", "hash", "just_in_time", "optimistic", "auto",
             "true", "false", "null", "~", ": ", "- ", "{", "}", "[", "]", "&a", "*a", "<<", "!!str", "---",
             "#", "\n  ", "**", "*", "..", "/"}
    # One file per processor: each returns {"Name", "summary", {params...}, ...} from its factory.
    processors = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "src/processors").glob("*.cpp")))
    words.update(re.findall(r'return \{"([A-Za-z]+)", "', processors))
    words.update(re.findall(r'\{"([a-z_]+)", ParamKind', processors))
    lines = []
    for word in sorted(words):
        escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c) for c in word)
        lines.append('"%s"' % escaped)
    return "\n".join(lines) + "\n"


def main():
    out = pathlib.Path(sys.argv[1])
    for target, seeds in (("decode", decode_seeds()), ("config", config_seeds())):
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print("make_seeds: %d %s seeds in %s" % (len(seeds), target, directory))
    (out / "config.dict").write_text(dictionary())


if __name__ == "__main__":
    main()
