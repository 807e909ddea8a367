"""What the payments service does, independent of GraphQL: check the order, then record the payment once."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from federation_kit.auth import Viewer
from federation_kit.clients import DependencyUnavailable, query_service
from federation_kit.errors import BadUserInput, ErrorCode, ServiceError
from federation_kit.validation import CENT, check_amount
from federation_kit.outbox import emit
from payments.models import MAX_PAYMENTS_PER_ORDER, OrderClosure, Payment, paid_for_order, payments_of_order

_ORDER = "query OrderForPayment($id: ID!) { order(id: $id) { id status total currency user { id } } }"


def _validate(amount: Decimal, idempotency_key: str) -> None:
    check_amount(amount, "amount", "amount")
    if not 1 <= len(idempotency_key) <= 100:
        raise BadUserInput("idempotencyKey must be 1 to 100 characters", "idempotencyKey")


def _replay(idempotency_key: str, order_id: int, amount: Decimal, method: str, viewer: Viewer) -> Payment | None:
    """The payment already made for this order with this key, if any; the key reused for another
    payment of the order is an error. A payment the viewer may not see is not theirs to replay:
    the order's check then refuses them as it refuses any payment of someone else's order."""
    payment = Payment.objects.filter(order_id=order_id, idempotency_key=idempotency_key).first()
    if payment is None or not viewer.may_see(payment.user_id):
        return None
    if (payment.amount, payment.method) != (amount, method):
        raise ServiceError(
            f"This idempotencyKey was already used for another payment of order {order_id}", ErrorCode.IDEMPOTENCY_KEY_REUSED
        )
    return payment


def _fetch_order(order_id: int, request: HttpRequest) -> dict:
    """The order as its owner (or staff) sees it: the orders service refuses anyone else, and
    answers none for an order that does not exist."""
    order = query_service("orders", settings.ORDERS_SERVICE_URL, _ORDER, {"id": str(order_id)}, request)["order"]
    if order is None:
        raise ServiceError(f"Order {order_id} does not exist", ErrorCode.ORDER_NOT_FOUND)
    try:
        order["total"] = Decimal(order["total"])
        order["user_id"] = int(order["user"]["id"])
    except (InvalidOperation, TypeError, KeyError, ValueError):
        raise DependencyUnavailable("orders") from None
    return order


def _lock_order(order_id: int) -> None:
    """Serialize payments of one order so that two of them cannot both fit in what is due.

    SQLite already runs one writing transaction at a time (BEGIN IMMEDIATE);
    PostgreSQL takes a transaction-scoped advisory lock keyed by the order id.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [order_id])


def pay_order(order_id: int, amount: Decimal, method: str, idempotency_key: str, request: HttpRequest) -> Payment:
    """Pays (part of) an order as the caller of ``request``; the same idempotency key pays once."""
    viewer = request.viewer
    _validate(amount, idempotency_key)
    amount = amount.quantize(CENT)  # "5" is answered "5.00", as the database keeps it and reads answer it
    if (payment := _replay(idempotency_key, order_id, amount, method, viewer)) is not None:
        return payment
    order = _fetch_order(order_id, request)
    if order["status"] == "CANCELLED":
        raise ServiceError(f"Order {order_id} is cancelled", ErrorCode.ORDER_NOT_PAYABLE)
    with transaction.atomic():
        _lock_order(order_id)
        if (payment := _replay(idempotency_key, order_id, amount, method, viewer)) is not None:
            return payment
        if OrderClosure.objects.filter(order_id=order_id).exists():
            raise ServiceError(f"Order {order_id} is being cancelled", ErrorCode.ORDER_NOT_PAYABLE)
        count, paid = payments_of_order(order_id)
        if count >= MAX_PAYMENTS_PER_ORDER:
            raise ServiceError(
                f"Order {order_id} has {count} payments, the most an order takes ({MAX_PAYMENTS_PER_ORDER})",
                ErrorCode.ORDER_NOT_PAYABLE,
            )
        due = order["total"] - paid
        if amount > due:
            raise ServiceError(
                f"amount {amount} exceeds what is due on order {order_id}: {due} {order['currency']}",
                ErrorCode.AMOUNT_EXCEEDS_DUE,
                amountDue=str(due),
            )
        payment = Payment.objects.create(
            order_id=order_id,
            user_id=order["user_id"],
            amount=amount,
            currency=order["currency"],
            method=method,
            idempotency_key=idempotency_key,
        )
        if amount == due:  # what was left to pay: the order is now paid in full
            emit("payments.order_paid", {"order_id": order_id, "payment_id": payment.pk, "total": str(order["total"])})
        return payment


def close_for_payments(order_id: int, request: HttpRequest) -> None:
    """Called by the orders service before it cancels an order: from now on the order takes
    no payment, and an order already paid (in part) cannot be cancelled.

    By the order's owner or staff, as a payment is: the orders service is asked first, as the
    caller of ``request``; it also refuses an order that does not exist, whose closure would
    make an order created later with that id unpayable.

    Under the same per-order lock as pay_order, so a cancel and a payment racing each other
    end with one of them refused, never with a payment on a cancelled order.

    The first close emits payments.order_closed: the orders service cancels the order from it
    even when this call's answer never reached it (a timeout), so a closed order cannot stay
    placed and unpayable. Closing again emits nothing.
    """
    _fetch_order(order_id, request)
    with transaction.atomic():
        _lock_order(order_id)
        if paid_for_order(order_id) > 0:
            raise ServiceError(
                f"Order {order_id} has payments: refund them before cancelling", ErrorCode.ORDER_NOT_CANCELLABLE
            )
        _, closed_now = OrderClosure.objects.get_or_create(order_id=order_id)
        if closed_now:
            emit("payments.order_closed", {"order_id": order_id})


def refund_payment(payment_id: int) -> Payment:
    """Records that a completed payment was refunded; its order is no longer paid in full.

    Refunding it again changes nothing. Under the order's lock, like the payments themselves.
    """
    order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise Payment.DoesNotExist(f"Payment {payment_id} does not exist")
    with transaction.atomic():
        _lock_order(order_id)
        payment = Payment.objects.get(pk=payment_id)
        if payment.status == Payment.Status.REFUNDED:
            return payment
        payment.status = Payment.Status.REFUNDED
        payment.save(update_fields=["status"])
        emit("payments.order_refunded", {"order_id": order_id, "payment_id": payment.pk, "amount": str(payment.amount)})
    return payment
