"""Python values -> ikgen's typed YAML (ISSUE9-DESIGN section 1), identity included.

imagekit hashes a protocol-0 pickle, so a name depends on each value's type (int, float, bool,
None, str, tuple, list, dict) and on which values are the *same object* (pickle's memo writes a
second occurrence of one object as a back reference). ikgen's YAML says both:

- scalars keep their YAML type; every str is written quoted (a quoted scalar is always a str);
- a sequence is a tuple, ``!list [...]`` a list; a mapping is a dict;
- ``&a`` / ``*a`` make the same object; without them ikgen assumes CPython's literal behaviour
  (an identifier-like str is interned, anything else is a fresh object), and ``!runtime "s"``
  marks an identifier-like str that is *not* the interned object.

``ValueWriter`` turns the values of one spec into such nodes, choosing anchors and ``!runtime``
from the real objects' ``id()``; ``rebuild`` turns the nodes back into Python objects under
ikgen's rules, so the exporter can check the two pickle to the same bytes before writing.
"""

import math
import re
import sys

_IDENTIFIER = re.compile(r"[A-Za-z0-9_]+\Z", re.ASCII)


class Unsupported(Exception):
    """A value ikgen's YAML cannot state; the message says which and why."""


def interned_by_rule(text):
    """ikgen's default: is this str one shared object per value (as CPython's literals are)?"""
    return bool(_IDENTIFIER.match(text)) or (len(text) == 1 and ord(text) < 0x100)


class Node:
    anchor = None


class Scalar(Node):
    def __init__(self, value):
        self.value = value


class Str(Node):
    def __init__(self, value, runtime=False):
        self.value = value
        self.runtime = runtime


class Seq(Node):
    def __init__(self, items, kind):
        self.items = items
        self.kind = kind  # "tuple" | "list"


class Map(Node):
    def __init__(self, pairs):
        self.pairs = pairs  # [(key str, Node)], keys written plain when identifier-like


class Alias(Node):
    def __init__(self, name):
        self.name = name


class ValueWriter:
    """Converts the values of one pickle (one spec) into nodes, tracking object identity.

    Call ``node(value)`` in pickle order (the order ``get_hash`` writes them). A value met a
    second time as the same object becomes an alias of the first occurrence, which gets an
    anchor. Only values pickle memoizes (str, non-empty tuple, list, dict) take part.
    """

    def __init__(self, prefix):
        self.prefix = prefix
        self.first = {}  # id(obj) -> (node, obj) of its first occurrence
        self.count = 0

    def _seen(self, value):
        entry = self.first.get(id(value))
        if entry is None:
            return None
        node, _keep_alive = entry
        if node.anchor is None:
            node.anchor = "%s%d" % (self.prefix, self.count)
            self.count += 1
        return Alias(node.anchor)

    def _remember(self, value, node):
        self.first[id(value)] = (node, value)
        return node

    def node(self, value, where):
        if value is None or isinstance(value, bool):
            return Scalar(value)
        if type(value) is int:
            return Scalar(value)
        if type(value) is float:
            return Scalar(value)
        if type(value) is str:
            if interned_by_rule(value) and sys.intern(value) is value:
                return Str(value)  # ikgen's default already makes every use this one object
            alias = self._seen(value)
            if alias:
                return alias
            runtime = interned_by_rule(value) and sys.intern(value) is not value
            return self._remember(value, Str(value, runtime))
        if type(value) in (tuple, list):
            if type(value) is tuple and not value:
                return Seq([], "tuple")  # the empty tuple is never memoized
            alias = self._seen(value)
            if alias:
                return alias
            node = Seq([], "tuple" if type(value) is tuple else "list")
            self._remember(value, node)
            node.items = [self.node(item, where) for item in value]
            return node
        if type(value) is dict:
            alias = self._seen(value)
            if alias:
                return alias
            node = Map([])
            self._remember(value, node)
            for key in sorted(value):
                if type(key) is not str:
                    raise Unsupported("%s: dict key %r is a %s; ikgen's YAML keys are str" % (where, key, type(key).__name__))
                if not interned_by_rule(key) or sys.intern(key) is not key:
                    raise Unsupported("%s: dict key %r is not an interned identifier; ikgen cannot state its identity" % (where, key))
                node.pairs.append((key, self.node(value[key], where)))
            return node
        raise Unsupported("%s: value %r is a %s; ikgen takes int, float, bool, None, str, tuple, list and dict"
                          % (where, value, type(value).__module__ + "." + type(value).__qualname__))

    def processor_entry(self, processor, params):
        """The YAML entry ``{Name: {params}}`` of one processor object (aliased when repeated)."""
        alias = self._seen(processor)
        if alias:
            return alias
        entry = Map([(type(processor).__name__, params)])
        return self._remember(processor, entry)


# --- YAML text -------------------------------------------------------------------------------

def quote(text):
    """A YAML double-quoted scalar carrying any str exactly (ikgen loads it with yaml-cpp)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= code <= 0xDFFF:
            if 0xD800 <= code <= 0xDFFF:
                raise Unsupported("lone surrogate U+%04X in %r cannot be written as UTF-8" % (code, text))
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar_text(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)  # always has '.', 'e' or is inf/nan: a YAML float, round-tripping


def key_text(key):
    return key if _IDENTIFIER.match(key) and not key[0].isdigit() else quote(key)


def emit(node):
    """One node as flow-style YAML text."""
    if isinstance(node, Alias):
        return "*" + node.name
    props = ("&%s " % node.anchor) if node.anchor else ""
    if isinstance(node, Scalar):
        return props + scalar_text(node.value)
    if isinstance(node, Str):
        return props + ("!runtime " if node.runtime else "") + quote(node.value)
    if isinstance(node, Seq):
        tag = "!list " if node.kind == "list" else ""
        return props + tag + "[" + ", ".join(emit(item) for item in node.items) + "]"
    if isinstance(node, Map):
        return props + "{" + ", ".join("%s: %s" % (key_text(k), emit(v)) for k, v in node.pairs) + "}"
    raise TypeError(node)


# --- back to Python, under ikgen's rules -------------------------------------------------------

def _fresh(text):
    # A new str object with the same value (CPython still returns its one-character singletons).
    return (text + ".")[:-1]


class Rebuilder:
    """Builds the Python objects ikgen's rules say the YAML stands for."""

    def __init__(self):
        self.anchors = {}

    def value(self, node):
        if isinstance(node, Alias):
            return self.anchors[node.name]
        if isinstance(node, Scalar):
            result = node.value
        elif isinstance(node, Str):
            if node.runtime or not interned_by_rule(node.value):
                result = _fresh(node.value)
            else:
                result = sys.intern(_fresh(node.value))
        elif isinstance(node, Seq):
            if node.anchor is None:
                items = [self.value(item) for item in node.items]
                result = tuple(items) if node.kind == "tuple" else items
            elif node.kind == "list":
                result = []
                self.anchors[node.anchor] = result
                result.extend(self.value(item) for item in node.items)
                return result
            else:
                result = tuple(self.value(item) for item in node.items)
        elif isinstance(node, Map):
            result = {}
            if node.anchor:
                self.anchors[node.anchor] = result
            for key, item in node.pairs:
                result[sys.intern(key)] = self.value(item)
            return result
        else:
            raise TypeError(node)
        if node.anchor:
            self.anchors[node.anchor] = result
        return result

    def remember(self, node, obj):
        if node.anchor:
            self.anchors[node.anchor] = obj
        return obj
