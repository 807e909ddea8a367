from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("id", "username", "email", "full_name", "is_staff", "date_joined")
    search_fields = ("username", "email", "full_name")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Profile", {"fields": ("full_name",)}))
