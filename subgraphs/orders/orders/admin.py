from django.contrib import admin

from orders.models import Order, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "status", "total", "currency", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("=id", "=user_id")
    inlines = [OrderItemInline]
