"""A throwaway PostgreSQL cluster: Debian's server, run as an unprivileged user, on a free port.

Used by the end-to-end tests (E2E_DB=postgres) and by `make dev DB=postgres`. Each service
gets a database of its own in it, never a shared one. Installs Debian's ``postgresql``
when no server is found (CI machines start without it).
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"  # created by Debian's package; the server refuses to run as root
SUPERUSER = "supergraph"


def server_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent


class PostgresCluster:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = server_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="supergraph-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def _run_as_server_user(self, *command: str) -> None:
        user = pwd.getpwnam(SERVER_USER)
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            cwd=self.root,
            user=user.pw_uid if os.geteuid() == 0 else None,
            group=user.pw_gid if os.geteuid() == 0 else None,
            extra_groups=[] if os.geteuid() == 0 else None,
        )

    def start(self) -> "PostgresCluster":
        if os.geteuid() == 0:
            shutil.chown(self.root, SERVER_USER, SERVER_USER)
        self._run_as_server_user(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run_as_server_user(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def create_database(self, name: str) -> str:
        """A new database and the DATABASE_URL that reaches it."""
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name],
            check=True,
            capture_output=True,
        )
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run_as_server_user(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
