"""Team pages: my teams, create a team, a team's members and sets; admins add and remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lamella.accounts import services
from lamella.accounts.access import get_team_for_user
from lamella.web import selectors_pages as selectors
from lamella.web.forms_teams import AddMemberForm, RoleForm, TeamForm
from lamella.web.views_pages._common import is_team_admin, render_invalid


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    """The user's teams, and a form to create one."""
    context = {"memberships": list(selectors.teams_of(request.user)), "form": TeamForm()}
    return render(request, "web/team_list.html", context)


@login_required
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.create_team(user=request.user, **form.cleaned_data)
        except services.TeamError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Team {team.name} created; you are its admin.")
            return redirect("team", team_id=team.pk)
    context = {"memberships": list(selectors.teams_of(request.user)), "form": form}
    return render_invalid(request, "web/team_list.html", context)


def _detail_context(request: HttpRequest, team_id: int) -> dict[str, object]:
    team = get_team_for_user(request.user, team_id)
    return {
        "team": team,
        "is_admin": is_team_admin(request.user, team.pk),
        "members": list(selectors.members_of(team)),
        "image_sets": list(selectors.sets_of_team(team, request.user)),
        "add_form": AddMemberForm(),
    }


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    """Members and admins, the team's sets, and member management for admins."""
    return render(request, "web/team_detail.html", _detail_context(request, team_id))


@login_required
@require_POST
def member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_team_for_user(request.user, team_id, manage=True)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.add_member(team=team, **form.cleaned_data)
        except services.TeamError as error:
            form.add_error("username", str(error))
        else:
            messages.success(request, f"{membership.user.username} added to {team.name}.")
            return redirect("team", team_id=team.pk)
    context = _detail_context(request, team_id) | {"add_form": form}
    return render_invalid(request, "web/team_detail.html", context)


@login_required
@require_POST
def member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = get_team_for_user(request.user, team_id, manage=True)
    try:
        user = services.remove_member(team=team, user_id=user_id)
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{user.username} removed from {team.name}.")
    return redirect("team", team_id=team.pk)


@login_required
@require_POST
def member_role(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = get_team_for_user(request.user, team_id, manage=True)
    form = RoleForm(request.POST)
    form.is_valid()  # a missing box means False; nothing here can be invalid
    try:
        membership = services.set_admin(
            team=team, user_id=user_id, is_admin=form.cleaned_data.get("is_admin", False)
        )
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        role = "an admin" if membership.is_admin else "a member"
        messages.success(request, f"{membership.user.username} is now {role}.")
    return redirect("team", team_id=team.pk)
