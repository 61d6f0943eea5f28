"""Class-based specs, registered with imagekit.register (found by imagekit's autodiscover)."""
import os

from django.conf import settings
from django.core.files.base import File
from imagekit import ImageSpec, register
from imagekit.processors import AddBorder, MakeOpaque, ResizeCanvas, ResizeToFit, Thumbnail
from imagekit.specs.sourcegroups import ImageFieldSourceGroup

from .models import Product

MAT = ResizeToFit(80, 80, mat_color="#336699")


class Badge(ImageSpec):
    processors = [ResizeToFit(48, 48), ResizeCanvas(64, 64), AddBorder(2, color=(10, 20, 30)), MakeOpaque()]
    format = "PNG"


class Framed(ImageSpec):
    # The same processor object twice in one list.
    processors = [MAT, MAT]
    format = "JPEG"
    options = {"quality": 90, "progressive": True}


class Square(ImageSpec):
    processors = [Thumbnail(70, 70)]
    format = "JPEG"


class Sepia(object):
    """A custom processor: ikgen cannot render it (left to imagekit)."""

    def process(self, img):
        return img.convert("L").convert("RGB")


class Vintage(ImageSpec):
    processors = [Sepia(), ResizeToFit(50, 50)]
    format = "JPEG"


class BannerFiles(object):
    """A custom source group: every file under MEDIA_ROOT/banners."""

    def files(self):
        top = os.path.join(settings.MEDIA_ROOT, "banners")
        for name in sorted(os.listdir(top)):
            yield File(None, name="banners/" + name)


register.generator("shop:badge", Badge)
register.generator("shop:framed", Framed)
register.generator("shop:square", Square)
register.generator("shop:vintage", Vintage)
register.source_group("shop:badge", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:vintage", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:framed", BannerFiles())
register.source_group("shop:square", BannerFiles())
