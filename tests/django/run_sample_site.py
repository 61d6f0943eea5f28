#!/usr/bin/python3
"""The Django sample-site test: a real django-imagekit site switched to ikgen.

    /usr/bin/python3 tests/django/run_sample_site.py PATH_TO_IKGEN [--keep]

Makes the site in a temporary directory (tests/django/sample_site: SQLite database, models with
ImageSpecFields, class-based specs registered with imagekit.register, a custom source group,
templates using {% generateimage %} and {% thumbnail %}; images drawn with Pillow and one Debian
wallpaper), then: `manage.py ikgen_export`, `ikgen generateimages`, and checks that

- every name Django computes (ImageCacheFile(spec).name, the template tags' URLs) is a file ikgen
  wrote and recorded; `ikgen check --json` agrees with Django under all three namers;
- ikgen's pixels are within 30 dB PSNR of imagekit's own rendering of the same file;
- rendering the templates through IkgenCacheFileBackend makes no storage I/O call (a counting
  FileSystemStorage subclass is the default storage);
- a hand-edited spec whose probes disagree is refused (exit 2, file:line:col);
- the backend generates a row added after the export now (`ikgen generate`) or deferred;
- a multi-table child model's spec lists only the child's rows; a spec in no source group is
  named in a note; an empty image field raises imagekit's MissingSource under "now";
- a site with no specs exports an empty project ikgen loads.

Exit status: 0 all passed, 1 something failed, 77 something was skipped because this ikgen binary
lacks a feature the test needs (imagekit names, source lists, `ikgen generate`). Must be run with
Debian's Python (Django 3.2, django-imagekit 4.1, Pillow). Set IKGEN_KEEP_TEST_DIRS=1 or pass
--keep to keep the directory.
"""

import html
import json
import math
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INTEGRATION = os.path.join(REPO, "integrations", "django")
PYTHON = "/usr/bin/python3"
NAMERS = ("source_name_as_path", "source_name_dot_hash", "hash")
MISSING_FEATURE = [
    re.compile(r'unknown key "(hash|sources_from|probes|thumbnail|anchor|crop|upscale)"'),
    re.compile(r"unknown tag"),
    re.compile(r'"specs" must be a non-empty list'),
    re.compile(r'"source_groups" must be a non-empty list'),
    re.compile(r'"include" of source group .* is empty|needs "include"'),
]
WALLPAPERS = ["/usr/share/backgrounds/gnome/adwaita-l.webp", "/usr/share/backgrounds/gnome/wood-l.webp"]


class Skip(Exception):
    pass


class Failure(Exception):
    pass


class Run:
    def __init__(self, ikgen, root):
        self.ikgen = ikgen
        self.root = root
        self.site = os.path.join(root, "site")
        self.media = os.path.join(self.site, "media")
        self.results = []

    def env(self, **extra):
        env = dict(os.environ)
        # SAMPLE_SITE_IMAGEKIT: a directory holding another django-imagekit's `imagekit` package
        # (e.g. 5.0 from its git repository), used instead of Debian's 4.1.
        other = [os.environ["SAMPLE_SITE_IMAGEKIT"]] if os.environ.get("SAMPLE_SITE_IMAGEKIT") else []
        env.update(SAMPLE_SITE_ROOT=self.site, PYTHONPATH=os.pathsep.join(other + [INTEGRATION, self.site]),
                   PYTHONDONTWRITEBYTECODE="1")
        if os.path.basename(self.ikgen) == "ikgen":
            # The site relies on the default IKGEN_BINARY ("ikgen" on PATH).
            env["PATH"] = os.path.dirname(self.ikgen) + os.pathsep + env.get("PATH", "")
            env.pop("SAMPLE_SITE_IKGEN", None)
        else:
            env["SAMPLE_SITE_IKGEN"] = self.ikgen
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(extra)
        return env

    def run(self, argv, env=None, cwd=None, check=True):
        done = subprocess.run(argv, cwd=cwd or self.site, env=env or self.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=600)
        out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        if check and done.returncode != 0:
            raise Failure("%s exited %d\n--- stdout\n%s\n--- stderr\n%s" % (" ".join(argv), done.returncode,
                                                                            out[-3000:], err[-3000:]))
        return done.returncode, out, err

    def driver(self, *args, **env):
        _, out, _ = self.run([PYTHON, "driver.py"] + list(args), env=self.env(**env))
        return json.loads(out.strip().splitlines()[-1])

    def ikgen_run(self, *args, check_config=True):
        rc, out, err = self.run([self.ikgen] + list(args), check=False)
        if rc == 2 and check_config:
            for pattern in MISSING_FEATURE:
                if pattern.search(err):
                    raise Skip("this ikgen lacks a feature: " + err.strip().splitlines()[0])
        return rc, out, err

    def check(self, name, function):
        try:
            function()
        except Skip as skip:
            self.results.append(("SKIPPED", name, str(skip)))
        except Failure as failure:
            self.results.append(("FAIL", name, str(failure)))
        except Exception:  # a bug in the test or the site: a failure, with its traceback
            import traceback

            self.results.append(("FAIL", name, traceback.format_exc()))
        else:
            self.results.append(("PASS", name, ""))
        status, _, detail = self.results[-1]
        print("%-7s %s%s" % (status, name, (": " + detail) if detail else ""), flush=True)
        return status == "PASS"


