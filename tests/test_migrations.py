"""A migration is never edited once committed: a database it has run on keeps what it did and
never runs it again, so an edit reaches new databases only (0007's renamed column broke every
login of a database migrated before it). Write a new migration instead.

Static (git history only); `make test-e2e` runs it with the rest of tests/.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Edits made before this check, each mended or harmless; a new entry needs a migration that mends it.
EDITED_BEFORE_THIS_CHECK = {
    "subgraphs/payments/payments/migrations/0001_initial.py": "4e3ebf6",  # user_id, before any deployment
    "subgraphs/users/accounts/migrations/0006_emails_as_stored.py": "9bdc4ad",  # its data step only
    "subgraphs/users/accounts/migrations/0007_failed_logins.py": "f088962",  # mended by 0008
}


def git(*args: str) -> list[str]:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()


def test_no_committed_migration_was_edited():
    migrations = [path for path in git("ls-files", "subgraphs") if "/migrations/0" in path and path.endswith(".py")]
    assert len(migrations) >= 10, migrations  # the pattern still finds them
    edited = {path: " ".join(git("log", "--diff-filter=M", "--format=%h", "--", path)) for path in migrations}
    edits = {path: commits for path, commits in edited.items() if commits and commits != EDITED_BEFORE_THIS_CHECK.get(path)}
    assert not edits, f"committed migrations edited (path: commits); write a new migration instead: {edits}"
