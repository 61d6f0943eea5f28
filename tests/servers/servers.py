#!/usr/bin/python3
"""Real S3 (Ceph radosgw) and PostgreSQL servers on 127.0.0.1 for ikgen's tests and benchmarks.

    servers.py start DIR           start both, everything kept in DIR (stops and clears what an
                                   earlier start left in DIR first)
    servers.py stop DIR            stop every process listed in DIR/pids; never fails
    servers.py bucket DIR NAME     create an S3 bucket
    servers.py database DIR NAME   create a PostgreSQL database owned by ikgen, print its URL
    servers.py rgw-stop DIR        stop radosgw alone; rgw-start DIR starts it again, same port
    servers.py pg-stop DIR         stop PostgreSQL alone; pg-start DIR starts it again, same port
    servers.py log-mark DIR        print the offset in radosgw's log just after a marker request
    servers.py requests DIR FROM   count radosgw's requests logged after offset FROM (a log-mark),
                                   by kind: KIND=COUNT lines, then END=OFFSET (a new mark)

S3 is a single-node Ceph cluster: one ceph-mon, one ceph-osd keeping its objects in memory
(memstore), and radosgw with the beast frontend, which enforces AWS SigV4. Daemons talk to each
other without cephx. PostgreSQL 15 runs as the `postgres` user when started as root (initdb
refuses root). Every daemon binds 127.0.0.1 only, and every file (configuration, data, sockets,
logs) stays under DIR: Ceph's tools always get `-c DIR/ceph.conf`.

`start` writes DIR/servers.env once everything answers (KEY=VALUE lines, values unquoted):
IKGEN_S3_ENDPOINT, IKGEN_S3_ACCESS_KEY, IKGEN_S3_SECRET_KEY, IKGEN_S3_REGION, IKGEN_RGW_LOG,
IKGEN_PG_URL, IKGEN_PG_ADMIN_URL, the PIDs at start (IKGEN_*_PID; DIR/pids follows restarts),
IKGEN_SERVERS_DIR and IKGEN_SERVERS_PY.
Each process is written to DIR/pids ("NAME PID" lines) as soon as it is started, so `stop` finds
it even when `start` failed halfway or was killed.

Request kinds counted by `requests`: GET, PUT, HEAD, DELETE, POST, LIST (a GET of a bucket
listing or of the bucket list), and ERRORS_4XX / ERRORS_5XX over all of them. Requests are taken
from the beast frontend's access lines in IKGEN_RGW_LOG (path-style addressing).
"""

import errno
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

PG_BIN = "/usr/lib/postgresql/15/bin"
PG_SUPERUSER = "postgres"
PG_OS_USER = "postgres"  # the system user Debian's postgresql package creates
S3_REGION = "us-east-1"  # radosgw's default zonegroup accepts it in SigV4 scopes
S3_USER = "ikgen"
MARKER_FILE = ".ikgen-servers"  # only a directory holding it is ever cleared by `start`
LOG_MARK_BUCKET = "ikgen-log-mark"
STOP_WAIT_SECONDS = 10

START_TIMEOUTS = {"ceph-mon": 30, "ceph-osd": 60, "radosgw": 90, "postgres": 30}


class StartError(Exception):
    """A server did not come up; the tails of `logs` (a path or a list of paths) explain why."""

    def __init__(self, message, logs=()):
        super().__init__(message)
        self.logs = [logs] if isinstance(logs, str) else list(logs)


# ---- layout ---------------------------------------------------------------------------------


class Layout:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.marker = os.path.join(self.dir, MARKER_FILE)
        self.pids = os.path.join(self.dir, "pids")
        self.env = os.path.join(self.dir, "servers.env")
        self.ceph_conf = os.path.join(self.dir, "ceph.conf")
        self.ceph = os.path.join(self.dir, "ceph")
        self.ceph_log = os.path.join(self.ceph, "log")
        self.mon_data = os.path.join(self.ceph, "mon", "mon.a")
        self.osd_data = os.path.join(self.ceph, "osd", "osd.0")
        self.rgw_log = os.path.join(self.ceph_log, "client.rgw.log")
        self.pg = os.path.join(self.dir, "pg")
        self.pg_data = os.path.join(self.pg, "data")
        self.pg_socket_dir = os.path.join(self.pg, "run")
        self.pg_log = os.path.join(self.pg, "postgres.log")

    def daemon_output(self, name):
        return os.path.join(self.ceph_log, name + ".out")


