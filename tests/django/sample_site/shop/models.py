from django.db import models
from imagekit.models import ImageSpecField
from imagekit.processors import Adjust, ResizeToFill, ResizeToFit, SmartResize, Transpose

# One tuple object used twice: imagekit's pickle writes the second as a back reference.
FOCUS = (0.5, 0.25)


def _runtime_anchor():
    # Built at run time (as if read from settings or a database): not the interned 'tl'.
    return "".join(["t", "l"])


class Product(models.Model):
    name = models.CharField(max_length=100)
    photo = models.ImageField(upload_to="products", max_length=500)
    thumbnail = ImageSpecField(source="photo", processors=[ResizeToFill(100, 100)], format="JPEG",
                               options={"quality": 85})
    large = ImageSpecField(source="photo", processors=[Transpose(Transpose.AUTO), ResizeToFit(300, 300, upscale=False)],
                           format="PNG")
    banner = ImageSpecField(source="photo",
                            processors=[ResizeToFill(240, 80, anchor=FOCUS), Adjust(color=0.8, brightness=1.1),
                                        ResizeToFill(120, 40, anchor=FOCUS)],
                            format="WEBP", options={"quality": 80})
    corner = ImageSpecField(source="photo", processors=[ResizeToFill(90, 60, anchor=_runtime_anchor())],
                            format="JPEG", autoconvert=True)


class Profile(models.Model):
    avatar = models.ImageField(upload_to="avatars", max_length=500)
    avatar_small = ImageSpecField(source="avatar", processors=[SmartResize(64, 64)])


class SaleProduct(Product):
    """Multi-table inheritance: each row is in Product's table too. imagekit's source group for
    sale_badge (ImageFieldSourceGroup(SaleProduct, "photo"), over SaleProduct.objects) holds the
    SaleProduct rows only, so the exported list must too, not every Product row."""
    discount = models.IntegerField(default=10)
    sale_badge = ImageSpecField(source="photo", processors=[ResizeToFit(50, 50)], format="JPEG")
