"""The real stack for the browser tests: services and router on free ports, fresh databases.

Started by browser.test.mjs as ``python stack_for_browser.py``. Picks the app's port as it
picks the others (scripts/stack.py's free_port) and lets the router allow the app's origin.
Prints the URLs (the app's among them) as one JSON line on stdout once everything is ready (all
other output goes to stderr), then runs the tests' commands, a line each on its standard input
("stop orders", "restart orders"), answering "done" on stdout when each is, until its standard
input closes, which also happens when the test runner dies, or until SIGTERM: either way it
stops the stack, so that no process outlives the tests.
"""

import json
import os
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stack import SERVICES, Stack, free_port  # noqa: E402


def run_commands(stack: Stack, report) -> None:
    os.set_blocking(sys.stdin.fileno(), True)  # an inherited non-blocking fd would end the wait at once
    actions = {"stop": stack.stop_process, "restart": stack.restart_process}
    for line in sys.stdin:
        action, name = line.split()
        actions[action](name)
        print("done", file=report, flush=True)


def main() -> None:
    app_url = f"http://127.0.0.1:{free_port()}"
    # stdout carries the JSON line and the answers to commands only: what the stack's processes
    # print goes to stderr.
    report = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory(prefix="frontend-stack-") as tmp:
        stack = Stack(
            ports={name: free_port() for name in ("router", *SERVICES)},
            data_dir=Path(tmp),
            log_dir=Path(tmp),
            demo_users=20,
            demo_orders=60,
            # As `make dev`: each subgraph's own GraphiQL, whose requests the router does not sign.
            # Tokens last a minute, the least the users service allows: a test sees one expire.
            extra_env={"GRAPHIQL": "1", "ALLOW_UNSIGNED_REQUESTS": "1", "JWT_LIFETIME_SECONDS": "60"},
            cors_origins=[app_url],
        )
        stack.start()
        try:
            urls = {name: stack.url(name) for name in ("router", *SERVICES)}
            print(json.dumps({**urls, "app": app_url}), file=report, flush=True)
            run_commands(stack, report)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
