from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shnor.accounts.models import ApiToken, User


@admin.register(User)
class ShnorUserAdmin(UserAdmin[User]):
    list_display = ("username", "last_name", "first_name", "role", "municipality", "school", "is_active")
    list_filter = ("role", "is_active", "municipality")
    search_fields = ("username", "last_name", "first_name", "email")
    autocomplete_fields = ("municipality", "school")
    filter_horizontal = ("assigned_schools",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Роль и область доступа",
            {"fields": ("role", "municipality", "school", "assigned_schools", "staff_key", "position")},
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created", "last_used")
    readonly_fields = ("prefix", "created", "last_used")
