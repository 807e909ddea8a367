"""A service whose database cannot be reached answers so, before anything runs (federation_kit.views):
a retryable DEPENDENCY_UNAVAILABLE naming the service, not INTERNAL_SERVER_ERROR, which says a bug."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[2]

# Run by the service's own manage.py, on a DATABASE_URL nothing listens at: the test suite's
# database is set up before any test runs and cannot be taken away from it.
ASK = """
import json
from django.test import Client
response = Client(SERVER_NAME="127.0.0.1").post("/graphql", {"query": "{ user(id: 1) { username } }"}, content_type="application/json")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_a_database_that_refuses_connections_is_dependency_unavailable():
    with socket.socket() as closed:  # a port just freed: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://users:secret@127.0.0.1:{port}/users",
        "ALLOW_UNSIGNED_REQUESTS": "1",
        "DJANGO_ENV": "development",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ASK], cwd=SERVICE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "status": 200,
        "body": {
            "data": None,
            "errors": [
                {
                    "message": "The users service cannot reach its database: nothing was done, retry later",
                    "extensions": {"code": "DEPENDENCY_UNAVAILABLE", "serviceName": "users"},
                }
            ],
        },
    }
    [logged] = [line for line in result.stderr.splitlines() if "the database does not answer" in line]
    assert "Connection refused" in logged and "secret" not in logged and "Traceback" not in logged
