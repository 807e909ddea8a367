from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from federation_kit.demo import DEMO_PASSWORD, DEMO_USERS, chunks, demo_user, reset_sequences


class Command(BaseCommand):
    help = "Load the deterministic demo users (ids 1..N, password in federation_kit.demo) unless users exist."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=DEMO_USERS)

    def handle(self, *args, users: int, **options):
        if User.objects.exists():
            self.stdout.write("users: demo data already present, left as it is")
            return
        password = make_password(DEMO_PASSWORD)  # hashed once: the same for every demo user
        with transaction.atomic():
            for ids in chunks(users, 1000, "users"):
                User.objects.bulk_create(
                    User(
                        id=u.id,
                        username=u.username,
                        email=u.email,
                        full_name=u.full_name,
                        is_staff=u.is_staff,
                        password=password,
                    )
                    for u in map(demo_user, ids)
                )
            reset_sequences([User])
        self.stdout.write(f"users: {users} demo users created")
