"""Django admin for users, teams, memberships and access tokens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from lamella.accounts.models import (
    PersonalAccessToken,
    Team,
    TeamMembership,
    User,
    UserPreferences,
)


class UserPreferencesInline(admin.StackedInline):
    model = UserPreferences
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus EXACT's ``points``."""

    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("EXACT", {"fields": ("points",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "points")
    inlines = (UserPreferencesInline,)


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "frontend", "is_site_admin")
    list_filter = ("frontend", "is_site_admin")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "website")
    search_fields = ("name",)
    inlines = (TeamMembershipInline,)


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("team", "user", "is_admin")
    list_filter = ("is_admin",)
    list_select_related = ("team", "user")
    search_fields = ("team__name", "user__username")
    raw_id_fields = ("team", "user")


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Tokens are shown and can be revoked here; they are created by their owner, because
    the secret is shown once at creation and only its hash is stored."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("user", "prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
