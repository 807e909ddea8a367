from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.tokens import new_key_file


class Command(BaseCommand):
    help = "Add a new token signing key to JWT_KEYS_DIR (it signs from the next start on; older keys still verify)."
    # Adding a key is one way out of what the checks refuse (several keys and none named by the time).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="only when the folder has no key yet")

    def handle(self, *args, if_missing: bool, **options):
        folder = Path(settings.JWT_KEYS_DIR)
        if if_missing and any(folder.glob("*.pem")):
            return
        self.stdout.write(f"new signing key: {new_key_file(folder)}")
