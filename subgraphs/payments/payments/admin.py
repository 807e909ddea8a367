from django.contrib import admin

from federation_kit.admin import ReadOnlyAdmin
from payments.models import OrderClosure, Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("id", "order_id", "amount", "currency", "status", "method", "created_at")
    list_filter = ("status", "method", "currency")
    search_fields = ("=id", "=order_id", "idempotency_key")


@admin.register(OrderClosure)
class OrderClosureAdmin(ReadOnlyAdmin):
    """Orders closed for payments by a cancel: to see why a payment was refused. Read-only, as a
    closure is undone by nothing (the orders service cancels the order from its event)."""

    list_display = ("order_id", "closed_at")
    search_fields = ("=order_id",)
    date_hierarchy = "closed_at"