def read_env(layout):
    if not os.path.exists(layout.env):
        raise SystemExit(f"servers.py: {layout.env} is missing: run `servers.py start {layout.dir}` first")
    env = {}
    with open(layout.env, encoding="utf-8") as lines:
        for line in lines:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def write_file_atomically(path, text, mode=0o644):
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temp, mode)
    os.replace(temp, path)


def free_port():
    # The kernel picks a free port; the short window before the daemon binds it is acceptable here.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path, lines=40):
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 64 * 1024))
            text = log.read().decode("utf-8", "replace")
    except OSError as error:
        return f"(cannot read {path}: {error.strerror})"
    return "\n".join(text.splitlines()[-lines:])


# ---- processes ------------------------------------------------------------------------------

_pids_lock = threading.Lock()


def read_pids(layout):
    entries = []
    try:
        with open(layout.pids, encoding="utf-8") as lines:
            for line in lines:
                name, _, pid = line.strip().partition(" ")
                if pid.isdigit():
                    entries.append((name, int(pid)))
    except FileNotFoundError:
        pass
    return entries


def record_pid(layout, name, pid):
    with _pids_lock, open(layout.pids, "a", encoding="utf-8") as out:
        out.write(f"{name} {pid}\n")
        out.flush()
        os.fsync(out.fileno())


def forget_pids(layout, names):
    with _pids_lock:
        kept = [(name, pid) for name, pid in read_pids(layout) if name not in names]
        write_file_atomically(layout.pids, "".join(f"{name} {pid}\n" for name, pid in kept))


def runs_from(layout, pid):
    """True when `pid` is a live process started for this directory (a reused PID is not ours)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            arguments = cmdline.read().decode("utf-8", "replace")
    except OSError:
        return False
    return layout.dir + "/" in arguments  # empty for a zombie, so a finished process counts as gone


def stop_processes(layout, entries):
    # PostgreSQL's SIGTERM waits for clients to disconnect; SIGINT is its fast shutdown.
    # Newest first: radosgw and the OSD still find the monitor while they shut down.
    for name, pid in reversed(entries):
        if not runs_from(layout, pid):
            continue
        try:
            os.kill(pid, signal.SIGINT if name == "postgres" else signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while runs_from(layout, pid) and time.monotonic() < deadline:
            reap(pid)
            time.sleep(0.05)
        if runs_from(layout, pid):
            print(f"servers.py: {name} (pid {pid}) ignored SIGTERM for {STOP_WAIT_SECONDS} s: killed", file=sys.stderr)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while runs_from(layout, pid):
                reap(pid)
                time.sleep(0.05)


def reap(pid):
    # A daemon this process started is its child until it exits; collect it so it does not linger.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def spawn(layout, name, argv, output, as_user=None, cwd=None):
    with open(output, "ab") as out:
        # A new session and no inherited stdout: ctest waits for the test's output pipe to close,
        # and must not wait for the servers.
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, cwd=cwd or layout.dir, **(as_user or {}))
    record_pid(layout, name, process.pid)
    return process


def wait_until(what, ready, process, logs, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if process.poll() is not None:
            raise StartError(f"{what} exited with status {process.returncode} while starting", logs)
        if time.monotonic() > deadline:
            raise StartError(f"{what} did not answer within {timeout} s", logs)
        time.sleep(0.1)


def run_tool(argv, what, log=(), timeout=60):
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StartError(f"{what}: `{' '.join(argv)}` did not finish within {timeout} s", log) from None
    if done.returncode != 0:
        raise StartError(f"{what}: `{' '.join(argv)}` failed with status {done.returncode}:\n"
                         f"{(done.stderr or done.stdout).strip()}", log)
    return done.stdout


# ---- Ceph: monitor, OSD, radosgw ------------------------------------------------------------


def ceph_conf(layout, fsid, mon_port, rgw_port):
    ceph = layout.ceph
    return f"""# Single-node test cluster made by tests/servers/servers.py: no cephx, objects in memory.
