"""Page views: parse, check access, call a selector or service, render."""

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lamella.images.selectors import image_sets_for_dashboard
from lamella.web.forms import RegistrationForm
from lamella.web.selectors import memberships_for_dashboard

SETS_PER_PAGE = 50


class LamellaLoginView(LoginView):
    """Django's login view with our template; tells the template whether to offer sign-up."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Read per request, not at import, so the setting can change under tests.
        context["self_registration"] = settings.SELF_REGISTRATION
        return context


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The user's teams and the image sets they may read."""
    page = Paginator(image_sets_for_dashboard(request.user), SETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "memberships": list(memberships_for_dashboard(request.user)),
        "page": page,
        "image_sets": page.object_list,
    }
    return render(request, "web/dashboard.html", context)


def register(request: HttpRequest) -> HttpResponse:
    """Self-registration; exists only when ``LAMELLA_SELF_REGISTRATION`` is on."""
    if not settings.SELF_REGISTRATION:
        raise Http404("Self-registration is switched off on this server.")
    if request.user.is_authenticated:
        return redirect("dashboard")
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("dashboard")
    else:
        form = RegistrationForm()
    return render(request, "web/register.html", {"form": form})
