"""REST API v1 for users, teams, memberships and personal access tokens (EXACT's ``users/``)."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate
from django.db import models
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lamella.accounts import services
from lamella.accounts.models import PersonalAccessToken, Team, TeamMembership, User
from lamella.api.fields import NaiveDateTimeField
from lamella.api.filters import ExactFilterSet, IdFilter
from lamella.api.permissions import Authenticated
from lamella.api.serializers import ExactModelSerializer, expand
from lamella.api.tokens import issue_token, revoke_token
from lamella.api.viewsets import ExactViewSet, instance_of, is_superuser

# Serializers ---------------------------------------------------------------------------------


class UserSerializer(ExactModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8)

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "is_superuser",
            "is_staff",
            "is_active",
            "last_login",
            "team_set",
            "password",
        )
        read_only_fields = ("last_login", "team_set")
        expandable_fields = {"team_set": expand("lamella.accounts.api.TeamSerializer", many=True)}

    def create(self, validated_data: dict[str, Any]) -> User:
        password = validated_data.pop("password", None)
        return User.objects.create_user(password=password, **validated_data)

    def update(self, instance: User, validated_data: dict[str, Any]) -> User:
        password = validated_data.pop("password", None)
        user: User = super().update(instance, validated_data)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class TeamSerializer(ExactModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name", "website", "members", "image_sets", "product_set", "memberships")
        # EXACT requires the reverse lists on POST; its own client does not send memberships.
        read_only_fields = ("members", "image_sets", "product_set", "memberships")
        expandable_fields = {
            "members": expand("lamella.accounts.api.UserSerializer", many=True),
            "image_sets": expand("lamella.images.api.ImageSetSerializer", many=True),
            "product_set": expand("lamella.annotations.api.ProductSerializer", many=True),
            "memberships": expand("lamella.accounts.api.TeamMembershipSerializer", many=True),
        }


class TeamMembershipSerializer(ExactModelSerializer):
    class Meta:
        model = TeamMembership
        fields = ("id", "is_admin", "team", "user")
        expandable_fields = {
            "team": expand("lamella.accounts.api.TeamSerializer"),
            "user": expand("lamella.accounts.api.UserSerializer"),
        }


class TokenSerializer(serializers.ModelSerializer):
    created_at = NaiveDateTimeField(read_only=True)
    last_used_at = NaiveDateTimeField(read_only=True)
    expires_at = NaiveDateTimeField(required=False, allow_null=True)
    revoked_at = NaiveDateTimeField(read_only=True)

    class Meta:
        model = PersonalAccessToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        )
        read_only_fields = ("prefix", "is_active")


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only its hash is kept.")

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "token")


# Filters -------------------------------------------------------------------------------------


class UserFilter(ExactFilterSet):
    team = IdFilter(field_name="team_set")

    class Meta(ExactFilterSet.Meta):
        model = User
        fields = {
            "id": ["exact", "in"],
            "username": ["exact", "contains"],
            "is_superuser": ["exact"],
            "is_staff": ["exact"],
            "is_active": ["exact"],
            "last_login": ["exact", "lte", "gte"],
        }


class TeamFilter(ExactFilterSet):
    members = IdFilter(field_name="members")
    image_sets = IdFilter(field_name="image_sets")
    memberships = IdFilter(field_name="memberships")

    class Meta(ExactFilterSet.Meta):
        model = Team
        fields = {"id": ["exact", "in"], "name": ["exact", "contains"]}


class TeamMembershipFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = TeamMembership
        fields = ["id", "is_admin", "team", "user"]


# Viewsets ------------------------------------------------------------------------------------


def _my_team_ids(user: Any) -> Any:
    return TeamMembership.objects.filter(user_id=user.pk).values("team_id")


def require_team_admin(user: Any, team: Team) -> None:
    """404 when ``user`` is not in ``team``, 403 when it is a plain member."""
    if is_superuser(user):
        return
    role = TeamMembership.objects.filter(team=team, user_id=user.pk).values_list(
        "is_admin", flat=True
    )
    if not role:
        raise NotFound(f"Team {team.pk} not found.")
    if not role[0]:
        raise PermissionDenied("Only a team admin may do this.")


class UserViewSet(ExactViewSet):
    """Users sharing a team with the requester (all users for administrators)."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilter

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        user: Any = self.request.user
        if is_superuser(user):
            return queryset
        if not user.is_authenticated:
            return queryset.none()
        mates = TeamMembership.objects.filter(team_id__in=_my_team_ids(user)).values("user_id")
        return queryset.filter(models.Q(pk=user.pk) | models.Q(pk__in=mates))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        if not is_superuser(self.request.user):
            raise PermissionDenied("Only administrators may create users.")
        serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        user: Any = self.request.user
        privileged = {"is_superuser", "is_staff", "is_active"} & set(serializer.validated_data)
        if not is_superuser(user) and (instance_of(serializer) != user or privileged):
            raise PermissionDenied("You may change only your own name and password.")
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        if not is_superuser(self.request.user):
            raise PermissionDenied("Only administrators may delete users.")
        instance.delete()


