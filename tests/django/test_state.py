#!/usr/bin/python3
"""Unit tests of IKGEN_STATE (ikgen_django.settings.state) and of the state reader's choice of
store (run by run_sample_site.py, or alone). The readers themselves are tested against the
stores' own writers in tests/state_store_test.cpp and tests/servers/postgres_state_store_test.cpp.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "django"))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(INSTALLED_APPS=[], USE_TZ=True)
    django.setup()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from ikgen_django import settings as ikgen_settings  # noqa: E402
from ikgen_django.state import PostgresStateStore, StateStore, open_state_store  # noqa: E402


class StateSettingTests(unittest.TestCase):
    def test_default_is_ikgens_own_file(self):
        self.assertIsNone(ikgen_settings.state())

    def test_a_path_is_made_absolute(self):
        with override_settings(IKGEN_STATE="var/state.sqlite"):
            self.assertEqual(ikgen_settings.state(), os.path.abspath("var/state.sqlite"))

    def test_a_url_is_kept_as_configured(self):
        for url in ("postgresql://ikgen@db.internal:5432/media", "postgres://db/media?sslmode=require"):
            with override_settings(IKGEN_STATE=url):
                self.assertEqual(ikgen_settings.state(), url)

    def test_a_url_with_a_password_is_refused_without_showing_it(self):
        for url in ("postgresql://ikgen:s3cret@db/media", "postgresql://ikgen@db/media?password=s3cret"):
            with override_settings(IKGEN_STATE=url):
                with self.assertRaises(ImproperlyConfigured) as raised:
                    ikgen_settings.state()
                self.assertIn("~/.pgpass", str(raised.exception))
                self.assertNotIn("s3cret", str(raised.exception))

    def test_the_sidecars_state_picks_the_reader(self):
        self.assertIsInstance(open_state_store("postgresql://ikgen@db/media"), PostgresStateStore)
        self.assertIsInstance(open_state_store("/srv/media/CACHE/images/.ikgen-state.sqlite"), StateStore)


if __name__ == "__main__":
    unittest.main()
