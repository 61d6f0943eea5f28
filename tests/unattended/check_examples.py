#!/usr/bin/python3
"""The examples for running ikgen unattended (examples/), checked as shipped:

- systemd: `systemd-analyze verify` of the units, byte for byte, in a root holding this build's
  ikgen at /usr/bin/ikgen, /bin/kill, systemd's own units and the man pages their Documentation=
  names: any output line fails the test. A copy with an unknown key must fail it (so the check
  does look at the files), and `systemd-analyze security --offline` must rate each service 2.0
  or better.
- cron: the command of examples/cron/ikgen.cron, run by sh with this build's binary and a demo
  project (examples/ikgen.yaml, paths moved into a temporary directory): while a first run holds
  the run lock, a second one exits 75 with one line on stderr; the first then exits 0 with no
  output (stdout goes to /dev/null), and so does a later run with nothing to do.
- examples/ikgen.yaml passes `ikgen check`; the CI examples are valid YAML and run `ikgen check`.

Usage: check_examples.py IKGEN SOURCE_DIR
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import yaml
from PIL import Image

UNITS = ["ikgen-watch.service", "ikgen-generateimages.service", "ikgen-generateimages.timer"]
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def make_root(root, ikgen, source_dir):
    """A file system root for `systemd-analyze verify --root`: what the units name, and systemd."""
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    os.symlink("usr/bin", root / "bin")
    shutil.copy2(ikgen, root / "usr/bin/ikgen")
    shutil.copy2(shutil.which("kill"), root / "usr/bin/kill")
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copyfile(source_dir / "examples/systemd" / unit, root / "etc/systemd/system" / unit)


def verify(root, man_path, units):
    env = dict(os.environ, MANPATH=str(man_path), SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER="")
    result = subprocess.run(["systemd-analyze", "verify", f"--root={root}", "--man=yes", *units],
                            capture_output=True, text=True, env=env)
    return result.returncode, (result.stdout + result.stderr).strip()


def check_units(ikgen, source_dir, work):
    root = work / "root"
    make_root(root, ikgen, source_dir)
    man_path = work / "man"
    (man_path / "man1").mkdir(parents=True)
    for page in (source_dir / "man").glob("*.1"):
        shutil.copy2(page, man_path / "man1" / page.name)

    status, output = verify(root, man_path, UNITS)
    if status != 0 or output:
        fail(f"systemd-analyze verify {' '.join(UNITS)} (exit {status}):\n{output}")
    else:
        print(f"systemd-analyze verify: {', '.join(UNITS)}: no warnings")

    # The check must see a mistake: the same root with one unit given an unknown key.
    broken = root / "etc/systemd/system/ikgen-watch.service"
    shipped = broken.read_text()
    broken.write_text(shipped.replace("[Service]\n", "[Service]\nProtectSystm=strict\n"))
    status, output = verify(root, man_path, ["ikgen-watch.service"])
    if "ProtectSystm" not in output:
        fail(f"systemd-analyze verify did not report an unknown key in the root it checks: {output!r}")
    broken.write_text(shipped)

    for service in [u for u in UNITS if u.endswith(".service")]:
        result = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={root}", "--threshold=20",
                                 "--no-pager", service], capture_output=True, text=True,
                                env=dict(os.environ, SYSTEMD_LOG_COLOR="0"))
        overall = [line for line in result.stdout.splitlines() if "Overall exposure level" in line]
        print(overall[0] if overall else result.stdout[-300:])
        if result.returncode != 0 or not overall:
            fail(f"systemd-analyze security rates {service} above 2.0 (exit {result.returncode}): "
                 f"{overall or result.stderr.strip()}")


def cron_command(source_dir):
    """The command of the one job line of examples/cron/ikgen.cron (the /etc/cron.d format)."""
    jobs = [line for line in (source_dir / "examples/cron/ikgen.cron").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#") and "=" not in line.split()[0]]
    if len(jobs) != 1:
        raise AssertionError(f"examples/cron/ikgen.cron: expected one job line, found {len(jobs)}")
    fields = jobs[0].split(None, 6)
    if len(fields) != 7:
        raise AssertionError(f"examples/cron/ikgen.cron: not \"m h dom mon dow user command\": {jobs[0]}")
    if "%" in fields[6]:
        raise AssertionError("examples/cron/ikgen.cron: an unescaped % in the command (cron makes it a newline)")
    return fields[5], fields[6]


def demo_project(source_dir, work, extra=""):
    """examples/ikgen.yaml with its paths moved under `work`, plus `extra` YAML."""
    text = (source_dir / "examples/ikgen.yaml").read_text()
    for shipped, local in (("/srv/www/media", work / "media"), ("/var/lib/ikgen", work / "state")):
        if shipped not in text:
            raise AssertionError(f"examples/ikgen.yaml no longer names {shipped}; update this test")
        text = text.replace(shipped, str(local))
    path = work / ("ikgen-held.yaml" if extra else "ikgen.yaml")
    path.write_text(text + extra)
    return path


def run_cron(command, ikgen, config):
    line = command.replace("/usr/bin/ikgen", ikgen).replace("/etc/ikgen/ikgen.yaml", str(config))
    return subprocess.Popen(["sh", "-c", line], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_cron(ikgen, source_dir, work):
    user, command = cron_command(source_dir)
    if user != "www-data" or not command.startswith("/usr/bin/ikgen generateimages") or "--no-wait" not in command \
            or "/etc/ikgen/ikgen.yaml" not in command:
        fail(f"examples/cron/ikgen.cron: unexpected job for user {user}: {command}")
    (work / "media/products/new").mkdir(parents=True)
    (work / "state").mkdir()
    for i, name in enumerate(["products/a.jpg", "products/new/b.png", "products/c.jpeg"]):
        Image.new("RGB", (320 + 40 * i, 240), (40 * i, 120, 200)).save(work / "media" / name)
    config = demo_project(source_dir, work)
    # The first run is held inside its run lock: a source list that is a FIFO, read after the lock
    # is taken, blocks it until the test writes the list.
    fifo = work / "held-list.fifo"
    os.mkfifo(fifo)
    held = demo_project(source_dir, work, extra=(
        '  - id: held\n    specs: ["shop:product:thumbnail"]\n    sources_from: held-list.fifo\n'))
    lock_file = work / "state/state.sqlite.lock"

    first = run_cron(command, ikgen, held)
    deadline = time.monotonic() + 30
    while not (lock_file.exists() and lock_file.read_text().strip()):
        if first.poll() is not None or time.monotonic() > deadline:
            out, err = first.communicate()
            raise AssertionError(f"the first cron run never held the lock (exit {first.returncode}): {err}")
        time.sleep(0.02)

    second = run_cron(command, ikgen, config)
    out, err = second.communicate(timeout=60)
    print(f"second run while the first holds the lock: exit {second.returncode}, stderr {err.strip()!r}")
    if second.returncode != 75 or out or len(err.splitlines()) != 1 or "is working on this cache" not in err:
        fail(f"a cron run while another holds the lock: exit {second.returncode} (expected 75), "
             f"stdout {out!r} (expected none), stderr {err!r} (expected one line)")

    with open(fifo, "w") as writer:
        writer.write("products/a.jpg\n")
    out, err = first.communicate(timeout=120)
    if first.returncode != 0 or out or err:
        fail(f"the first cron run: exit {first.returncode}, stdout {out!r}, stderr {err!r} (expected 0, nothing)")
    outputs = sorted(p.relative_to(work / "media") for p in (work / "media/CACHE/images").rglob("*")
                     if p.is_file() and not p.name.startswith(".ikgen"))
    if len(outputs) != 6:
        fail(f"the first cron run wrote {len(outputs)} renditions, expected 6 (3 sources x 2 specs): {outputs}")

    third = run_cron(command, ikgen, config)
    out, err = third.communicate(timeout=60)
    if third.returncode != 0 or out or err:
        fail(f"a cron run with nothing to do: exit {third.returncode}, output {out!r} {err!r} (cron would mail it)")

    check = subprocess.run([ikgen, "check", "-c", str(config)], capture_output=True, text=True)
    print(f"ikgen check -c examples/ikgen.yaml (moved): exit {check.returncode}: {check.stdout.strip()}")
    if check.returncode != 0 or check.stderr:
        fail(f"ikgen check of examples/ikgen.yaml: exit {check.returncode}: {check.stderr.strip()}")


def check_ci(source_dir):
    for path in sorted((source_dir / "examples/ci").glob("*.yml")):
        document = yaml.safe_load(path.read_text())
        runs = [step.get("run", "") for job in document.get("jobs", {}).values() if isinstance(job, dict)
                for step in job.get("steps", [])] if "jobs" in document else \
            [line for job in document.values() if isinstance(job, dict) for line in job.get("script", [])]
        if not any(run.startswith("ikgen check") for run in runs):
            fail(f"{path.name}: no step runs `ikgen check`")


def main():
    ikgen, source_dir = os.path.abspath(sys.argv[1]), pathlib.Path(sys.argv[2]).resolve()
    with tempfile.TemporaryDirectory(prefix="ikgen-examples-") as work:
        work = pathlib.Path(work)
        (work / "systemd").mkdir()
        (work / "cron").mkdir()
        check_units(ikgen, source_dir, work / "systemd")
        check_cron(ikgen, source_dir, work / "cron")
        check_ci(source_dir)
    print(f"examples: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
