"""Users, teams and memberships, with EXACT's names and defaults."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    points = models.IntegerField(default=0)


class UserPreferences(models.Model):
    class Frontend(models.IntegerChoices):
        DEFAULT = 1, "Default"
        LIGHTROOM = 2, "Lightroom"
        LIGHTROOM_V2 = 3, "Lightroom v2"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prefs"
    )
    frontend = models.IntegerField(choices=Frontend.choices, default=Frontend.LIGHTROOM)
    is_site_admin = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[MinLengthValidator(3)])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="team_set"
    )
    website = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        role = "admin" if self.is_admin else "member"
        return f"{self.user} in {self.team} ({role})"


class PersonalAccessToken(models.Model):
    """A bearer token; only its sha256 is stored, the prefix lets a user recognise it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
