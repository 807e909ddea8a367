from django.contrib import admin

from payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("id", "order_id", "amount", "currency", "status", "method", "created_at")
    list_filter = ("status", "method", "currency")
    search_fields = ("=id", "=order_id", "idempotency_key")
