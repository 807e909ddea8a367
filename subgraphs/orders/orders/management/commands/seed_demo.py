from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from federation_kit.demo import DEMO_ORDERS, DEMO_USERS, chunks, demo_order, demo_payments, reset_sequences
from orders.models import Order, OrderItem


def _status(order) -> Order.Status:
    """What the payments service's events would have made of the order's demo payments."""
    if order.cancelled:
        return Order.Status.CANCELLED
    paid = sum((p.amount for p in demo_payments(order) if not p.refunded), Decimal(0))
    return Order.Status.PAID if paid >= order.total else Order.Status.PLACED


class Command(BaseCommand):
    help = "Load the deterministic demo orders (ids 1..N, for users 1..U) unless orders exist."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=DEMO_ORDERS)
        parser.add_argument("--users", type=int, default=DEMO_USERS)

    def handle(self, *args, orders: int, users: int, **options):
        if Order.objects.exists():
            self.stdout.write("orders: demo data already present, left as it is")
            return
        with transaction.atomic():
            for ids in chunks(orders, 2000, "orders"):
                demo = [demo_order(i, users) for i in ids]
                Order.objects.bulk_create(
                    Order(
                        id=o.id,
                        user_id=o.user_id,
                        currency=o.currency,
                        total=o.total,
                        status=_status(o),
                    )
                    for o in demo
                )
                OrderItem.objects.bulk_create(
                    OrderItem(order_id=o.id, sku=i.sku, name=i.name, quantity=i.quantity, unit_price=i.unit_price)
                    for o in demo
                    for i in o.items
                )
            reset_sequences([Order, OrderItem])
        self.stdout.write(f"orders: {orders} demo orders created")
