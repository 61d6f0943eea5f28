#!/usr/bin/python3
"""The man pages in man/ against the binary: one page per command `ikgen --help` lists (and per
documented command), every option `ikgen CMD --help` prints in that page's OPTIONS and nothing
there the binary lacks, no warning from groff or mandoc, and each page renders with man -l.

Usage: check_man_pages.py IKGEN SOURCE_DIR
"""
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import cli_help  # noqa: E402


def plain(roff):
    """roff source with font changes and escapes that matter for option names removed."""
    roff = re.sub(r"\\f[BIRP]", "", roff)
    return roff.replace(r"\-", "-").replace(r"\(aq", "'").replace(r"\(dq", '"')


def option_tags(page_text):
    """The option spellings in the tag lines (after .TP) of the OPTIONS section."""
    lines = plain(page_text).splitlines()
    try:
        start = lines.index(".SH OPTIONS")
    except ValueError:
        return None
    tags = []
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(".SH"):
            break
        if lines[i] == ".TP" and i + 1 < len(lines):
            tags += re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", lines[i + 1])
    return tags


def lint(page):
    problems = []
    groff = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True)
    if groff.returncode != 0 or groff.stderr.strip():
        problems.append(f"groff -man -ww -z: {groff.stderr.strip()}")
    mandoc = subprocess.run(["mandoc", "-T", "lint", "-W", "style", str(page)], capture_output=True, text=True)
    if mandoc.returncode != 0 or mandoc.stdout.strip() or mandoc.stderr.strip():
        problems.append(f"mandoc -T lint: {(mandoc.stdout + mandoc.stderr).strip()}")
    rendered = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                              env={"MANPAGER": "cat", "MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
    if rendered.returncode != 0 or "NAME" not in rendered.stdout or "SYNOPSIS" not in rendered.stdout:
        problems.append(f"man -l did not render it: {rendered.stderr.strip()}")
    return problems


def main():
    ikgen, source_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    man_dir = source_dir / "man"
    failures = []

    listed = cli_help.commands(ikgen)
    for command in cli_help.DOCUMENTED_COMMANDS:
        if command not in listed:
            failures.append(f"`ikgen --help` does not list the command \"{command}\", which man/ikgen-{command}.1 "
                            f"documents: this binary lacks it (is its branch merged?)")
    pages = {"ikgen": man_dir / "ikgen.1"}
    for command in sorted(set(listed) | set(cli_help.DOCUMENTED_COMMANDS)):
        pages[command] = man_dir / f"ikgen-{command}.1"
    unexpected = sorted({p.name for p in man_dir.glob("*.1")} - {p.name for p in pages.values()})
    if unexpected:
        failures.append(f"man/ holds pages of no command: {', '.join(unexpected)}")

    for command, page in pages.items():
        if not page.exists():
            failures.append(f"{page}: missing; `ikgen {command}` needs a man page")
            continue
        text = page.read_text()
        failures += [f"{page.name}: {p}" for p in lint(page)]
        tags = option_tags(text)
        if tags is None:
            failures.append(f"{page.name}: no OPTIONS section")
            continue
        if command != "ikgen" and command not in listed:
            continue  # reported above; `ikgen CMD --help` would print the top-level help
        try:
            binary_options = cli_help.options(ikgen, *([] if command == "ikgen" else [command]))
        except LookupError as error:
            failures.append(f"{page.name}: cannot compare with the binary: {error}")
            continue
        for option in binary_options:
            if option not in tags:
                failures.append(f"{page.name}: `ikgen {'' if command == 'ikgen' else command + ' '}--help` prints "
                                f"{option}, which its OPTIONS section does not describe")
        for option in sorted(set(tags) - set(binary_options)):
            failures.append(f"{page.name}: OPTIONS describes {option}, which `ikgen "
                            f"{'' if command == 'ikgen' else command + ' '}--help` does not print (not merged yet, "
                            f"or removed from the binary?)")

    # ikgen.1 names every command's page.
    overview = plain((man_dir / "ikgen.1").read_text())
    for command in pages:
        if command != "ikgen" and f".BR ikgen-{command} (1)" not in overview:
            failures.append(f"ikgen.1: does not point to ikgen-{command}(1)")

    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"checked {len(pages)} man pages against {ikgen}: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
