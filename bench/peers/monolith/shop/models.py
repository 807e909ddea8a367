"""The product's User, Order, OrderItem and Payment, with real foreign keys between them."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField()

    class Meta:
        ordering = ["id"]


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "PLACED"
        CANCELLED = "CANCELLED"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "id"]), models.Index(fields=["status", "id"])]


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]


class Payment(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "COMPLETED"
        REFUNDED = "REFUNDED"

    class Method(models.TextChoices):
        CARD = "CARD"
        BANK_TRANSFER = "BANK_TRANSFER"
        WALLET = "WALLET"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    method = models.CharField(max_length=16, choices=Method.choices)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["order", "id"])]


class PaymentStatus(models.TextChoices):
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    REFUNDED = "REFUNDED"


def payment_status(statuses_and_amounts: list[tuple[str, Decimal]], total: Decimal) -> PaymentStatus:
    """The rule of the product's payments service, over (status, amount) pairs."""
    paid = sum((amount for status, amount in statuses_and_amounts if status == Payment.Status.COMPLETED), Decimal("0.00"))
    if paid == 0:
        refunded = any(status == Payment.Status.REFUNDED for status, _ in statuses_and_amounts)
        return PaymentStatus.REFUNDED if refunded else PaymentStatus.UNPAID
    return PaymentStatus.PAID if paid >= total else PaymentStatus.PARTIALLY_PAID
