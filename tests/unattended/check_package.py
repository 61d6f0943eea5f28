#!/usr/bin/python3
"""The Debian package: `cpack -G DEB` from the build directory into a temporary one, then

- its Depends (from dpkg-shlibdeps) name the runtime libraries and no build-only package, and
  each is installed on this machine in a version that satisfies it (dpkg-query);
- `dpkg-deb -c` lists the binary, a gzipped man page per command, the completion and the
  examples, every entry owned by root;
- a real dpkg install into an empty root (`dpkg --instdir --admindir` with a fresh database, so
  that dpkg itself unpacks it, records its files and can remove it; --force-depends because that
  database knows none of the libraries, which the host provides as checked above); from there
  ikgen --version, one generateimages on a small tree of images made here, man -l on every man
  page, the completion loaded by bash; then dpkg --purge leaves no file behind.

Usage: check_package.py BUILD_DIR SOURCE_DIR
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

from PIL import Image

RUNTIME = ["libopencv-core", "libopencv-imgproc", "libyaml-cpp", "libtbb", "libsqlite3", "libcurl", "libpq",
           "libxml2", "libxxhash"]
BUILD_ONLY = re.compile(r"-dev\b|^doctest|^cmake|^g\+\+|^gcc|^clang|^libcli11|^libexpected|^pkg-config")
COMMANDS = ["generateimages", "check", "prune", "manifest", "generate", "watch"]
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def run(*command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def installed_version(package):
    result = run("dpkg-query", "-W", "-f=${Status}\\t${Version}", package)
    if result.returncode != 0 or not result.stdout.startswith("install ok installed"):
        return None
    return result.stdout.split("\t")[1]


def check_depends(deb):
    depends = run("dpkg-deb", "-f", str(deb), "Depends").stdout.strip()
    print(f"Depends: {depends}")
    groups = [g.strip() for g in depends.split(",") if g.strip()]
    names = [re.match(r"[^\s(]+", alternative.strip()).group(0) for g in groups for alternative in g.split("|")]
    for library in RUNTIME:
        if not any(name.startswith(library) for name in names):
            fail(f"Depends lacks {library}*: {depends}")
    for name in names:
        if BUILD_ONLY.search(name):
            fail(f"Depends names a build-only package: {name}")
    for group in groups:
        satisfied = False
        for alternative in group.split("|"):
            match = re.fullmatch(r"\s*([^\s(]+)\s*(?:\((<<|<=|=|>=|>>)\s*([^)]+)\))?\s*", alternative)
            version = installed_version(match.group(1))
            if version is None:
                continue
            if match.group(2) is None:
                satisfied = True
            else:
                relation = {"<<": "lt", "<=": "le", "=": "eq", ">=": "ge", ">>": "gt"}[match.group(2)]
                satisfied = run("dpkg", "--compare-versions", version, relation, match.group(3).strip()).returncode == 0
            if satisfied:
                break
        if not satisfied:
            fail(f"dependency \"{group}\" is not satisfied by the packages installed here")


def check_contents(deb):
    listing = run("dpkg-deb", "-c", str(deb)).stdout.splitlines()
    entries = {}
    for line in listing:
        fields = line.split(None, 5)
        entries[fields[5].split(" -> ")[0]] = (fields[0], fields[1])
    expected = ["./usr/bin/ikgen", "./usr/share/bash-completion/completions/ikgen", "./usr/share/doc/ikgen/copyright",
                "./usr/share/doc/ikgen/README.md", "./usr/share/doc/ikgen/NOTICES.md",
                "./usr/share/doc/ikgen/examples/ikgen.yaml", "./usr/share/doc/ikgen/examples/cron/ikgen.cron",
                "./usr/share/doc/ikgen/examples/ci/deploy-gate.yml",
                "./usr/share/doc/ikgen/examples/systemd/ikgen-watch.service",
                "./usr/share/doc/ikgen/examples/systemd/ikgen-generateimages.service",
                "./usr/share/doc/ikgen/examples/systemd/ikgen-generateimages.timer",
                "./usr/share/man/man1/ikgen.1.gz"] + [f"./usr/share/man/man1/ikgen-{c}.1.gz" for c in COMMANDS]
    for path in expected:
        if path not in entries:
            fail(f"dpkg-deb -c does not list {path}")
    for path, (mode, owner) in entries.items():
        if owner != "root/root":
            fail(f"{path} is owned by {owner}, not root/root")
        if not path.endswith("/") and mode not in ("-rw-r--r--", "-rwxr-xr-x"):
            fail(f"{path} has mode {mode}")
    if entries.get("./usr/bin/ikgen", ("",))[0] != "-rwxr-xr-x":
        fail("/usr/bin/ikgen is not -rwxr-xr-x")
    print(f"dpkg-deb -c: {len(entries)} entries, all root/root")


def install_and_use(deb, work):
    root = work / "root"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").write_text("")
    dpkg = ["dpkg", f"--instdir={root}", f"--admindir={admin}"]
    result = run(*dpkg, "--force-depends", "-i", str(deb))
    if result.returncode != 0:
        fail(f"dpkg -i into {root}: exit {result.returncode}: {result.stderr.strip()[-600:]}")
        return
    status = run(*dpkg, "-s", "ikgen").stdout
    if "Status: install ok installed" not in status:
        fail(f"dpkg does not record ikgen as installed: {status[:300]}")
    ikgen = root / "usr/bin/ikgen"

    missing = [line for line in run("ldd", str(ikgen)).stdout.splitlines() if "not found" in line]
    if missing:
        fail(f"libraries not found: {missing}")
    version = run(str(ikgen), "--version")
    print(f"installed ikgen --version: {version.stdout.strip()}")
    if version.returncode != 0 or not re.fullmatch(r"ikgen \d+\.\d+\.\d+", version.stdout.strip()):
        fail(f"ikgen --version: exit {version.returncode}: {version.stdout!r} {version.stderr!r}")

    # One generateimages on a small tree, with the installed example project's specs.
    site = work / "site"
    (site / "media/products/2026").mkdir(parents=True)
    for i, name in enumerate(["products/a.jpg", "products/2026/b.png", "products/c.webp"]):
        Image.new("RGB", (640, 360 + 40 * i), (30 * i, 90, 160)).save(site / "media" / name)
    project = (root / "usr/share/doc/ikgen/examples/ikgen.yaml").read_text()
    project = project.replace("/srv/www/media", str(site / "media")).replace("/var/lib/ikgen", str(site / "state"))
    (site / "ikgen.yaml").write_text(project)
    generated = run(str(ikgen), "generateimages", "-c", str(site / "ikgen.yaml"), "--quiet")
    print(f"installed ikgen generateimages: exit {generated.returncode}: {generated.stdout.strip()}")
    if generated.returncode != 0 or not generated.stdout.startswith("generated 6,") or generated.stderr:
        fail(f"generateimages from the installed package: exit {generated.returncode}: "
             f"{generated.stdout!r} {generated.stderr!r}")

    env = {"PATH": "/usr/bin:/bin", "MANPAGER": "cat", "MANWIDTH": "80"}
    for page in sorted((root / "usr/share/man/man1").glob("*.1.gz")):
        rendered = run("man", "-l", str(page), env=env)
        if rendered.returncode != 0 or "SYNOPSIS" not in rendered.stdout or rendered.stderr.strip():
            fail(f"man -l {page.name}: exit {rendered.returncode}: {rendered.stderr.strip()}")
    by_name = run("man", "ikgen-watch", env=dict(env, MANPATH=str(root / "usr/share/man")))
    if by_name.returncode != 0 or "ikgen-watch" not in by_name.stdout:
        fail(f"man ikgen-watch with MANPATH={root}/usr/share/man: exit {by_name.returncode}: {by_name.stderr.strip()}")

    completion = root / "usr/share/bash-completion/completions/ikgen"
    loaded = run("bash", "--norc", "--noprofile", "-c", f"source {completion} && complete -p ikgen")
    if loaded.returncode != 0 or "_ikgen" not in loaded.stdout or loaded.stderr:
        fail(f"the completion does not load: {loaded.stdout!r} {loaded.stderr!r}")

    purge = run(*dpkg, "--purge", "ikgen")
    left = [p for p in (root / "usr").rglob("*") if not p.is_dir()]
    if purge.returncode != 0 or left:
        fail(f"dpkg --purge: exit {purge.returncode}, left {left[:5]}: {purge.stderr.strip()[-300:]}")


def main():
    build_dir = pathlib.Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory(prefix="ikgen-package-") as work:
        work = pathlib.Path(work)
        packed = run("cpack", "-G", "DEB", "-B", str(work / "out"), cwd=build_dir)
        debs = list((work / "out").glob("ikgen_*.deb"))
        if packed.returncode != 0 or len(debs) != 1:
            print(packed.stdout, packed.stderr)
            fail(f"cpack -G DEB: exit {packed.returncode}, packages {debs}")
            return 1
        deb = debs[0]
        print(f"{deb.name}: {deb.stat().st_size} bytes")
        check_depends(deb)
        check_contents(deb)
        install_and_use(deb, work)
    print(f"package: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
