#!/usr/bin/python3
"""Checks NOTICES.md against the code: every file it names exists, every source file that says it
follows Pillow or pilkit code is listed, and the Pillow notice in NOTICES.md and in
src/resample.cpp is Debian's text verbatim (/usr/share/doc/python3-pil/copyright).
Usage: check_notices.py REPO_ROOT. Exit 0 when all hold, 1 with one line per problem."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
problems = []
notices_path = root / "NOTICES.md"
if not notices_path.exists():
    sys.exit("check_notices: NOTICES.md is missing at the top of the repository; add it (see README, Notices)")
notices = notices_path.read_text()

for name in sorted(set(re.findall(r"`((?:src|include|tests|integrations|bench)/[^`]*)`", notices))):
    if not (root / name).exists():
        problems.append(f"NOTICES.md names {name}, which does not exist; update its table")

# A source file that says it ports Pillow's C code or reproduces pilkit must be listed.
follows = re.compile(r"Resample\.c|Convert\.c|Blend\.c|Filter\.c|ImagingBlend|ImagingFilter3x3|\bpilkit\b")
for path in sorted((root / "src").rglob("*.cpp")):
    rel = path.relative_to(root).as_posix()
    if follows.search(path.read_text(errors="replace")) and f"`{rel}`" not in notices:
        problems.append(f"{rel} follows Pillow or pilkit code but NOTICES.md does not list it; add a row")

pil = pathlib.Path("/usr/share/doc/python3-pil/copyright").read_text()
start = pil.index("The Python Imaging Library is")
end_marker = "OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE."
hpnd = pil[start:pil.index(end_marker) + len(end_marker)]
if hpnd not in notices:
    problems.append("NOTICES.md does not hold Pillow's licence text verbatim (from /usr/share/doc/python3-pil/copyright)")
as_comment = "\n".join(("// " + line).rstrip() for line in hpnd.split("\n"))
if as_comment not in (root / "src/resample.cpp").read_text():
    problems.append("src/resample.cpp does not carry Pillow's licence notice verbatim as a // comment")

for problem in problems:
    print("check_notices: " + problem)
sys.exit(1 if problems else 0)
