from django.core.management.base import BaseCommand, CommandError

from payments.models import Payment
from payments.services import refund_payment


class Command(BaseCommand):
    help = "Record that a payment was refunded (the money went back): its order is no longer paid in full."

    def add_arguments(self, parser):
        parser.add_argument("payment_ids", nargs="+", type=int)

    def handle(self, *args, payment_ids: list[int], **options):
        for payment_id in payment_ids:
            try:
                payment = refund_payment(payment_id)
            except Payment.DoesNotExist as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"payment {payment.pk} of order {payment.order_id}: {payment.status}")
