#!/usr/bin/python3
"""completions/ikgen.bash in a real bash: the completion function is called with COMP_WORDS,
COMP_CWORD, COMP_LINE and COMP_POINT split as bash splits a command line (at blanks, and at "="
and ":", from COMP_WORDBREAKS), and COMPREPLY is compared with what `ikgen --help` and
`ikgen CMD --help` print. Run once with bash alone and once with bash-completion loaded first.

Usage: check_completion.py IKGEN SOURCE_DIR
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import cli_help  # noqa: E402

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def words_of(line):
    """COMP_WORDS and COMP_CWORD for the cursor at the end of `line`, as bash splits them."""
    words = re.findall(r"[=:]|[^\s=:]+", line)
    if not line or line[-1].isspace():
        words.append("")
    return words, len(words) - 1


def complete_all(completion_file, lines, cwd, with_bash_completion):
    """COMPREPLY for each line, from one bash process."""
    script = []
    if with_bash_completion:
        script.append(f"source {shlex.quote(BASH_COMPLETION)}")
    script.append(f"source {shlex.quote(str(completion_file))}")
    for line in lines:
        words, cword = words_of(line)
        script.append("COMP_WORDS=(" + " ".join(shlex.quote(w) for w in words) + ")")
        script.append(f"COMP_CWORD={cword} COMP_LINE={shlex.quote(line)} COMP_POINT={len(line)}")
        script.append("COMPREPLY=(); _ikgen; printf '%s\\0' \"${COMPREPLY[@]}\"; printf '\\1'")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(script)], capture_output=True,
                            text=True, cwd=cwd)
    if result.returncode != 0 or result.stderr.strip():
        raise RuntimeError(f"bash failed ({result.returncode}): {result.stderr.strip()}")
    replies = result.stdout.split("\1")[:-1]
    return {line: sorted(w for w in reply.split("\0") if w) for line, reply in zip(lines, replies)}


def main():
    ikgen, source_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    completion_file = source_dir / "completions" / "ikgen.bash"
    failures = []
    listed = cli_help.commands(ikgen)
    for command in cli_help.DOCUMENTED_COMMANDS:
        if command not in listed:
            failures.append(f"`ikgen --help` does not list \"{command}\", which the completion offers: this binary "
                            f"lacks it (is its branch merged?)")
    commands = [c for c in cli_help.DOCUMENTED_COMMANDS if c in listed]

    with tempfile.TemporaryDirectory(prefix="ikgen-completion-") as work:
        pathlib.Path(work, "site.yaml").write_text(
            'storage: {root: media}\nspecs:\n  - id: "shop:thumb"\n    processors: []\n'
            '  - id: shop:large  # a comment\n    processors: []\nsource_groups:\n  - id: not-a-spec\n')
        pathlib.Path(work, "notes.txt").write_text("")
        os.mkdir(pathlib.Path(work, "media"))
        pathlib.Path(work, "media", "a.jpg").write_text("")

        expected = {
            "ikgen ": sorted(cli_help.DOCUMENTED_COMMANDS + ["--help", "--version"]),
            "ikgen gen": ["generate", "generateimages"],
            "ikgen generateimages --strategy ": ["just_in_time", "optimistic"],
            "ikgen check --strategy=o": ["optimistic"],
            "ikgen manifest --format ": ["csv", "json"],
            "ikgen generateimages -c ": ["media/", "site.yaml"],
            "ikgen generateimages --report ": ["-", "media/", "notes.txt", "site.yaml"],
            "ikgen generate shop:thumb --sources-from n": ["notes.txt"],
            "ikgen check -c site.yaml ": ["shop:large", "shop:thumb"],
            "ikgen check -c site.yaml shop:t": ["thumb"],
            "ikgen generate --config=site.yaml ": ["shop:large", "shop:thumb"],
            "ikgen generate -c site.yaml shop:thumb media/": ["media/a.jpg"],
            "ikgen generateimages -j ": [],
        }
        option_lines = {f"ikgen {c} -": c for c in commands}
        lines = list(expected) + list(option_lines)
        for with_bash_completion in (False, True):
            label = "with bash-completion" if with_bash_completion else "bash alone"
            replies = complete_all(completion_file, lines, work, with_bash_completion)
            for line, want in expected.items():
                got = [w.rstrip("/") + "/" if os.path.isdir(os.path.join(work, w)) else w for w in replies[line]]
                if got != want:
                    failures.append(f"{label}: '{line}' completes to {got}, expected {want}")
            for line, command in option_lines.items():
                offered = set(replies[line])
                options = set(cli_help.options(ikgen, command))
                for option in sorted(options - offered):
                    failures.append(f"{label}: `ikgen {command} --help` prints {option}, the completion does not "
                                    f"offer it")
                for option in sorted(offered - options):
                    failures.append(f"{label}: the completion offers {option} for {command}, which `ikgen {command} "
                                    f"--help` does not print (not merged yet, or removed from the binary?)")

    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"checked completions/ikgen.bash against {ikgen}: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
