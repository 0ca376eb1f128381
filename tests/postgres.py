"""A real PostgreSQL for the storage tests, started in a temporary folder and stopped after them; the
tests that need it skip, saying why, where it cannot start (no server installed: apt-get install
postgresql)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class Postgres:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
        if not found:
            raise RuntimeError("no PostgreSQL server here (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="factcheck-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root: as the postgres user the package made
            if shutil.which("runuser") is None:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
            shutil.chown(self.folder, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = self.folder / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "30", "start",
                  "-o", f"-k {self.folder} -p {self.port} -c listen_addresses='' -c fsync=off")
        self.databases = 0

    def _run(self, *cmd: str) -> None:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout).strip()[:300]}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def fresh(self) -> str:
        """A new, empty database: its URL."""
        import psycopg

        self.databases += 1
        name = f"t{self.databases}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