[global]
fsid = {fsid}
mon host = v1:127.0.0.1:{mon_port}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
mon warn on insecure global id reclaim allowed = false
mon warn on pool no redundancy = false
# Every path under {layout.dir}; nothing in /etc/ceph, /var/lib/ceph, /var/log/ceph or /run/ceph.
run dir = {ceph}/run
admin socket =
log file = {ceph}/log/$name.log
pid file =
keyring = {ceph}/keyring
crash dir = {ceph}/crash
mon data = {ceph}/mon/$name
osd data = {ceph}/osd/$name
mon cluster log file = {ceph}/log/cluster.log
rgw data = {ceph}/rgw
rgw luarocks location = {ceph}/luarocks
# One OSD holds every object: pools of one copy, few placement groups, no manager needed.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
# Commit map changes at once instead of batching them for a second: pools are created sooner.
paxos propose interval = 0.05
paxos min wait = 0.01

[mon]
admin socket = {ceph}/run/$name.asok

[osd]
admin socket = {ceph}/run/$name.asok
osd objectstore = memstore
memstore device bytes = {2 * 1024 ** 3}
# servers.py places the OSD in the CRUSH map itself: the OSD's own update at start can reach the
# monitor before it knows the cluster's fsid, and then fails with "wrong fsid".
osd crush update on start = false
osd class update on start = false
osd mon shutdown timeout = 1

