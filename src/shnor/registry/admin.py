from django.contrib import admin
from django.db import models

from shnor.registry.models import BodyMembership, InfrastructureBody, Municipality, Person, Region, School


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ("code", "name", "preset", "authority")
    fieldsets = (
        (None, {"fields": ("code", "name", "preset")}),
        ("Реквизиты документов", {"fields": ("authority", "head_title", "head_name", "executor", "executor_contacts")}),
    )


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ("code", "name", "kind", "region")
    search_fields = ("name", "code")
    filter_horizontal = ("neighbours",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    list_display = ("school_id", "name", "municipality", "locality", "enrollment", "innovation_site")
    list_filter = ("locality", "innovation_site", "municipality")
    search_fields = ("name", "school_id")
    autocomplete_fields = ("municipality", "parent")


class MembershipInline(admin.TabularInline[BodyMembership, InfrastructureBody]):
    model = BodyMembership
    autocomplete_fields = ("person",)
    extra = 0


@admin.register(InfrastructureBody)
class BodyAdmin(admin.ModelAdmin[InfrastructureBody]):
    list_display = ("name", "kind", "municipality", "school")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("kind",)
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ("full_name", "position", "organization", "municipality")
    search_fields = ("full_name", "position")
