"""ikgen for django-imagekit sites.

- ``manage.py ikgen_export``: writes the ikgen project (specs, probes, source lists) from the
  site's settings and imagekit's registries.
- ``ikgen_django.backends.IkgenCacheFileBackend``: a cache file backend that answers existence
  and sizes from ikgen's state store and has ikgen generate what is missing.
"""

default_app_config = "ikgen_django.apps.IkgenDjangoConfig"
