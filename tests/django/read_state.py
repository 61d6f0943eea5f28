#!/usr/bin/python3
"""Prints what the Django backend's state reader (integrations/django/ikgen_django/state.py)
answers for each "source<TAB>cache name" line of stdin: "WIDTHxHEIGHT", or "None" when it has no
record. argv[1]: the state's location as the sidecar gives it (a SQLite file's path or a
postgresql:// URL). Run by the state store tests (tests/state_store_test.cpp,
tests/servers/postgres_state_store_test.cpp), which write the records with ikgen's own stores.
"""

import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "django"))

from ikgen_django.state import open_state_store  # noqa: E402

logging.basicConfig(stream=sys.stderr)
store = open_state_store(sys.argv[1])
for line in sys.stdin.buffer:
    source, name = (os.fsdecode(part) for part in line.rstrip(b"\n").split(b"\t"))
    found = store.lookup(source, name)
    print("%dx%d" % found if found else "None")
