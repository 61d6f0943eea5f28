"""What `ikgen --help` and `ikgen COMMAND --help` (CLI11's format) say: the commands and options.

Shared by the man page and completion tests, which compare their files against the binary.
"""
import subprocess

# The commands the man pages, the completion and README document. A binary without one of them
# (a branch not merged yet) fails the tests that use this, naming the command.
DOCUMENTED_COMMANDS = ["generateimages", "check", "prune", "manifest", "generate", "watch"]


def help_text(ikgen, *command):
    result = subprocess.run([ikgen, *command, "--help"], capture_output=True, text=True)
    if result.returncode != 0:
        raise LookupError(f"`ikgen {' '.join(command)} --help` exited {result.returncode}: "
                          f"{(result.stderr or result.stdout).strip()[:200]}")
    return result.stdout


def _section(text, title):
    """The lines of one section ("Options:", "Subcommands:") of a help text."""
    lines, inside = [], False
    for line in text.splitlines():
        if not line.startswith(" ") and line.strip():
            inside = line.strip() == title
            continue
        if inside and line.strip():
            lines.append(line)
    return lines


def commands(ikgen):
    """The subcommands `ikgen --help` lists."""
    return [line.split()[0] for line in _section(help_text(ikgen), "Subcommands:") if line.startswith("  ") and
            not line.startswith("   ")]


def options(ikgen, *command):
    """Every option spelling ("-c", "--config", ...) of `ikgen [COMMAND] --help`."""
    found = []
    for line in _section(help_text(ikgen, *command), "Options:"):
        stripped = line.strip()
        # Option lines start with "-"; long descriptions continue on indented lines of their own.
        if not line.startswith("  -"):
            continue
        for spelling in stripped.split()[0].split(","):
            if spelling.startswith("-"):
                found.append(spelling.split("=")[0])
    return found
