"""Steps the sample-site test runs inside the Django site (one process per step; JSON on stdout).

    driver.py populate SOURCE_IMAGE     images and database rows (hostile names included)
    driver.py names                     every cache file name Django computes for the rows
    driver.py render                    renders the templates; the storage I/O calls they made
    driver.py imagekit-render STATE     imagekit's own rendering of every file ikgen recorded
    driver.py add-product NAME          one more row (after the export), its image made here
    driver.py render-empty              the row with an empty photo: {{ .url }} and {% if %} of a spec
    driver.py probe-file SOURCE SPEC    the name real imagekit gives SOURCE under SPEC (for feature probes)
"""

import json
import os
import sqlite3
import sys
import urllib.parse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sitecfg.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import File  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from imagekit.cachefiles import ImageCacheFile  # noqa: E402
from imagekit.cachefiles.backends import Simple  # noqa: E402
from imagekit.registry import generator_registry  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

SPEC_FIELDS = {"shop.Product": ["thumbnail", "large", "banner", "corner"], "shop.Profile": ["avatar_small"],
               "shop.SaleProduct": ["sale_badge"]}
PRODUCT_PHOTOS = ["products/plain.jpg", "products/\u00e4 b\"c\\d e.jpg", "products/new\nline.png", "products/wall.jpg"]
BANNERS = ["banners/b1.jpg", "banners/b 2.png"]
SALE_PHOTO = "products/sale.jpg"  # the one SaleProduct (multi-table child of Product) row's photo


