"""Throwaway PostgreSQL and Redis servers for the test run (real servers, never mocks).

Used by conftest.py when TAKT_TEST_DATABASE_URL / TAKT_TEST_REDIS_URL are not set. initdb and
pg_ctl refuse to run as root, so as root they run as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


class ServerError(RuntimeError):
    """A test server could not be started; the message says why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise ServerError(
            "PostgreSQL is not installed (no initdb found): run packaging/dev/setup.sh "
            "or set TAKT_TEST_DATABASE_URL"
        )
    return Path(found[-1]).parent


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    quoted = " ".join(_shell_quote(c) for c in cmd)
    return ["su", "postgres", "-s", "/bin/bash", "-c", quoted]


def _shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\"'\"'") + "'"


@dataclass
class PostgresServer:
    root: Path
    port: int
    bindir: Path
    running: bool = field(default=False)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if not self.running:
            return
        subprocess.run(
            _as_server_user(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ]
            ),
            capture_output=True,
            check=False,
        )
        self.running = False
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    bindir = _pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="takt-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, OSError) as exc:
            raise ServerError(f"cannot hand {root} to the postgres user: {exc}") from exc
    root.chmod(0o700)
    port = free_port()
    init = subprocess.run(
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise ServerError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    opts = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = subprocess.run(
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(root / "data"),
                "-l",
                str(root / "log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise ServerError(f"PostgreSQL did not start: {start.stderr.strip()} {log[-500:]}")
    return PostgresServer(root=root, port=port, bindir=bindir, running=True)


@dataclass
class RedisServer:
    root: Path
    port: int
    binary: str
    running: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _start(self) -> None:
        proc = subprocess.run(
            [
                self.binary,
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--pidfile",
                str(self.root / "redis.pid"),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise ServerError(f"redis-server did not start: {proc.stderr.strip()}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        self.running = True
                        return
            except OSError:
                time.sleep(0.05)
        raise ServerError(f"redis-server on port {self.port} did not answer within 10 s")

    def stop(self) -> None:
        if not self.running:
            return
        pidfile = self.root / "redis.pid"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"SHUTDOWN NOSAVE\r\n")
                s.settimeout(1)
                try:
                    s.recv(16)
                except OSError:
                    pass
        except OSError:
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1):
                    time.sleep(0.05)
            except OSError:
                break
        if pidfile.exists():
            try:
                pid = int(pidfile.read_text().strip())
                os.kill(pid, 9)
            except (ValueError, OSError):
                pass
        self.running = False

    def restart(self) -> None:
        """Stop and start again on the same port: every stream and key is gone (--save "")."""
        self.stop()
        self._start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_redis(port: int | None = None) -> RedisServer:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ServerError(
            "redis-server is not installed: run packaging/dev/setup.sh or set TAKT_TEST_REDIS_URL"
        )
    root = Path(tempfile.mkdtemp(prefix="takt-redis-", dir="/tmp"))
    server = RedisServer(root=root, port=port or free_port(), binary=binary)
    server._start()
    return server
