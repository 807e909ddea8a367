"""Events other services send the orders service (federation_kit.outbox), run by its Celery worker."""

from federation_kit.outbox import consumer
from orders.models import Order

FOLLOWS_PAYMENTS = [Order.Status.PLACED, Order.Status.PAID]  # a cancelled order stays cancelled


def _follow_payments(order_id: int, sequence: int, status: Order.Status) -> None:
    # An older event of the payments service arriving after a newer one (it was retried) changes nothing.
    Order.objects.filter(pk=order_id, status__in=FOLLOWS_PAYMENTS, payments_sequence__lt=sequence).update(
        status=status, payments_sequence=sequence
    )


@consumer("payments.order_paid")
def order_paid(payload: dict, event: dict) -> None:
    _follow_payments(payload["order_id"], event["sequence"], Order.Status.PAID)


@consumer("payments.order_refunded")
def order_refunded(payload: dict, event: dict) -> None:
    _follow_payments(payload["order_id"], event["sequence"], Order.Status.PLACED)


@consumer("payments.order_closed")
def order_closed(payload: dict, event: dict) -> None:
    # Payments closed the order for a cancel (cancel_order), whose answer may never have come back.
    # Closing refuses an order with payments and a closed order takes none, so every order_paid or
    # order_refunded of this order is older than this event and none comes after: no sequence check,
    # a late older one finds the order cancelled and changes nothing, as cancellation is terminal.
    Order.objects.filter(pk=payload["order_id"], status__in=FOLLOWS_PAYMENTS).update(
        status=Order.Status.CANCELLED, payments_sequence=event["sequence"]
    )