[client.rgw]
admin socket = {ceph}/run/$name.asok
# tcp_nodelay: without it Nagle's algorithm and delayed ACKs add about 40 ms to small responses.
rgw frontends = beast endpoint=127.0.0.1:{rgw_port} tcp_nodelay=1
# Level 1 logs one access line per request (method, path, status), counted by `requests`.
debug rgw = 1
"""


class CephAdmin:
    """Monitor commands through librados (python3-rados): no `ceph` process per command."""

    def __init__(self, layout, timeout):
        import rados  # Debian's python3-rados, a dependency of ceph-common

        self.cluster = rados.Rados(conffile=layout.ceph_conf, name="client.admin")
        self.cluster.connect(timeout=timeout)

    def command(self, prefix, **arguments):
        request = json.dumps({"prefix": prefix, "format": "json", **arguments})
        deadline = time.monotonic() + 10
        while True:
            status, output, message = self.cluster.mon_command(request, b"", timeout=30)
            # librados (Ceph 16) may send a command before the monitor's map has told it the
            # cluster's fsid; the monitor refuses that one as "wrong fsid" without running it.
            if status == -errno.EPERM and "wrong fsid" in message and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if status != 0:
                raise StartError(f"ceph `{prefix}` failed: {message} ({status})")
            return json.loads(output) if output.strip() else None

    def close(self):
        self.cluster.shutdown()


# Every pool radosgw's default zone uses. Made before radosgw starts, so that neither its start
# nor the first bucket waits for pools to be created one at a time.
RGW_POOLS = [".rgw.root", "default.rgw.log", "default.rgw.control", "default.rgw.meta",
             "default.rgw.buckets.index", "default.rgw.buckets.data", "default.rgw.buckets.non-ec"]


def start_ceph(layout, mon_port, rgw_port, access_key, secret_key):
    for sub in ("mon", "osd/osd.0", "run", "log", "crash", "rgw"):
        os.makedirs(os.path.join(layout.ceph, sub), exist_ok=True)
    fsid = str(uuid.uuid4())
    write_file_atomically(layout.ceph_conf, ceph_conf(layout, fsid, mon_port, rgw_port))
    conf = ["-c", layout.ceph_conf]

    monmap = os.path.join(layout.ceph, "monmap")
    run_tool(["monmaptool", *conf, "--create", "--clobber", "--fsid", fsid, "--addv", "a",
              f"v1:127.0.0.1:{mon_port}", monmap], "monmaptool")
    mon_log = os.path.join(layout.ceph_log, "mon.a.log")
    run_tool(["ceph-mon", *conf, "--mkfs", "-i", "a", "--monmap", monmap], "ceph-mon --mkfs", mon_log)
    mon = spawn(layout, "ceph-mon", ["ceph-mon", *conf, "-i", "a", "-f"], layout.daemon_output("mon.a"))
    mon_logs = [mon_log, layout.daemon_output("mon.a")]
    try:
        admin = CephAdmin(layout, START_TIMEOUTS["ceph-mon"])
    except Exception as error:  # rados.Error and its subclasses (TimedOut, ...)
        if mon.poll() is not None:
            raise StartError(f"ceph-mon exited with status {mon.returncode} while starting", mon_logs) from None
        raise StartError(f"cannot reach ceph-mon on 127.0.0.1:{mon_port}: {error}", mon_logs) from None
    try:
        osd_uuid = str(uuid.uuid4())
        osd_id = admin.command("osd new", uuid=osd_uuid)["osdid"]
        admin.command("osd crush add", id=osd_id, weight=1.0, args=["host=localhost", "root=default"])
        osd_log = os.path.join(layout.ceph_log, f"osd.{osd_id}.log")
        run_tool(["ceph-osd", *conf, "-i", str(osd_id), "--mkfs", "--osd-uuid", osd_uuid], "ceph-osd --mkfs", osd_log)
        osd = spawn(layout, "ceph-osd", ["ceph-osd", *conf, "-i", str(osd_id), "-f"], layout.daemon_output(f"osd.{osd_id}"))
        for pool in RGW_POOLS:
            admin.command("osd pool create", pool=pool, pg_num=8)
            admin.command("osd pool application enable", pool=pool, app="rgw")

        def osd_up():
            return any(entry["osd"] == osd_id and entry["up"] for entry in admin.command("osd dump")["osds"])

        wait_until("ceph-osd", osd_up, osd, [osd_log, layout.daemon_output(f"osd.{osd_id}")], START_TIMEOUTS["ceph-osd"])
    finally:
        admin.close()
    rgw = start_rgw(layout, rgw_port)
    run_tool(["radosgw-admin", *conf, "user", "create", f"--uid={S3_USER}", f"--display-name={S3_USER}",
              f"--access-key={access_key}", f"--secret-key={secret_key}"], "radosgw-admin user create", layout.rgw_log)
    check_sigv4(f"http://127.0.0.1:{rgw_port}", access_key, secret_key)
    return {"mon": mon.pid, "osd": osd.pid, "rgw": rgw.pid}


def start_rgw(layout, rgw_port):
    rgw = spawn(layout, "radosgw", ["radosgw", "-c", layout.ceph_conf, "-n", "client.rgw", "-f"],
                layout.daemon_output("client.rgw"))

    def answers():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{rgw_port}/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer: the frontend is up
        except OSError:
            return False

    wait_until(f"radosgw on 127.0.0.1:{rgw_port}", answers, rgw, [layout.rgw_log, layout.daemon_output("client.rgw")],
               START_TIMEOUTS["radosgw"])
    return rgw


def s3_client(endpoint, access_key, secret_key):
    import boto3  # Debian's python3-boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, region_name=S3_REGION,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      connect_timeout=5, read_timeout=30))


def check_sigv4(endpoint, access_key, secret_key):
    """The user's signed ListBuckets works, and a request signed with a wrong secret gets 403."""
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + 30
    while True:  # radosgw may take a moment to see the user radosgw-admin just wrote
        try:
            s3_client(endpoint, access_key, secret_key).list_buckets()
            break
        except ClientError as error:
            if time.monotonic() > deadline:
                raise StartError(f"radosgw refuses the signed ListBuckets of user {S3_USER}: {error}") from None
            time.sleep(0.2)
    try:
        s3_client(endpoint, access_key, "wrong" + secret_key).list_buckets()
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status != 403:
            raise StartError(f"radosgw answered a badly signed request with {status}, not 403") from None
    else:
        raise StartError("radosgw accepted a request signed with a wrong secret key: SigV4 is not enforced")


# ---- PostgreSQL -----------------------------------------------------------------------------


def pg_user():
    """Popen arguments that run PostgreSQL as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return {}
    return {"user": PG_OS_USER, "group": PG_OS_USER, "extra_groups": []}


def pg_conf(layout, port):
    # A Unix socket path is limited to 107 bytes: without room for one, TCP alone is used.
    socket_dir = layout.pg_socket_dir if len(layout.pg_socket_dir) + 20 < 107 else ""
    return f"""