def _in_my_teams(queryset: models.QuerySet[Any], user: Any, lookup: str) -> models.QuerySet[Any]:
    """Rows of the teams ``user`` belongs to (all for superusers, none for anonymous)."""
    if is_superuser(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{lookup: _my_team_ids(user)})


class TeamViewSet(ExactViewSet):
    """Teams the requester belongs to; whoever creates a team becomes its admin."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_class = TeamFilter

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return _in_my_teams(queryset, self.request.user, "pk__in")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = services.create_team(
                user=self.request.user, name=data["name"], website=data.get("website", "")
            )
        except services.TeamError as error:
            raise serializers.ValidationError({"name": [str(error)]}) from error

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        require_team_admin(self.request.user, instance_of(serializer))
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        require_team_admin(self.request.user, instance)
        instance.delete()


class TeamMembershipViewSet(ExactViewSet):
    """Memberships of the requester's teams; team admins add, change and remove them."""

    queryset = TeamMembership.objects.all()
    serializer_class = TeamMembershipSerializer
    filterset_class = TeamMembershipFilter

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return _in_my_teams(queryset, self.request.user, "team_id__in")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        require_team_admin(self.request.user, serializer.validated_data["team"])
        serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        require_team_admin(self.request.user, instance_of(serializer).team)
        if "team" in serializer.validated_data:
            require_team_admin(self.request.user, serializer.validated_data["team"])
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        if instance.user_id != getattr(self.request.user, "pk", None):  # anyone may leave a team
            require_team_admin(self.request.user, instance.team)
        instance.delete()


class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The requester's personal access tokens: list, create (plain text shown once), revoke."""

    serializer_class = TokenSerializer
    permission_classes = [Authenticated]
    queryset = PersonalAccessToken.objects.all()

    def get_queryset(self) -> models.QuerySet[PersonalAccessToken]:
        return PersonalAccessToken.objects.filter(user_id=self.request.user.pk or 0).order_by("id")

    @extend_schema(responses={201: NewTokenSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plaintext = issue_token(user=request.user, **serializer.validated_data)
        token.token = plaintext  # type: ignore[attr-defined]
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = revoke_token(token=self.get_object())
        return Response(TokenSerializer(token).data)

    def perform_destroy(self, instance: PersonalAccessToken) -> None:
        revoke_token(token=instance)  # kept, so the list still shows when it was revoked


class TokenLoginView(APIView):
    """djoser's ``POST /api/auth/token/login/`` as EXACT's README documents it."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer(
            "TokenLogin", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenLoginResult", {"auth_token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        form: Any = request.data
        if not isinstance(form, Mapping):
            form = {}  # a JSON array or scalar: no credentials, the 400 below says so
        username, password = form.get("username"), form.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return Response(
                {"detail": "username and password are required."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = authenticate(request, username=username, password=password)
        if user is None:
            return Response(
                {"detail": "Unable to log in with provided credentials."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        _, plaintext = issue_token(user=user, name="token login")
        return Response({"auth_token": plaintext})


class TokenLogoutView(APIView):
    """Revoke the token the request was made with."""

    permission_classes = [Authenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, PersonalAccessToken):
            revoke_token(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


ROUTES = [
    ("users/tokens", TokenViewSet, "token"),
    ("users/users", UserViewSet, "user"),
    ("users/teams", TeamViewSet, "team"),
    ("users/team_membership", TeamMembershipViewSet, "teammembership"),
]
