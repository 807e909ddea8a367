"""The outbox and the handled events in each service's admin, to read: what is waiting to be sent,
what went out, which events this service has applied. Changed by the relay and the workers only."""

from django.contrib import admin

from federation_kit.models import OutboxEvent, ProcessedEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SentFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("no", "waiting"), ("yes", "sent")]

    def queryset(self, request, queryset):
        if self.value() in {"no", "yes"}:
            return queryset.filter(sent_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "created_at", "sent_at")
    list_filter = (SentFilter, "type")
    search_fields = ("=event_id",)


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "processed_at")
    list_filter = ("type",)
    search_fields = ("=event_id",)