def make_image(path, size, alpha=False, seed=0):
    """A smooth picture with some edges (so PSNR measures resampling, not noise)."""
    width, height = size
    image = Image.new("RGBA" if alpha else "RGB", size)
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            r = (x * 255) // max(1, width - 1)
            g = (y * 255) // max(1, height - 1)
            b = ((x + y + seed * 40) * 255) // max(1, width + height)
            pixels[x, y] = (r, g, b, (x * 255) // max(1, width - 1) if alpha else 255)[:4 if alpha else 3]
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(250, 240, 20) + ((200,) if alpha else ()))
    draw.rectangle((width * 2 // 3, height // 5, width * 5 // 6, height * 4 // 5), fill=(20, 30, 200) + ((255,) if alpha else ()))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image.save(path, format="PNG" if path.endswith(".png") else "JPEG", quality=92)


def media(name):
    return os.path.join(settings.MEDIA_ROOT, name)


def populate(wallpaper):
    from shop.models import Product, Profile, SaleProduct

    make_image(media(PRODUCT_PHOTOS[0]), (640, 480), seed=1)
    make_image(media(PRODUCT_PHOTOS[1]), (300, 500), seed=2)
    make_image(media(PRODUCT_PHOTOS[2]), (400, 400), alpha=True, seed=3)
    with Image.open(wallpaper) as w:
        w = w.convert("RGB")
        w.thumbnail((1024, 1024))
        w.save(media(PRODUCT_PHOTOS[3]), format="JPEG", quality=92)
    make_image(media(BANNERS[0]), (500, 200), seed=4)
    make_image(media(BANNERS[1]), (200, 120), alpha=True, seed=5)
    make_image(media("avatars/a.png"), (160, 200), seed=6)
    for i, name in enumerate(PRODUCT_PHOTOS):
        Product.objects.create(name="p%d" % i, photo=name)
    Product.objects.create(name="no photo", photo="")
    make_image(media(SALE_PHOTO), (160, 120), seed=7)
    SaleProduct.objects.create(name="on sale", photo=SALE_PHOTO)
    Profile.objects.create(avatar="avatars/a.png")
    print(json.dumps({"products": Product.objects.count()}))


def names():
    from django.apps import apps

    out = []
    for label, fields in SPEC_FIELDS.items():
        for row in apps.get_model(label).objects.order_by("pk"):
            for field in fields:
                file = getattr(row, field)
                if file.name:
                    out.append({"what": "%s.%s" % (label, field), "source": file.generator.source.name, "file": file.name})
    for row in apps.get_model("shop.Product").objects.exclude(photo="").order_by("pk"):
        for spec_id in ("shop:badge", "shop:typed", "shop:piped"):
            spec = generator_registry.get(spec_id, source=row.photo)
            out.append({"what": spec_id, "source": row.photo.name, "file": ImageCacheFile(spec).name})
    for row in apps.get_model("shop.Profile").objects.order_by("pk"):
        spec = generator_registry.get("shop:square", source=row.avatar)
        out.append({"what": "shop:square", "source": row.avatar.name, "file": ImageCacheFile(spec).name})
    for banner in BANNERS:
        for spec_id in ("shop:framed", "shop:square"):
            spec = generator_registry.get(spec_id, source=File(None, name=banner))
            out.append({"what": spec_id, "source": banner, "file": ImageCacheFile(spec).name})
    print(json.dumps(out))


def render():
    from django.apps import apps
    from sitecfg import storage

    products = list(apps.get_model("shop.Product").objects.exclude(photo="").order_by("pk"))
    profiles = list(apps.get_model("shop.Profile").objects.order_by("pk"))
    banners = [File(None, name=b) for b in BANNERS]
    storage.CALLS.clear()
    pages = [render_to_string("shop/product.html", {"product": p}) for p in products]
    pages.append(render_to_string("banners.html", {"banners": banners, "profiles": profiles}))
    io = storage.io_calls()
    print(json.dumps({"pages": pages, "io_calls": io, "url_calls": storage.CALLS.get("url", 0)}))


def spec_for(generator_id, source):
    if generator_id.startswith("imagekit:thumbnail:"):
        parts = generator_id.split(":")[2:]
        width, height = [int(d) if d else None for d in parts[0].split("x")]
        kwargs = {}
        for part in parts[1:]:
            key, value = part.split("=", 1)
            try:
                kwargs[key] = json.loads(value.lower()) if value != "None" else None
            except ValueError:
                kwargs[key] = value  # a str, built at run time as imagekit 5's tag makes it
        return generator_registry.get("imagekit:thumbnail", source=source, width=width, height=height, **kwargs)
    return generator_registry.get(generator_id, source=source)


def imagekit_render(state_path):
    """Renders every recorded (generator, source) with imagekit itself into MEDIA_ROOT/../imagekit-render."""
    target = FileSystemStorage(location=os.path.join(os.path.dirname(settings.MEDIA_ROOT), "imagekit-render"))
    out = []
    with sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(state_path), uri=True) as db:
        rows = db.execute("SELECT generator, source, cache_name, width, height FROM cache_files ORDER BY 1, 2").fetchall()
    for generator_id, source, cache_name, width, height in rows:
        with open(media(source), "rb") as handle:
            spec = spec_for(generator_id, File(handle, name=source))
            file = ImageCacheFile(spec, storage=target, cachefile_backend=Simple())
            file.generate(force=True)
            out.append({"generator": generator_id, "source": source, "ikgen": cache_name, "imagekit": file.name,
                        # Django's Storage.save stores "\\" as "/" (imagekit 4.1 then serves a name it
                        # did not write; ikgen writes the name imagekit serves).
                        "imagekit_path": target.path(file.name.replace("\\", "/")), "width": width, "height": height})
    print(json.dumps(out))


def add_product(name):
    from shop.models import Product

    make_image(media(name), (333, 222), seed=9)
    product = Product.objects.create(name="added", photo=name)
    print(json.dumps({"pk": product.pk}))


def render_one(pk):
    from shop.models import Product
    from sitecfg import storage

    product = Product.objects.get(pk=pk)
    storage.CALLS.clear()
    page = render_to_string("shop/product.html", {"product": product})
    io = storage.io_calls()
    files = {f: bool(getattr(product, f)) for f in SPEC_FIELDS["shop.Product"]}
    print(json.dumps({"page": page, "io_calls": io, "truthy": files,
                      "names": {f: getattr(product, f).name for f in SPEC_FIELDS["shop.Product"]}}))


def render_empty():
    """The row whose photo is empty, under IKGEN_GENERATE = "now": imagekit's own Simple backend
    raises MissingSource for {{ product.thumbnail.url }}, and so must ikgen's; {% if %} is false."""
    from django.template import Context, Template
    from imagekit.exceptions import MissingSource
    from shop.models import Product

    product = Product.objects.get(photo="")
    out = {"backend": type(product.thumbnail.cachefile_backend).__name__}
    context = Context({"product": product, "simple": ImageCacheFile(product.thumbnail.generator,
                                                                    cachefile_backend=Simple())})
    for key, text in (("url", "{{ product.thumbnail.url }}"), ("imagekit_url", "{{ simple.url }}"),
                      ("if", "{% if product.thumbnail %}yes{% else %}no{% endif %}"),
                      ("imagekit_if", "{% if simple %}yes{% else %}no{% endif %}")):
        try:
            out[key] = Template(text).render(context)
        except MissingSource as error:
            out[key] = "MissingSource: %s" % error
        except Exception as error:  # any other exception: reported, the test fails on it
            out[key] = "%s: %s" % (type(error).__name__, error)
    print(json.dumps(out))


def probe_file(source, spec_id):
    spec = spec_for(spec_id, File(None, name=source))
    print(json.dumps({"file": ImageCacheFile(spec).name}))


if __name__ == "__main__":
    step, args = sys.argv[1], sys.argv[2:]
    {"populate": populate, "names": names, "render": render, "imagekit-render": imagekit_render,
     "add-product": add_product, "render-one": render_one, "render-empty": render_empty,
     "probe-file": probe_file}[step](*args)
