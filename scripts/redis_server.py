"""A throwaway Redis, the broker of the services' events: Debian's server on a free port.

scripts/stack.py runs it as its process "redis" (so it stops and restarts like the others) for the
end-to-end tests and `make dev`. Like compose.yaml's, it keeps an append-only file, so messages
published but not yet consumed survive a restart; the file lives in a temporary directory that
:meth:`RedisServer.cleanup` removes with the stack. Installs Debian's ``redis-server`` when it is
missing (CI machines start without it).
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def server_binary() -> str:
    found = shutil.which("redis-server")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=True, env=env)
        found = shutil.which("redis-server") or "/usr/bin/redis-server"
    return found


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.binary = server_binary()
        self.dir = Path(tempfile.mkdtemp(prefix="supergraph-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        """In the foreground, logging to stdout, persisting to an append-only file (no snapshots)."""
        return [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
            "--save", "", "--appendonly", "yes", "--daemonize", "no", "--logfile", "",
        ]  # fmt: skip

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
