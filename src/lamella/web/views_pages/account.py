"""The account page: change the password; list, create and revoke API tokens."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lamella.accounts.models import PersonalAccessToken, User
from lamella.api import tokens
from lamella.web import selectors_pages as selectors
from lamella.web.forms_account import TokenForm
from lamella.web.views_pages._common import render_invalid

TEMPLATE = "web/account.html"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # every view here is login_required
    return request.user


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "password_form": PasswordChangeForm(_user(request)),
        "token_form": TokenForm(),
        "tokens": list(selectors.tokens_of(request.user)),
        "new_token": None,
    } | extra


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(_user(request), request.POST)
    if not form.is_valid():
        return render_invalid(request, TEMPLATE, _context(request, password_form=form))
    user = form.save()
    update_session_auth_hash(request, user)  # stay signed in on this browser
    messages.success(request, "Password changed.")
    return redirect("account")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its plain text on this one response; it is never shown again."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render_invalid(request, TEMPLATE, _context(request, token_form=form))
    days = form.cleaned_data.get("expires_in_days")
    expires_at = timezone.now() + dt.timedelta(days=days) if days else None
    token, plaintext = tokens.issue_token(
        user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
    )
    # Rendered, not redirected: the plain text must not travel through the session.
    response = render(request, TEMPLATE, _context(request, new_token=plaintext, issued=token))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = PersonalAccessToken.objects.filter(pk=token_id, user=_user(request)).first()
    if token is None:
        raise Http404("No such token.")
    tokens.revoke_token(token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("account")