def stored(name):
    """Where a storage keeps a name Django computes: FileSystemStorage._save and url(), and
    django-storages' clean_name, turn a backslash into '/'; ikgen writes there."""
    if "\\" not in name:
        return name
    normal = posixpath.normpath(name.replace("\\", "/"))
    return name if normal.startswith("..") or normal.startswith("/") or "/../" in normal else normal


def state_rows(path):
    if not os.path.exists(path):
        return {}
    with sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True) as db:
        return {row[2]: row for row in db.execute("SELECT generator, source, cache_name, width, height FROM cache_files")}


# Specs ending in MakeOpaque: ikgen's result is opaque where pilkit leaves the alpha translucent
# (README "Differences": "the colour channels are pilkit's"), so their colour channels are compared.
OPAQUE_SPECS = {"shop:badge"}


def psnr_on_white(path_a, path_b, drop_alpha=False):
    from PIL import Image

    def load(path):
        with Image.open(path) as image:
            if drop_alpha:
                return image.convert("RGBA").convert("RGB") if image.mode != "RGBA" else Image.merge(
                    "RGB", image.split()[:3])
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, image).convert("RGB")

    a, b = load(path_a), load(path_b)
    if a.size != b.size:
        return None, (a.size, b.size)
    total, count = 0, 0
    for pa, pb in zip(a.getdata(), b.getdata()):
        for ca, cb in zip(pa, pb):
            total += (ca - cb) ** 2
        count += 3
    mse = total / count
    return (math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)), a.size


