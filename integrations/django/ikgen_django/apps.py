from django.apps import AppConfig


class IkgenDjangoConfig(AppConfig):
    name = "ikgen_django"
    verbose_name = "ikgen for django-imagekit"

    def ready(self):
        from .dimensions import install_dimensions_descriptor

        install_dimensions_descriptor()
