"""What the orders service does, independent of GraphQL: validate, check the user, write (once per idempotency key)."""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from federation_kit.auth import check_may_see
from federation_kit.clients import CALLER_REFUSALS, DependencyUnavailable, query_service
from federation_kit.errors import BadUserInput, ErrorCode, ServiceError
from federation_kit.validation import CENT, check_amount, check_readable
from orders.models import Order, OrderItem

SUPPORTED_CURRENCIES = frozenset({"EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN"})
MAX_ITEMS = 100
MAX_QUANTITY = 10_000
MAX_UNIT_PRICE = Decimal("1000000000.00")
# The most Order.total can hold: items within their limits can add up to more (100 x 10,000 x 10^9).
_TOTAL_FIELD = Order._meta.get_field("total")
MAX_TOTAL = Decimal(10) ** (_TOTAL_FIELD.max_digits - _TOTAL_FIELD.decimal_places) - CENT

_USER_EXISTS = "query UserExists($id: ID!) { user(id: $id) { id } }"
_CLOSE_FOR_PAYMENTS = "mutation CloseForPayments($id: ID!) { closeOrderForPayments(orderId: $id) }"
# Not "nothing was written": payments may have closed the order without our hearing it.
_CANCEL_OUTCOME_UNKNOWN = (
    "The payments service did not answer; the order may still be cancelled in a moment: cancel it again to be sure"
)


def _validate(currency: str, items: list, idempotency_key: str | None) -> Decimal:
    """The order's total, once every input is known good."""
    if currency not in SUPPORTED_CURRENCIES:
        raise BadUserInput(f"currency must be one of {', '.join(sorted(SUPPORTED_CURRENCIES))}", "currency")
    if not 1 <= len(items) <= MAX_ITEMS:
        raise BadUserInput(f"an order has 1 to {MAX_ITEMS} items", "items")
    for n, item in enumerate(items):
        where = f"items[{n}]"
        if not 1 <= len(item.sku.strip()) <= 64:
            raise BadUserInput("sku must be 1 to 64 characters", f"{where}.sku")
        check_readable(item.sku, f"{where}.sku", "sku")
        if not 1 <= len(item.name.strip()) <= 200:
            raise BadUserInput("name must be 1 to 200 characters", f"{where}.name")
        check_readable(item.name, f"{where}.name", "name")
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise BadUserInput(f"quantity must be between 1 and {MAX_QUANTITY}", f"{where}.quantity")
        check_amount(item.unit_price, f"{where}.unitPrice", "unitPrice", maximum=MAX_UNIT_PRICE)
    # In cents, as stored and read back: "1.50000" x 2 is answered "3.00", not "3.00000".
    total = sum((item.unit_price * item.quantity for item in items), Decimal("0.00")).quantize(CENT)
    if total > MAX_TOTAL:
        raise BadUserInput(f"the order's total must be at most {MAX_TOTAL}", "items")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 100:
        raise BadUserInput("idempotencyKey must be 1 to 100 characters", "idempotencyKey")
    return total


def _ensure_user_exists(user_id: int, request: HttpRequest) -> None:
    data = query_service("users", settings.USERS_SERVICE_URL, _USER_EXISTS, {"id": str(user_id)}, request)
    if data.get("user") is None:
        raise ServiceError(f"User {user_id} does not exist", ErrorCode.USER_NOT_FOUND)


def _replay(user_id: int, idempotency_key: str | None, currency: str, lines: list[tuple]) -> Order | None:
    """The order this user already placed with this key, if any; the key reused for a different
    order (another currency or other items) is an error."""
    if idempotency_key is None:
        return None
    order = Order.objects.filter(user_id=user_id, idempotency_key=idempotency_key).prefetch_related("items").first()
    if order is not None and (order.currency, _lines(order.items.all())) != (currency, lines):
        raise ServiceError("This idempotencyKey was already used for a different order", ErrorCode.IDEMPOTENCY_KEY_REUSED)
    return order


def _lines(items) -> list[tuple]:
    """The items (input or stored) as comparable (sku, name, quantity, unit price) rows."""
    return [(i.sku.strip(), i.name.strip(), i.quantity, i.unit_price) for i in items]


def create_order(user_id: int, currency: str, items: list, idempotency_key: str | None, request: HttpRequest) -> Order:
    """For the caller of ``request`` themselves (staff: anyone). Validates, checks the user with the
    users service (as that caller), then writes the order and its items at once; the same
    idempotency key for the same user orders once."""
    if not request.viewer.may_see(user_id):
        raise ServiceError(f"Only staff may order for another user: userId must be yours ({request.viewer.user_id})", ErrorCode.FORBIDDEN)
    currency = currency.strip().upper()
    total = _validate(currency, items, idempotency_key)
    lines = _lines(items)
    if (order := _replay(user_id, idempotency_key, currency, lines)) is not None:
        return order
    _ensure_user_exists(user_id, request)
    try:
        with transaction.atomic():
            if (order := _replay(user_id, idempotency_key, currency, lines)) is not None:
                return order
            order = Order.objects.create(
                user_id=user_id,
                currency=currency,
                total=total,
                idempotency_key=idempotency_key,
            )
            OrderItem.objects.bulk_create(
                OrderItem(order=order, sku=sku, name=name, quantity=quantity, unit_price=unit_price)
                for sku, name, quantity, unit_price in lines
            )
            return order
    except IntegrityError:
        # The same key committed by a concurrent request between our check and insert.
        if (order := _replay(user_id, idempotency_key, currency, lines)) is not None:
            return order
        raise


def cancel_order(order_id: int, request: HttpRequest) -> Order:
    """Cancels a placed order of the caller's (any, for staff); cancelling it again changes nothing.

    The payments service first closes the order for payments (and refuses when it is paid),
    so a payment racing the cancel is either refused or makes the cancel fail, never both through.
    When its answer is lost the close may have committed all the same: its payments.order_closed
    event then cancels the order (orders.tasks), and cancelling again is safe.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise ServiceError(f"Order {order_id} does not exist", ErrorCode.ORDER_NOT_FOUND)
    check_may_see(request.viewer, order.user_id, f"Order {order_id}")
    if order.status == Order.Status.CANCELLED:
        return order
    try:
        query_service(
            "payments",
            settings.PAYMENTS_SERVICE_URL,
            _CLOSE_FOR_PAYMENTS,
            {"id": str(order_id)},
            request,
            passed_on=CALLER_REFUSALS | {ErrorCode.ORDER_NOT_CANCELLABLE},
        )
    except DependencyUnavailable:
        raise DependencyUnavailable("payments", _CANCEL_OUTCOME_UNKNOWN) from None
    Order.objects.filter(pk=order_id).update(status=Order.Status.CANCELLED)
    order.status = Order.Status.CANCELLED
    return order
