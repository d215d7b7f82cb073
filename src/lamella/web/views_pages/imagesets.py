"""Image set pages: create within a team, the set's page, edit and delete."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lamella.accounts.access import get_image_set_for_user, get_team_for_user
from lamella.accounts.policy import Action, get_perms
from lamella.images import services_sets as services
from lamella.images.models import ImageSet
from lamella.images.selectors_screening import with_screening_progress
from lamella.web import selectors_pages as selectors
from lamella.web.forms_sets import ImageSetForm, ProductsForm, TagsForm
from lamella.web.selectors_imports import recent_imports
from lamella.web.views_pages._common import render_invalid

IMAGES_PER_PAGE = 60


@login_required
def set_create(request: HttpRequest, team_id: int) -> HttpResponse:
    """A new set in a team; any member may create one (EXACT's rule)."""
    team = get_team_for_user(request.user, team_id)
    form = ImageSetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                image_set = services.create_image_set(
                    user=request.user, team=team, **form.cleaned_data
                )
            except services.ImageSetError as error:
                form.add_error("name", str(error))
            else:
                messages.success(request, f"Image set {image_set.name} created.")
                return redirect("image-set", set_id=image_set.pk)
        return render_invalid(request, "web/set_form.html", {"form": form, "team": team})
    return render(request, "web/set_form.html", {"form": form, "team": team})


def page_context(request: HttpRequest, image_set: ImageSet) -> dict[str, Any]:
    image_set = selectors.set_details(image_set.pk).get()
    perms = get_perms(request.user, image_set)
    page = Paginator(selectors.images_of_set(image_set), IMAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    tags = ", ".join(tag.name for tag in image_set.set_tags.all())
    products = list(image_set.product_set.all())
    stats = selectors.type_statistics(image_set)
    return {
        "image_set": image_set,
        "can_edit": Action.EDIT_SET in perms,
        "can_delete": Action.DELETE_SET in perms,
        "can_export": Action.CREATE_EXPORT in perms,
        "can_annotate": Action.ANNOTATE in perms,
        "page": page,
        "images": with_screening_progress(user=request.user, images=page.object_list),
        "products": products,
        "stats": stats,
        "totals": selectors.verification_totals(stats),
        "tags_form": TagsForm(initial={"tags": tags}),
        "products_form": ProductsForm(image_set=image_set, initial={"products": products}),
        "status_url": reverse("image-set-status", args=[image_set.pk]),
        "imports": recent_imports(request.user, image_set),
    }


@login_required
def set_detail(request: HttpRequest, set_id: int) -> HttpResponse:
    """Thumbnails with ingest state, uploads, statistics, tags, products and flags."""
    image_set = get_image_set_for_user(request.user, set_id)
    return render(request, "web/set_detail.html", page_context(request, image_set))


@login_required
def set_edit(request: HttpRequest, set_id: int) -> HttpResponse:
    image_set = get_image_set_for_user(request.user, set_id, Action.EDIT_SET)
    if request.method != "POST":
        initial = {name: getattr(image_set, name) for name in services.EDITABLE}
        form = ImageSetForm(initial=initial, image_set=image_set)
        return render(request, "web/set_form.html", {"form": form, "image_set": image_set})
    form = ImageSetForm(request.POST, image_set=image_set)
    if form.is_valid():
        try:
            services.update_image_set(image_set=image_set, **form.cleaned_data)
        except services.ImageSetError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, "Image set saved.")
            return redirect("image-set", set_id=image_set.pk)
    context = {"form": form, "image_set": image_set}
    return render_invalid(request, "web/set_form.html", context)


@login_required
@require_POST
def set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    image_set = get_image_set_for_user(request.user, set_id, Action.DELETE_SET)
    if request.POST.get("confirm_name") != image_set.name:
        messages.error(request, "Type the set's name exactly to delete it.")
        return redirect("image-set", set_id=image_set.pk)
    team_id, name = image_set.team_id, image_set.name
    services.delete_image_set(image_set=image_set)
    messages.success(request, f"Image set {name} deleted.")
    return redirect("team", team_id=team_id) if team_id else redirect("dashboard")


@login_required
@require_POST
def set_tags(request: HttpRequest, set_id: int) -> HttpResponse:
    image_set = get_image_set_for_user(request.user, set_id, Action.EDIT_SET)
    form = TagsForm(request.POST)
    if not form.is_valid():
        context = page_context(request, image_set) | {"tags_form": form}
        return render_invalid(request, "web/set_detail.html", context)
    tags = services.set_tags(
        image_set=image_set, names=services.parse_tags(form.cleaned_data["tags"])
    )
    messages.success(request, f"Tags saved ({len(tags)}).")
    return redirect("image-set", set_id=image_set.pk)


@login_required
@require_POST
def set_products(request: HttpRequest, set_id: int) -> HttpResponse:
    image_set = get_image_set_for_user(request.user, set_id, Action.EDIT_SET)
    form = ProductsForm(request.POST, image_set=image_set)
    if not form.is_valid():
        context = page_context(request, image_set) | {"products_form": form}
        return render_invalid(request, "web/set_detail.html", context)
    services.set_products(image_set=image_set, products=form.cleaned_data["products"])
    messages.success(request, "Products saved.")
    return redirect("image-set", set_id=image_set.pk)
