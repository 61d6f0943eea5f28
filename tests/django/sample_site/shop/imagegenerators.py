"""Class-based specs, registered with imagekit.register (found by imagekit's autodiscover)."""
import os

from django.conf import settings
from django.core.files.base import File
from imagekit import ImageSpec, register
from imagekit.processors import Adjust, AddBorder, Crop, MakeOpaque, ResizeCanvas, ResizeToFill, ResizeToFit, Thumbnail
from imagekit.specs.sourcegroups import ImageFieldSourceGroup
from pilkit.processors.base import ProcessorPipeline

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


class Typed(ImageSpec):
    # An int factor beside floats (pickled as I1, not F1.0).
    processors = [ResizeToFill(80, 60, anchor=(0.3, 0.7)), Adjust(contrast=1.2, brightness=1)]
    format = "PNG"
    options = {"compress_level": 9}


class Listed(ImageSpec):
    # A list (pickled as a list, not a tuple) and odd floats. pilkit cannot render a list anchor,
    # so this spec has no source group: only its names are checked, by the probes ikgen
    # recomputes when it loads the project.
    processors = [Crop(40, 40, anchor=[0.3, 0.7]), Adjust(color=1e16, brightness=1, contrast=0.1, sharpness=1e-05)]
    format = "PNG"


class Infinite(ImageSpec):
    # pilkit takes it; ikgen refuses non-finite factors (left to imagekit, not a broken project).
    processors = [Adjust(brightness=float("inf"))]


class Piped(ImageSpec):
    # A ProcessorPipeline inside the list (pickled as a list subclass).
    processors = [ProcessorPipeline([ResizeToFit(90, 90), Adjust(color=0.5)]), ResizeCanvas(100, 100)]
    format = "PNG"


class Matted(ImageSpec):
    # The export's own checks pass it; ikgen refuses it (a mat needs both sizes), so the export,
    # which has ikgen load every spec, leaves it to imagekit instead of writing a broken project.
    processors = [ResizeToFit(50, None, mat_color="#ffffff")]
    format = "JPEG"


class Named(ImageSpec):
    # A colour name: pilkit takes it, ikgen does not (left to imagekit).
    processors = [ResizeToFit(50, 50, mat_color="red")]
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


def avatar_squares():
    """Cache files registered directly (imagekit.register.cachefiles), not through a source group."""
    from imagekit.cachefiles import LazyImageCacheFile

    from .models import Profile

    for profile in Profile.objects.all():
        yield LazyImageCacheFile("shop:square", source=profile.avatar)


register.generator("shop:badge", Badge)
register.generator("shop:framed", Framed)
register.generator("shop:square", Square)
register.generator("shop:vintage", Vintage)
register.generator("shop:typed", Typed)
register.generator("shop:named", Named)
register.generator("shop:listed", Listed)
register.generator("shop:infinite", Infinite)
register.generator("shop:piped", Piped)
register.generator("shop:matted", Matted)
register.source_group("shop:badge", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:vintage", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:typed", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:named", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:piped", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:matted", ImageFieldSourceGroup(Product, "photo"))
register.source_group("shop:framed", BannerFiles())
register.source_group("shop:square", BannerFiles())
register.cachefiles("shop:square", avatar_squares)
