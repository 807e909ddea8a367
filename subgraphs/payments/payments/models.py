from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from federation_kit.loading import LoadedTogetherQuerySet


class Payment(models.Model):
    """Money received for an order of the orders service, known here by ``order_id`` only."""

    class Status(models.TextChoices):
        COMPLETED = "COMPLETED"
        REFUNDED = "REFUNDED"

    class Method(models.TextChoices):
        CARD = "CARD"
        BANK_TRANSFER = "BANK_TRANSFER"
        WALLET = "WALLET"

    order_id = models.PositiveBigIntegerField(help_text="id of the Order in the orders service")
    user_id = models.PositiveBigIntegerField(help_text="id of the order's owner in the users service, who may see it")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, the order's currency")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    method = models.CharField(max_length=16, choices=Method.choices)
    idempotency_key = models.CharField(
        max_length=100, help_text="chosen by the client; the same key never pays the same order twice"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LoadedTogetherQuerySet.as_manager()  # Payment.order of rows loaded together: one batch

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["order_id", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
            # Per order, not global: one customer's key cannot collide with, or reveal, another's.
            models.UniqueConstraint(fields=["order_id", "idempotency_key"], name="payments_payment_order_idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for order {self.order_id} ({self.status})"


class OrderClosure(models.Model):
    """An order the orders service is cancelling: no payment is accepted for it any more."""

    order_id = models.PositiveBigIntegerField(unique=True)
    closed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"order {self.order_id} closed for payments"


class PaymentStatus(models.TextChoices):
    """Where an order stands, from its payments and its total."""

    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    REFUNDED = "REFUNDED"


def amount_paid(payments: list[Payment]) -> Decimal:
    return sum((p.amount for p in payments if p.status == Payment.Status.COMPLETED), Decimal("0.00"))


def payment_status(payments: list[Payment], total: Decimal) -> PaymentStatus:
    paid = amount_paid(payments)
    if paid == 0:
        refunded = any(p.status == Payment.Status.REFUNDED for p in payments)
        return PaymentStatus.REFUNDED if refunded else PaymentStatus.UNPAID
    return PaymentStatus.PAID if paid >= total else PaymentStatus.PARTIALLY_PAID


# The most payments an order takes, refunded ones included (twelve monthly instalments fit): what
# Order.payments tells the router's cost estimate it lists at most.
MAX_PAYMENTS_PER_ORDER = 20


def payments_of_order(order_id: int) -> tuple[int, Decimal]:
    """How many payments an order has, refunded ones included, and what its completed ones add up to."""
    # Added up here, not by SQL's SUM: SQLite sums decimals as floats (0.10 three times was 0.30 less
    # 0E-15, and large amounts can lose cents); an order has a few payments.
    rows = list(Payment.objects.filter(order_id=order_id).values_list("amount", "status"))
    return len(rows), sum((amount for amount, status in rows if status == Payment.Status.COMPLETED), Decimal("0.00"))


def paid_for_order(order_id: int) -> Decimal:
    return payments_of_order(order_id)[1]
