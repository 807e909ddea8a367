from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from federation_kit.demo import DEMO_ORDERS, DEMO_PASSWORD, DEMO_USERS, chunks, demo_order, demo_payments, demo_user
from shop.models import Order, OrderItem, Payment, User


class Command(BaseCommand):
    help = "Load the services' deterministic demo data (federation_kit.demo) into the one database."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=DEMO_ORDERS)
        parser.add_argument("--users", type=int, default=DEMO_USERS)

    def handle(self, *args, orders: int, users: int, **options):
        password = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            for ids in chunks(users, 1000, "users"):
                User.objects.bulk_create(
                    User(id=u.id, username=u.username, email=u.email, full_name=u.full_name, is_staff=u.is_staff, password=password)
                    for u in map(demo_user, ids)
                )
            for ids in chunks(orders, 2000, "orders"):
                demo = [demo_order(i, users) for i in ids]
                Order.objects.bulk_create(
                    Order(
                        id=o.id,
                        user_id=o.user_id,
                        currency=o.currency,
                        total=o.total,
                        status=Order.Status.CANCELLED if o.cancelled else Order.Status.PLACED,
                    )
                    for o in demo
                )
                OrderItem.objects.bulk_create(
                    OrderItem(order_id=o.id, sku=i.sku, name=i.name, quantity=i.quantity, unit_price=i.unit_price)
                    for o in demo
                    for i in o.items
                )
                Payment.objects.bulk_create(
                    Payment(
                        order_id=p.order_id,
                        amount=p.amount,
                        currency=p.currency,
                        method=p.method,
                        status=Payment.Status.REFUNDED if p.refunded else Payment.Status.COMPLETED,
                        idempotency_key=p.idempotency_key,
                    )
                    for o in demo
                    for p in demo_payments(o)
                )
        self.stdout.write(f"monolith: {users} users, {orders} orders and their payments created")