def image_size(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    ikgen = os.path.abspath(argv[1])
    keep = "--keep" in argv or os.environ.get("IKGEN_KEEP_TEST_DIRS") == "1"
    if not os.access(ikgen, os.X_OK):
        print("FAIL    %s is not an executable ikgen" % ikgen)
        return 1
    try:
        import importlib.util

        for module in ("django", "imagekit", "PIL", "yaml"):
            if importlib.util.find_spec(module) is None:
                raise ImportError("no module %s" % module)
    except ImportError as error:
        print("FAIL    this Python (%s) lacks Django/imagekit (%s); run it with /usr/bin/python3" % (sys.executable, error))
        return 1
    root = tempfile.mkdtemp(prefix="ikgen-django-site-")
    t = Run(ikgen, root)
    shutil.copytree(os.path.join(HERE, "sample_site"), t.site)
    project = os.path.join(t.site, "ikgen.yaml")
    state = os.path.join(t.media, "CACHE", "images", ".ikgen-state.sqlite")
    wallpaper = next((w for w in WALLPAPERS if os.path.exists(w)), None)
    context = {}

    def setup():
        if wallpaper is None:
            raise Failure("no Debian wallpaper in %s (install gnome-backgrounds)" % WALLPAPERS)
        t.run([PYTHON, "manage.py", "migrate", "--run-syncdb", "-v0"])
        t.driver("populate", wallpaper)

    def export():
        rc, out, err = t.run([PYTHON, "manage.py", "ikgen_export", "-o", project], check=False)
        if rc == 2 and any(p.search(err) for p in MISSING_FEATURE):
            raise Skip("this ikgen cannot load the exported specs: " + err.strip().splitlines()[-1])
        if rc != 0:
            raise Failure("ikgen_export exited %d:\n%s%s" % (rc, out, err))
        if not re.search(r"shop:matted: ikgen refuses it: .*mat_color", err):
            raise Failure("the spec ikgen refuses (shop:matted) is not left to imagekit with ikgen's reason:\n" + err)
        if "shop:vintage" not in err or "Sepia" not in err:
            raise Failure("the custom processor spec shop:vintage is not reported on stderr:\n" + err)
        if "shop:infinite" not in err:
            raise Failure("the infinite factor of shop:infinite is not reported on stderr:\n" + err)
        if "shop:named" not in err or "'red'" not in err:
            raise Failure("the colour name of shop:named is not reported on stderr:\n" + err)
        text = open(project, encoding="utf-8").read()
        # imagekit 4.1 cannot render anchor='tr' (its SafeString pickle recurses); 5 makes it a str.
        if "variable 'size'" not in err or not ("anchor='tr'" in err or 'anchor: !runtime "tr"' in text):
            raise Failure("the {% thumbnail %} tags are neither exported nor reported:\n" + err)
        for exported in ("shop:badge", "shop:framed", "shop:product:corner"):
            if exported + ":" in err:
                raise Failure("%s was left to imagekit:\n%s" % (exported, err))
        text = open(project, encoding="utf-8").read()
        for needle in ('!runtime "tl"', "&v0 [0.5, 0.25]", "*v0", "anchor: !list [0.3, 0.7]", "{ProcessorPipeline: [{ResizeToFit", "color: 1e+16", "sharpness: 1e-05", "brightness: 1,", "hash: imagekit", 'thumbnail: "120x80"',
                       'thumbnail: "60x"', "crop: 0", "sources_from:"):
            if needle not in text:
                raise Failure("the project lacks %r:\n%s" % (needle, text))
        listed = open(os.path.join(t.site, "ikgen-sources", "shop.Product.photo.txt"), encoding="utf-8").read()
        if '"products/new\\nline.png"\n' not in listed or 'products/\u00e4 b"c\\d e.jpg\n' not in listed:
            raise Failure("the source list does not carry the hostile names as the design says:\n" + listed)
        context["export_err"] = err
        rc, _, _ = t.run([PYTHON, "manage.py", "ikgen_export", "-o", project, "--strict"], check=False)
        if rc != 1:
            raise Failure("--strict exited %d, expected 1 (specs were left to imagekit)" % rc)
        context["exported"] = True

    def export_inherited_rows():
        needs_export()
        listed = open(os.path.join(t.site, "ikgen-sources", "shop.Product.photo.txt"), encoding="utf-8").read()
        # Multi-table inheritance: the child's own spec lists the child's rows only (imagekit's
        # ImageFieldSourceGroup(SaleProduct, "photo")), the parent's lists each row once.
        sale = open(os.path.join(t.site, "ikgen-sources", "shop.SaleProduct.photo.txt"), encoding="utf-8").read()
        if sale != "products/sale.jpg\n":
            raise Failure("the multi-table child shop.SaleProduct's source list is not its own row only:\n" + sale)
        if listed.splitlines().count("products/sale.jpg") != 1:
            raise Failure("shop.Product.photo does not list the child's row exactly once:\n" + listed)

    def export_ungrouped_note():
        needs_export()
        err = context["export_err"]
        # A spec in no source group (shop:listed) is named in a note; a grouped one is not.
        ungrouped = set(re.findall(r"^ikgen_export: note: (\S+) is in no source group", err, re.M))
        if ungrouped != {"shop:listed"}:
            raise Failure("expected a no-source-group note for shop:listed only, got %r:\n%s" % (sorted(ungrouped), err))

    def needs_export():
        if not context.get("exported"):
            raise Skip("needs the exported project (the export did not pass)")

    def generateimages():
        rc, out, err = t.ikgen_run("generateimages", "-c", project)
        if rc != 0:
            raise Failure("ikgen generateimages exited %d:\n%s%s" % (rc, out, err))
        context["generated"] = state_rows(state)
        if not context["generated"]:
            raise Failure("ikgen recorded nothing in %s" % state)

    def names_are_files():
        rows = state_rows(state)
        names = t.driver("names")
        missing = [n for n in names
                   if stored(n["file"]) not in rows or not os.path.isfile(os.path.join(t.media, stored(n["file"])))]
        if missing:
            raise Failure("%d of %d names Django computes are not files ikgen wrote, e.g. %r"
                          % (len(missing), len(names), missing[:3]))
        if len(names) < 25:
            raise Failure("only %d names computed; the site should give more" % len(names))

    def render_without_storage_io():
        rows = state_rows(state)
        result = t.driver("render")
        if result["io_calls"]:
            raise Failure("rendering made storage I/O calls: %r" % result["io_calls"])
        pages = "\n".join(result["pages"])
        images = re.findall(r"<img ([^>]*)>", pages)
        checked, problems = 0, []
        for attrs in images:
            found = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
            src = html.unescape(found.get("src", ""))
            if not src.startswith("/media/"):
                problems.append("an <img> without a media URL: %r" % attrs)
                continue
            # The path the browser asks for (FileSystemStorage.url maps "\\" to "/", as its save does).
            name = urllib.parse.unquote(src[len("/media/"):])
            checked += 1
            if not os.path.isfile(os.path.join(t.media, name)):
                problems.append("the page asks for %r, which is not a file ikgen wrote" % name)
                continue
            if name not in rows:
                problems.append("the page asks for %r, which ikgen has no record of" % name)
            size = image_size(os.path.join(t.media, name))
            if "width" in found and found["width"] != str(size[0]):
                problems.append("%s: width=%r in the page, the file is %dx%d" % (name, found["width"], *size))
            if "height" in found and found["height"] != str(size[1]):
                problems.append("%s: height=%r in the page, the file is %dx%d" % (name, found["height"], *size))
        if problems:
            raise Failure("%d of %d <img> wrong:\n  %s" % (len(problems), checked, "\n  ".join(problems[:8])))
        if checked < 30:
            raise Failure("only %d <img> checked" % checked)
        print("        %d <img> rendered, 0 storage I/O calls, %d url() calls" % (checked, result["url_calls"]))

    def pixels_match_imagekit():
        rendered = t.driver("imagekit-render", state)
        worst = (math.inf, None)
        for item in rendered:
            if stored(item["imagekit"]) != item["ikgen"]:
                raise Failure("imagekit names %r what ikgen recorded as %r" % (item["imagekit"], item["ikgen"]))
            value, size = psnr_on_white(os.path.join(t.media, item["ikgen"]), item["imagekit_path"],
                                        drop_alpha=item["generator"] in OPAQUE_SPECS)
            if value is None:
                raise Failure("%s (%s): ikgen's size %s, imagekit's %s" % (item["ikgen"], item["generator"], *size))
            if value < worst[0]:
                worst = (value, item)
            if value < 30:
                raise Failure("%s (%s, %s): PSNR %.1f dB < 30" % (item["ikgen"], item["generator"], item["source"], value))
        print("        %d files compared, lowest PSNR %.1f dB (%s, %r)" % (
            len(rendered), worst[0], worst[1]["generator"] if worst[1] else "-", worst[1]["source"] if worst[1] else "-"))

    def namers_agree():
        for namer in NAMERS:
            folder = os.path.join(t.site, "namer-" + namer)
            os.makedirs(folder, exist_ok=True)
            env = t.env(SAMPLE_SITE_NAMER="imagekit.cachefiles.namers." + namer)
            t.run([PYTHON, "manage.py", "ikgen_export", "-o", os.path.join(folder, "ikgen.yaml")], env=env)
            rc, out, err = t.ikgen_run("check", "--json", "-c", os.path.join(folder, "ikgen.yaml"))
            if rc not in (0, 1):
                raise Failure("namer %s: ikgen check exited %d:\n%s" % (namer, rc, err))
            ikgen_names = {(o["generator"], o["source"]): o["file"] for o in map(json.loads, out.splitlines())}
            _, out, _ = t.run([PYTHON, "driver.py", "names"], env=env)
            for item in json.loads(out.strip().splitlines()[-1]):
                spec_id = {"shop.Product.thumbnail": "shop:product:thumbnail", "shop.Product.large": "shop:product:large",
                           "shop.Product.banner": "shop:product:banner", "shop.Product.corner": "shop:product:corner",
                           "shop.Profile.avatar_small": "shop:profile:avatar_small",
                           "shop.SaleProduct.sale_badge": "shop:saleproduct:sale_badge"}.get(item["what"], item["what"])
                got = ikgen_names.get((spec_id, item["source"]))
                if got != stored(item["file"]):
                    raise Failure("namer %s, %s of %r: Django names %r, ikgen check %r"
                                  % (namer, spec_id, item["source"], item["file"], got))

    def edited_spec_refused():
        needs_export()
        text = open(project, encoding="utf-8").read()
        lines = text.split("\n")
        start = lines.index('  - id: "shop:product:thumbnail"')
        target = next(i for i in range(start, len(lines)) if "ResizeToFill" in lines[i])
        lines[target] = lines[target].replace("width: 100", "width: 101")
        bad = os.path.join(t.site, "bad.yaml")
        with open(bad, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        rc, out, err = t.ikgen_run("check", "-c", bad)
        match = re.search(r"bad\.yaml:(\d+):(\d+):", err)
        if rc != 2 or not match:
            raise Failure("the edited spec was not refused with exit 2 and file:line:col (exit %d):\n%s" % (rc, err))
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id:")), len(lines))
        if not start < int(match.group(1)) <= end or "shop:product:thumbnail" not in err:
            raise Failure("the error does not point into spec shop:product:thumbnail (lines %d-%d):\n%s"
                          % (start + 1, end, err))
        rc, _, _ = t.ikgen_run("check", "-c", project)
        if rc == 2:
            raise Failure("the unedited project is refused too")
        print("        " + err.strip().splitlines()[0])

    def needs_generate():
        needs_export()
        _, out, err = t.run([t.ikgen, "--help"], check=False)
        if not re.search(r"^\s+generate\b(?!images)", out + err, re.M):
            raise Skip("this ikgen has no `generate` command (not in `ikgen --help`)")
        t.ikgen_run("check", "-c", project)  # Skip when it cannot load the exported project

    def backend_generates_now():
        needs_generate()
        pk = t.driver("add-product", "products/added later.jpg")["pk"]
        result = t.driver("render-one", str(pk), SAMPLE_SITE_GENERATE="now")
        if result["io_calls"]:
            raise Failure("rendering with generation made storage I/O calls: %r" % result["io_calls"])
        rows = state_rows(state)
        for field, name in result["names"].items():
            if name not in rows or not os.path.isfile(os.path.join(t.media, name)):
                raise Failure("%s: %r was not generated by ikgen generate" % (field, name))
            if not result["truthy"][field]:
                raise Failure("%s is falsy after generation" % field)

    def backend_defers():
        needs_generate()
        pk = t.driver("add-product", "products/deferred.jpg")["pk"]
        started = time.monotonic()
        result = t.driver("render-one", str(pk), SAMPLE_SITE_GENERATE="deferred")
        if result["io_calls"]:
            raise Failure("a deferred render made storage I/O calls: %r" % result["io_calls"])
        names = list(result["names"].values())
        while time.monotonic() - started < 60:
            rows = state_rows(state)
            if all(n in rows and os.path.isfile(os.path.join(t.media, n)) for n in names):
                return
            time.sleep(0.2)
        raise Failure("the deferred files never appeared: %r" % names)

    def backend_never():
        needs_export()
        pk = t.driver("add-product", "products/never.jpg")["pk"]
        result = t.driver("render-one", str(pk), SAMPLE_SITE_GENERATE="never")
        if result["io_calls"]:
            raise Failure("rendering made storage I/O calls: %r" % result["io_calls"])
        if any(result["truthy"].values()):
            raise Failure("files nobody generated are truthy: %r" % result["truthy"])
        time.sleep(1)
        rows = state_rows(state)
        made = [n for n in result["names"].values() if n in rows or os.path.exists(os.path.join(t.media, n))]
        if made:
            raise Failure("IKGEN_GENERATE = \"never\" generated %r" % made)

    def empty_source_raises():
        needs_export()
        result = t.driver("render-empty", SAMPLE_SITE_GENERATE="now")
        if result["backend"] != "IkgenCacheFileBackend":
            raise Failure("the row with an empty photo does not use ikgen's backend: %r" % result)
        if not result["imagekit_url"].startswith("MissingSource"):
            raise Failure("imagekit's own backend no longer raises MissingSource for an empty source: %r" % result)
        if not result["url"].startswith("MissingSource"):
            raise Failure("{{ product.thumbnail.url }} with an empty photo gave %r, not imagekit's MissingSource"
                          % result["url"])
        if result["if"] != "no" or result["imagekit_if"] != "no":
            raise Failure("{%% if product.thumbnail %%} with an empty photo is not false: %r" % result)

    def empty_site():
        empty = os.path.join(root, "empty")
        os.makedirs(os.path.join(empty, "media"))
        env = t.env(SAMPLE_SITE_ROOT=empty, SAMPLE_SITE_EMPTY="1")
        shutil.copytree(os.path.join(HERE, "sample_site", "sitecfg"), os.path.join(empty, "sitecfg"))
        shutil.copy(os.path.join(HERE, "sample_site", "manage.py"), empty)
        env["PYTHONPATH"] = env["PYTHONPATH"].replace(t.site, empty)
        t.run([PYTHON, "manage.py", "ikgen_export", "-o", os.path.join(empty, "ikgen.yaml"), "--strict"],
              env=env, cwd=empty)
        text = open(os.path.join(empty, "ikgen.yaml"), encoding="utf-8").read()
        if "specs: []" not in text:
            raise Failure("the empty site's project is not empty:\n" + text)
        rc, out, err = t.ikgen_run("check", "-c", os.path.join(empty, "ikgen.yaml"))
        if rc != 0:
            raise Failure("ikgen check of the empty project exited %d:\n%s" % (rc, err))

    def export_refuses():
        out = os.path.join(t.site, "refused.yaml")
        for what, env, needle in (
                ("an object storage", {"SAMPLE_SITE_STORAGE": "sitecfg.storage.ObjectStorage"}, "FileSystemStorage"),
                ("a custom namer", {"SAMPLE_SITE_NAMER": "sitecfg.storage.own_namer"}, "IMAGEKIT_SPEC_CACHEFILE_NAMER")):
            rc, _, err = t.run([PYTHON, "manage.py", "ikgen_export", "-o", out], env=t.env(**env), check=False)
            if rc != 2 or needle not in err or os.path.exists(out):
                raise Failure("with %s the export exited %d (expected 2, nothing written, naming %s):\n%s"
                              % (what, rc, needle, err))

    def unit_tests():
        env = dict(os.environ, PYTHONPATH=t.env()["PYTHONPATH"])
        rc, out, err = t.run([PYTHON, os.path.join(HERE, "test_values.py")], env=env, cwd=HERE, check=False)
        if rc != 0:
            raise Failure("tests/django/test_values.py failed:\n" + err[-3000:])
        rc, out, err = t.run([PYTHON, os.path.join(HERE, "test_state.py")], env=env, cwd=HERE, check=False)
        if rc != 0:
            raise Failure("tests/django/test_state.py failed:\n" + err[-3000:])

    t.check("unit: typed YAML values and identities, IKGEN_STATE (tests/django/test_values.py, test_state.py)",
            unit_tests)
    ok = t.check("site: database rows and images", setup)
    ok = ok and t.check("export: ikgen_export writes the project, lists what it leaves to imagekit", export)
    if ok:
        t.check("export: a multi-table child's spec lists the child's rows only (shop.SaleProduct)",
                export_inherited_rows)
        t.check("export: a spec in no source group (shop:listed) is named in a note on stderr", export_ungrouped_note)
        t.check("names: every cache file name agrees under all three namers (ikgen check --json)", namers_agree)
        ok = t.check("generate: ikgen generateimages on the exported project", generateimages)
    if ok:
        t.check("names: every name Django computes is a file ikgen wrote", names_are_files)
        t.check("render: templates render through the backend with no storage I/O; <img> sizes right",
                render_without_storage_io)
        t.check("pixels: within 30 dB PSNR of imagekit's own rendering", pixels_match_imagekit)
    t.check("export: refuses (exit 2, nothing written) an object storage and a custom namer", export_refuses)
    t.check("probes: a hand-edited spec is refused with file:line:col", edited_spec_refused)
    t.check("backend: a file missing from the state is generated now by `ikgen generate`", backend_generates_now)
    t.check("backend: deferred generation returns at once, the file appears later", backend_defers)
    t.check("backend: with IKGEN_GENERATE = \"never\" a page renders, nothing is generated, files are falsy",
            backend_never)
    t.check("backend: an empty image field raises imagekit's MissingSource under \"now\"; {% if %} is false",
            empty_source_raises)
    t.check("export: a site with no specs exports an empty project ikgen loads", empty_site)

    failed = [r for r in t.results if r[0] == "FAIL"]
    skipped = [r for r in t.results if r[0] == "SKIPPED"]
    print("%d passed, %d failed, %d skipped (ikgen: %s%s)" % (
        len(t.results) - len(failed) - len(skipped), len(failed), len(skipped), ikgen,
        "; imagekit from " + os.environ["SAMPLE_SITE_IMAGEKIT"] if os.environ.get("SAMPLE_SITE_IMAGEKIT") else ""))
    if keep or failed:
        print("kept %s" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 77 if skipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
