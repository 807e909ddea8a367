from django.db import models
from django.db.models import Q
from django.utils import timezone

from federation_kit.loading import LoadedTogetherQuerySet


class Order(models.Model):
    """An order placed by a user of the users service, known here by ``user_id`` only."""

    class Status(models.TextChoices):
        PLACED = "PLACED"
        PAID = "PAID"  # set by the payments service's events (orders.tasks), and back to PLACED on a refund
        CANCELLED = "CANCELLED"

    user_id = models.PositiveBigIntegerField(help_text="id of the User in the users service")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code")
    total = models.DecimalField(max_digits=14, decimal_places=2, help_text="sum of the items, in currency")
    created_at = models.DateTimeField(default=timezone.now)
    payments_sequence = models.PositiveBigIntegerField(
        default=0, help_text="sequence of the last payments event applied to status (older ones are ignored)"
    )
    idempotency_key = models.CharField(
        max_length=100, null=True, blank=True, help_text="chosen by the client; the same key never orders twice for one user"
    )

    objects = LoadedTogetherQuerySet.as_manager()  # Order.user of rows loaded together: one batch

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user_id", "id"]), models.Index(fields=["status", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="orders_order_total_not_negative"),
            # Scoped to the customer: another customer's identical key is another order.
            models.UniqueConstraint(
                fields=["user_id", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="orders_order_user_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="orders_item_unit_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"
