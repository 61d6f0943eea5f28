#!/usr/bin/python3
"""Unit tests of ikgen_django's typed YAML values (run by run_sample_site.py, or alone).

Each identity case builds real pilkit processors the way a site's Python would, lets the export
describe them, rebuilds the objects the YAML stands for under ikgen's rules, and requires
imagekit's own hasher to give the same digest; and checks the YAML that says so.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "django"))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(INSTALLED_APPS=["imagekit"], MEDIA_ROOT="/tmp", USE_TZ=True)
    django.setup()

import yaml  # noqa: E402
from imagekit import hashers  # noqa: E402
from pilkit.processors import (Adjust, MakeOpaque, ResizeCanvas, ResizeToFill, ResizeToFit,  # noqa: E402
                               TrimBorderColor)

from ikgen_django import export  # noqa: E402
from ikgen_django.values import Unsupported, ValueWriter, emit, quote  # noqa: E402


def describe(processors, fmt=None, options=None):
    """(YAML lines, digest matches) for a processor list, as describe_spec does it."""
    writer = ValueWriter("v")
    defaults = export._pilkit_default_objects()
    entries = [export._processor_node(p, writer, defaults, "processors[%d]" % i) for i, p in enumerate(processors)]
    format_node = writer.node(fmt, "format") if fmt is not None else None
    options_node = writer.node(options, "options") if options is not None else None
    source = "".join(["photos/", "a.jpg"])
    real = hashers.pickle([source, processors, fmt, options, True])
    rebuilt = export._rebuild_hash(source, entries, format_node, options_node, True, defaults)
    text = "\n".join(emit(e) for e in entries)
    if format_node is not None:
        text += "\nformat: " + emit(format_node)
    return text, rebuilt == real


def runtime(text):
    return "".join(list(text))  # a fresh object, as read from a database or settings


class ValuesTest(unittest.TestCase):
    def test_quote_round_trips_hostile_strings(self):
        for text in ['a"b', "back\\slash", "new\nline", "tab\there", "nul\x00", "del\x7f", "nel\x85",
                     "ls\u2028", "\u00e4 b", "\U0001f600", " lead", "trail ", "'", "#", "- x", ": y"]:
            self.assertEqual(yaml.safe_load("x: " + quote(text))["x"], text, text)

    def test_scalars_keep_their_types(self):
        text, same = describe([Adjust(color=1, brightness=1.0, contrast=1e16, sharpness=1e-05)])
        self.assertTrue(same)
        self.assertIn("color: 1,", text)
        self.assertIn("brightness: 1.0,", text)
        self.assertIn("contrast: 1e+16,", text)
        self.assertIn("sharpness: 1e-05}", text)

    def test_shared_tuple_is_an_anchor_and_an_alias(self):
        focus = (0.5, 0.25)
        text, same = describe([ResizeToFill(10, 10, anchor=focus), ResizeToFill(5, 5, anchor=focus)])
        self.assertTrue(same)
        self.assertIn("anchor: &v0 [0.5, 0.25]", text)
        self.assertIn("anchor: *v0", text)

    def test_equal_tuples_that_are_different_objects_stay_plain(self):
        text, same = describe([ResizeToFill(10, 10, anchor=tuple([0.5, 0.25])),
                               ResizeToFill(5, 5, anchor=tuple([0.5, 0.25]))])
        self.assertTrue(same)
        self.assertNotIn("&", text)

    def test_list_is_tagged(self):
        text, same = describe([ResizeToFill(10, 10, anchor=[0.3, 0.7])])
        self.assertTrue(same)
        self.assertIn("anchor: !list [0.3, 0.7]", text)

    def test_runtime_identifier_is_marked_and_the_interned_one_is_not(self):
        text, same = describe([ResizeToFill(10, 10, anchor="tl"), ResizeToFill(5, 5, anchor=runtime("tl"))])
        self.assertTrue(same)
        self.assertIn('anchor: "tl"', text)
        self.assertIn('anchor: !runtime "tl"', text)

    def test_one_runtime_object_used_twice_is_anchored(self):
        anchor = runtime("br")
        text, same = describe([ResizeToFill(10, 10, anchor=anchor), ResizeToFill(5, 5, anchor=anchor)])
        self.assertTrue(same)
        self.assertIn('anchor: &v0 !runtime "br"', text)
        self.assertIn("anchor: *v0", text)

    def test_repeated_processor_object_is_an_alias(self):
        mat = ResizeToFit(20, 20, mat_color="#102030")
        text, same = describe([mat, mat])
        self.assertTrue(same)
        self.assertTrue(text.startswith("&v0 {ResizeToFit:"), text)
        self.assertTrue(text.endswith("*v0"), text)

    def test_pilkit_shared_defaults_are_omitted(self):
        text, same = describe([MakeOpaque(), ResizeCanvas(10, 10), MakeOpaque(), TrimBorderColor()])
        self.assertTrue(same)
        self.assertIn("{MakeOpaque: {}}", text)
        self.assertNotIn("sides", text)
        self.assertNotIn("255, 255, 255", text)

    def test_default_equal_but_not_shared_is_written(self):
        text, same = describe([MakeOpaque(background_color=tuple([255, 255, 255])), MakeOpaque()])
        self.assertTrue(same)
        self.assertIn("background_color: [255, 255, 255]", text)

    def test_runtime_format_and_non_identifier_options(self):
        text, same = describe([ResizeToFit(10, 10)], fmt=runtime("JPEG"), options={"quality": 80})
        self.assertTrue(same)
        self.assertIn('format: !runtime "JPEG"', text)

    def test_the_self_check_catches_a_missing_alias(self):
        # The check describe_spec relies on must fail when the YAML's identities are wrong.
        focus = (0.5, 0.25)
        processors = [ResizeToFill(10, 10, anchor=focus), ResizeToFill(5, 5, anchor=focus)]
        writer = ValueWriter("v")
        defaults = export._pilkit_default_objects()
        entries = [export._processor_node(p, writer, defaults, "p") for p in processors]
        second = entries[1].pairs[0][1]
        second.pairs = [(k, writer.node(tuple(list(focus)), k) if k == "anchor" else v) for k, v in second.pairs]
        first = entries[0].pairs[0][1]
        dict(first.pairs)["anchor"].anchor = None
        source = runtime("a.jpg")
        self.assertNotEqual(export._rebuild_hash(source, entries, None, None, True, defaults),
                            hashers.pickle([source, processors, None, None, True]))

    def test_unsupported_values_say_why(self):
        with self.assertRaisesRegex(Unsupported, "colour 'red'"):
            describe([ResizeToFit(10, 10, mat_color="red")])
        with self.assertRaisesRegex(Unsupported, "not one of pilkit's built-in processors"):
            describe([type("Sepia", (), {})()])
        with self.assertRaisesRegex(Unsupported, "finite"):
            describe([Adjust(color=float("nan"))])
        with self.assertRaisesRegex(Unsupported, "bytes"):
            ValueWriter("v").node(b"x", "options.x")


if __name__ == "__main__":
    unittest.main()
