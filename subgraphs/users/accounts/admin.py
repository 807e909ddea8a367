from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from accounts.models import FailedLogins, User, username_digest


class UserCreationForm(AdminUserCreationForm):
    """Django's asks for a username and password only: every user added got the email "", and the
    second one failed on the unique constraint (HTTP 500)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "full_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "full_name", "usable_password", "password1", "password2")}),
    )
    list_display = ("id", "username", "email", "full_name", "is_staff", "date_joined")
    search_fields = ("username", "email", "full_name")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Profile", {"fields": ("full_name",)}))


@admin.register(FailedLogins)
class FailedLoginsAdmin(admin.ModelAdmin):
    """Staff let a customer log in again before the window ends: search for the username as they
    type it (the rows keep a digest of it), then delete its row."""

    list_display = ("__str__", "count", "window_started_at")
    search_fields = ("=username_digest",)
    search_help_text = "The username, in any case"
    readonly_fields = ("username_digest", "count", "window_started_at")

    def has_add_permission(self, request) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return super().get_search_results(request, queryset, username_digest(term) if term else "")