# Added by tests/servers/servers.py: loopback only, and durability traded for speed (test data).
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def init_pg(layout, port, admin_password):
    os.makedirs(layout.pg_socket_dir, exist_ok=True)
    as_user = pg_user()
    if as_user:
        # initdb refuses root: the data belongs to the postgres user, who must reach it.
        os.chmod(layout.dir, 0o755)
        for path in (layout.pg, layout.pg_socket_dir):
            shutil.chown(path, PG_OS_USER, PG_OS_USER)
        blocked = subprocess.run(["test", "-w", layout.pg], **as_user).returncode != 0
        if blocked:
            raise StartError(f"user {PG_OS_USER} cannot write {layout.pg}: every parent directory of "
                             f"{layout.dir} must be searchable by others (chmod o+x)")
    password_file = os.path.join(layout.pg, "superuser-password")
    write_file_atomically(password_file, admin_password + "\n", 0o600)
    if as_user:
        shutil.chown(password_file, PG_OS_USER, PG_OS_USER)
    try:
        done = subprocess.run([f"{PG_BIN}/initdb", "-D", layout.pg_data, "-U", PG_SUPERUSER, f"--pwfile={password_file}",
                               "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8", "--no-sync"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=layout.pg, timeout=60, **as_user)
    finally:
        os.remove(password_file)
    if done.returncode != 0:
        raise StartError(f"initdb failed with status {done.returncode}:\n{(done.stderr or done.stdout).strip()}")
    with open(os.path.join(layout.pg_data, "postgresql.conf"), "a", encoding="utf-8") as conf:
        conf.write(pg_conf(layout, port))


def start_pg(layout, port):
    postgres = spawn(layout, "postgres", [f"{PG_BIN}/postgres", "-D", layout.pg_data], layout.pg_log,
                     pg_user(), cwd=layout.pg)

    def accepts():
        return subprocess.run([f"{PG_BIN}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "1"],
                              stdin=subprocess.DEVNULL).returncode == 0

    wait_until(f"postgres on 127.0.0.1:{port}", accepts, postgres, layout.pg_log, START_TIMEOUTS["postgres"])
    return postgres


def psql(admin_url, *commands, log=()):
    argv = [f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin_url]
    for command in commands:
        argv += ["-c", command]
    return run_tool(argv, "psql", log, timeout=30)


def start_postgres(layout, port, admin_password, ikgen_password):
    init_pg(layout, port, admin_password)
    postgres = start_pg(layout, port)
    admin_url = f"postgresql://{PG_SUPERUSER}:{admin_password}@127.0.0.1:{port}/postgres"
    psql(admin_url, f"CREATE ROLE ikgen LOGIN PASSWORD '{ikgen_password}'", "CREATE DATABASE ikgen OWNER ikgen",
         log=layout.pg_log)
    return postgres.pid


# ---- commands -------------------------------------------------------------------------------


def clear_directory(layout):
    """Stops what an earlier start left in DIR and empties it; refuses a directory it did not make."""
    if os.path.isdir(layout.dir) and os.listdir(layout.dir):
        if not os.path.exists(layout.marker):
            raise SystemExit(f"servers.py: {layout.dir} is not empty and was not made by servers.py: "
                             "give a new or empty directory")
        leftovers = [entry for entry in read_pids(layout) if runs_from(layout, entry[1])]
        if leftovers:
            print(f"servers.py: stopping {len(leftovers)} processes an earlier run left in {layout.dir}", file=sys.stderr)
        stop_processes(layout, read_pids(layout))
        shutil.rmtree(layout.dir)
    os.makedirs(layout.dir, exist_ok=True)
    open(layout.marker, "w").close()


def command_start(layout):
    if re.search(r"\s", layout.dir):
        raise SystemExit(f"servers.py: {layout.dir}: the directory's path must not contain spaces (ceph.conf)")
    started = time.monotonic()
    clear_directory(layout)
    os.makedirs(layout.pg)
    access_key = "IKGEN" + secrets.token_hex(8).upper()[:15]
    secret_key = secrets.token_hex(20)
    admin_password = secrets.token_hex(12)
    ikgen_password = secrets.token_hex(12)
    mon_port, rgw_port, pg_port = free_port(), free_port(), free_port()
    while len({mon_port, rgw_port, pg_port}) < 3:
        rgw_port, pg_port = free_port(), free_port()

    # PostgreSQL starts alongside Ceph: most of Ceph's start is waiting on its own daemons.
    pg_outcome = {}

    def postgres_thread():
        try:
            pg_outcome["pid"] = start_postgres(layout, pg_port, admin_password, ikgen_password)
            pg_outcome["seconds"] = time.monotonic() - started
        except Exception as error:  # reported by the main thread
            pg_outcome["error"] = error

    postgres = threading.Thread(target=postgres_thread)
    postgres.start()
    try:
        pids = start_ceph(layout, mon_port, rgw_port, access_key, secret_key)
        ceph_seconds = time.monotonic() - started
    finally:
        postgres.join()
    if "error" in pg_outcome:
        raise pg_outcome["error"]
    env = {
        "IKGEN_SERVERS_DIR": layout.dir,
        "IKGEN_SERVERS_PY": os.path.abspath(__file__),
        "IKGEN_S3_ENDPOINT": f"http://127.0.0.1:{rgw_port}",
        "IKGEN_S3_ACCESS_KEY": access_key,
        "IKGEN_S3_SECRET_KEY": secret_key,
        "IKGEN_S3_REGION": S3_REGION,
        "IKGEN_RGW_LOG": layout.rgw_log,
        "IKGEN_PG_URL": f"postgresql://ikgen:{ikgen_password}@127.0.0.1:{pg_port}/ikgen",
        "IKGEN_PG_ADMIN_URL": f"postgresql://{PG_SUPERUSER}:{admin_password}@127.0.0.1:{pg_port}/postgres",
        "IKGEN_CEPH_MON_PID": str(pids["mon"]),
        "IKGEN_CEPH_OSD_PID": str(pids["osd"]),
        "IKGEN_RGW_PID": str(pids["rgw"]),
        "IKGEN_PG_PID": str(pg_outcome["pid"]),
    }
    write_file_atomically(layout.env, "".join(f"{key}={value}\n" for key, value in env.items()))
    print(f"servers.py: S3 (radosgw) at {env['IKGEN_S3_ENDPOINT']} after {ceph_seconds:.1f} s, "
          f"PostgreSQL on 127.0.0.1:{pg_port} after {pg_outcome['seconds']:.1f} s; {layout.env}")


def command_stop(layout):
    stop_processes(layout, read_pids(layout))


def command_bucket(layout, name):
    env = read_env(layout)
    client = s3_client(env["IKGEN_S3_ENDPOINT"], env["IKGEN_S3_ACCESS_KEY"], env["IKGEN_S3_SECRET_KEY"])
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.create_bucket(Bucket=name)
    except (BotoCoreError, ClientError) as error:
        raise SystemExit(f'servers.py: cannot create bucket "{name}" at {env["IKGEN_S3_ENDPOINT"]}: {error}') from None


def command_database(layout, name):
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f'servers.py: database name "{name}": use 1..63 of a-z, 0-9 and _, not starting with a digit')
    env = read_env(layout)
    psql(env["IKGEN_PG_ADMIN_URL"], f"CREATE DATABASE {name} OWNER ikgen")
    print(env["IKGEN_PG_URL"].rsplit("/", 1)[0] + "/" + name)


def port_of(url):
    return urllib.parse.urlsplit(url).port


def command_rgw_stop(layout):
    stop_processes(layout, [entry for entry in read_pids(layout) if entry[0] == "radosgw"])
    forget_pids(layout, {"radosgw"})


def command_rgw_start(layout):
    env = read_env(layout)
    if any(name == "radosgw" and runs_from(layout, pid) for name, pid in read_pids(layout)):
        return
    forget_pids(layout, {"radosgw"})
    start_rgw(layout, port_of(env["IKGEN_S3_ENDPOINT"]))


def command_pg_stop(layout):
    stop_processes(layout, [entry for entry in read_pids(layout) if entry[0] == "postgres"])
    forget_pids(layout, {"postgres"})


def command_pg_start(layout):
    env = read_env(layout)
    if any(name == "postgres" and runs_from(layout, pid) for name, pid in read_pids(layout)):
        return
    forget_pids(layout, {"postgres"})
    start_pg(layout, port_of(env["IKGEN_PG_URL"]))


# beast: 0x7f..: 127.0.0.1 - ikgen [02/Dec/2026:10:19:53.654 +0000] "GET /b1?list-type=2 HTTP/1.1" 200 231 ...
ACCESS_LINE = re.compile(rb' beast: 0x[0-9a-f]+: \S+ - \S+ \[[^\]]*\] "([A-Z]+) (\S+) HTTP/[0-9.]+" ([0-9]{3}) ')
LIST_PARAMETERS = {"list-type", "prefix", "delimiter", "marker", "continuation-token", "start-after", "max-keys",
                   "encoding-type", "fetch-owner"}


def request_kind(method, target):
    path, _, query = target.partition("?")
    parameters = {part.partition("=")[0] for part in query.split("&") if part}
    bucket_level = len([part for part in path.split("/") if part]) <= 1
    if method == "GET" and bucket_level and (not parameters or parameters & LIST_PARAMETERS):
        return "LIST"
    if method == "POST" and "delete" in parameters:
        return "DELETE"  # a multi-object delete
    return method if method in ("GET", "PUT", "HEAD", "DELETE", "POST") else "OTHER"


def log_mark(layout):
    """Sends a marker request and returns the log offset just after its access line: every request
    answered before this call is logged before that offset."""
    env = read_env(layout)
    token = secrets.token_hex(8)
    searched_from = os.path.getsize(env["IKGEN_RGW_LOG"])
    try:
        urllib.request.urlopen(f"{env['IKGEN_S3_ENDPOINT']}/{LOG_MARK_BUCKET}/{token}", timeout=10).close()
    except urllib.error.HTTPError:
        pass  # an anonymous request is refused; it is logged all the same
    needle = f"/{LOG_MARK_BUCKET}/{token} ".encode()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(env["IKGEN_RGW_LOG"], "rb") as log:
            log.seek(searched_from)
            text = log.read()
        found = text.find(needle)
        if found >= 0:
            end = text.find(b"\n", found)
            return searched_from + (len(text) if end < 0 else end + 1)
        time.sleep(0.02)
    raise SystemExit(f"servers.py: the marker request {needle.decode().strip()} never reached {env['IKGEN_RGW_LOG']}")


def command_requests(layout, start):
    end = log_mark(layout)
    counts = dict.fromkeys(["GET", "PUT", "HEAD", "DELETE", "POST", "LIST", "OTHER", "ERRORS_4XX", "ERRORS_5XX"], 0)
    with open(read_env(layout)["IKGEN_RGW_LOG"], "rb") as log:
        log.seek(start)
        text = log.read(max(0, end - start))
    for match in ACCESS_LINE.finditer(text):
        method, target, status = match.group(1).decode(), match.group(2).decode("utf-8", "replace"), int(match.group(3))
        if target.startswith(f"/{LOG_MARK_BUCKET}/"):
            continue
        counts[request_kind(method, target)] += 1
        if 400 <= status < 500:
            counts["ERRORS_4XX"] += 1
        elif status >= 500:
            counts["ERRORS_5XX"] += 1
    for kind, count in counts.items():
        print(f"{kind}={count}")
    print(f"END={end}")


def interrupted(signal_number, _frame):
    raise KeyboardInterrupt(f"signal {signal_number}")


def main(argv):
    commands = {
        "start": (command_start, 0), "stop": (command_stop, 0), "bucket": (command_bucket, 1),
        "database": (command_database, 1), "rgw-stop": (command_rgw_stop, 0), "rgw-start": (command_rgw_start, 0),
        "pg-stop": (command_pg_stop, 0), "pg-start": (command_pg_start, 0),
        "log-mark": (lambda layout: print(log_mark(layout)), 0), "requests": (lambda layout, start: command_requests(layout, int(start)), 1),
    }
    if len(argv) < 3 or argv[1] not in commands or len(argv) != 3 + commands[argv[1]][1]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    function, _ = commands[argv[1]]
    layout = Layout(argv[2])
    signal.signal(signal.SIGTERM, interrupted)  # ctest's timeout: still stop what was started
    try:
        function(layout, *argv[3:])
    except StartError as error:
        print(f"servers.py: {argv[1]} failed: {error}", file=sys.stderr)
        for log in error.logs:
            if os.path.exists(log) and os.path.getsize(log) > 0:
                print(f"---- last lines of {log} ----\n{tail(log)}", file=sys.stderr)
        if argv[1] == "start":
            print("servers.py: stopping what was started", file=sys.stderr)
            command_stop(layout)
        return 1
    except KeyboardInterrupt as interruption:
        print(f"servers.py: {argv[1]} interrupted ({interruption or 'Ctrl-C'})", file=sys.stderr)
        if argv[1] == "start":
            print("servers.py: stopping what was started", file=sys.stderr)
            command_stop(layout)
        return 130
    except Exception:
        if argv[1] == "start":
            command_stop(layout)  # failed on something unexpected: leave nothing running
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
