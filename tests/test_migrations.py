"""A migration is never edited once committed: a database it has run on keeps what it did and
never runs it again, so an edit reaches new databases only (0007's renamed column broke every
login of a database migrated before it). Write a new migration instead.

Static (git history only); `make test-e2e` runs it with the rest of tests/.
"""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Edits made before this check, or before their migration left this repository, each mended or
# harmless: path -> the full hashes of the commits that edited it.
EDITED_BEFORE_THIS_CHECK = {
    # user_id, before any deployment
    "subgraphs/payments/payments/migrations/0001_initial.py": {"4e3ebf6e1d8851cc24b2828e83ca4c223d624a24"},
    # its data step only
    "subgraphs/users/accounts/migrations/0006_emails_as_stored.py": {"9bdc4adbe68126a940124ed14d2be3953e134f2d"},
    # mended by 0008
    "subgraphs/users/accounts/migrations/0007_failed_logins.py": {"f08896202e32fa6f355758c109bc8f428985f6d0"},
    # its index built CONCURRENTLY, in the session that wrote it, before it was pushed
    "subgraphs/payments/payments/migrations/0003_idempotency_key_per_order.py": {"5a834c5a4c8264255d232d3834799e0f6e79d483"},
}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def test_no_committed_migration_was_edited():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: there is no history to read")
    if git("rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("a shallow clone: the commits that edited a migration may not be here")
    migrations = [path for path in git("ls-files", "subgraphs").split() if "/migrations/0" in path and path.endswith(".py")]
    assert len(migrations) >= 10, migrations  # the pattern still finds them
    edits = {}
    for path in migrations:
        commits = set(git("log", "--diff-filter=M", "--format=%H", "--", path).split())
        if unexplained := commits - EDITED_BEFORE_THIS_CHECK.get(path, set()):
            edits[path] = sorted(commit[:12] for commit in unexplained)
    assert not edits, f"committed migrations edited (path: commits); write a new migration instead: {edits}"
