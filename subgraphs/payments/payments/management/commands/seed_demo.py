from django.core.management.base import BaseCommand
from django.db import transaction

from federation_kit.demo import DEMO_ORDERS, DEMO_USERS, chunks, demo_order, demo_payments, reset_sequences
from payments.models import Payment


class Command(BaseCommand):
    help = "Load the payments of the deterministic demo orders 1..N unless payments exist."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=DEMO_ORDERS)
        parser.add_argument("--users", type=int, default=DEMO_USERS)

    def handle(self, *args, orders: int, users: int, **options):
        if Payment.objects.exists():
            self.stdout.write("payments: demo data already present, left as it is")
            return
        created = 0
        with transaction.atomic():
            for ids in chunks(orders, 2000, "payments"):
                payments = [
                    Payment(
                        order_id=p.order_id,
                        user_id=order.user_id,
                        amount=p.amount,
                        currency=p.currency,
                        method=p.method,
                        status=Payment.Status.REFUNDED if p.refunded else Payment.Status.COMPLETED,
                        idempotency_key=p.idempotency_key,
                    )
                    for order in (demo_order(i, users) for i in ids)
                    for p in demo_payments(order)
                ]
                Payment.objects.bulk_create(payments)
                created += len(payments)
            reset_sequences([Payment])
        self.stdout.write(f"payments: {created} demo payments for {orders} orders created")
