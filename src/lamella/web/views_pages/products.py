"""Product and annotation type management, per team: members create and edit, admins delete."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lamella.accounts.access import get_team_for_user
from lamella.annotations import services_products as services
from lamella.annotations.models import AnnotationType, Product
from lamella.web import selectors_pages as selectors
from lamella.web.forms_products import AnnotationTypeForm, ProductForm
from lamella.web.views_pages._common import is_team_admin, render_invalid


def _product_for(user: Any, product_id: int, *, manage: bool = False) -> Product:
    """The product if the user is in its team (``manage``: a team admin); 404 otherwise."""
    product = Product.objects.select_related("team").filter(pk=product_id).first()
    if product is None or product.team_id is None:
        raise Http404("No such product.")
    get_team_for_user(user, product.team_id, manage=manage)
    return product


def _type_for(user: Any, type_id: int, *, manage: bool = False) -> AnnotationType:
    annotation_type = AnnotationType.objects.filter(pk=type_id).first()
    if annotation_type is None or annotation_type.product_id is None:
        raise Http404("No such annotation type.")
    annotation_type.product = _product_for(user, annotation_type.product_id, manage=manage)
    return annotation_type


@login_required
def product_list(request: HttpRequest, team_id: int) -> HttpResponse:
    """The team's products with their types, and a form for a new product."""
    team = get_team_for_user(request.user, team_id)
    form = ProductForm(request.POST) if request.method == "POST" else ProductForm()
    if form.is_bound and form.is_valid():
        try:
            product = services.create_product(user=request.user, team=team, **form.cleaned_data)
        except services.ProductError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Product {product.name} created; now add its types.")
            return redirect("product", product_id=product.pk)
    context = {
        "team": team,
        "products": list(selectors.products_of_team(team)),
        "form": form,
        "is_admin": is_team_admin(request.user, team.pk),
    }
    if form.errors:
        return render_invalid(request, "web/product_list.html", context)
    return render(request, "web/product_list.html", context)


def _product_context(request: HttpRequest, product: Product, **forms: Any) -> dict[str, Any]:
    return {
        "product": product,
        "team": product.team,
        "types": list(selectors.types_of_product(product)),
        "product_form": forms.get("product_form")
        or ProductForm(initial={"name": product.name, "description": product.description}),
        "type_form": forms.get("type_form") or AnnotationTypeForm(),
        "is_admin": is_team_admin(request.user, product.team_id),
    }


@login_required
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    """A product's types (shape, colour, size, order, key) and forms to change them."""
    product = _product_for(request.user, product_id)
    return render(request, "web/product_detail.html", _product_context(request, product))


@login_required
@require_POST
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_for(request.user, product_id)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            services.update_product(product=product, **form.cleaned_data)
        except services.ProductError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, "Product saved.")
            return redirect("product", product_id=product.pk)
    context = _product_context(request, product, product_form=form)
    return render_invalid(request, "web/product_detail.html", context)


@login_required
@require_POST
def product_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_for(request.user, product_id, manage=True)
    try:
        services.delete_product(product=product)
    except services.ProductError as error:
        messages.error(request, str(error))
        return redirect("product", product_id=product.pk)
    messages.success(request, f"Product {product.name} deleted.")
    return redirect("products", team_id=product.team_id)


@login_required
@require_POST
def type_create(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_for(request.user, product_id)
    form = AnnotationTypeForm(request.POST)
    if form.is_valid():
        try:
            created = services.create_annotation_type(product=product, **form.cleaned_data)
        except services.ProductError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Annotation type {created.name} added.")
            return redirect("product", product_id=product.pk)
    context = _product_context(request, product, type_form=form)
    return render_invalid(request, "web/product_detail.html", context)


@login_required
def type_edit(request: HttpRequest, type_id: int) -> HttpResponse:
    annotation_type = _type_for(request.user, type_id)
    context: dict[str, Any] = {"annotation_type": annotation_type}
    if request.method != "POST":
        initial = {name: getattr(annotation_type, name) for name in AnnotationTypeForm.base_fields}
        context["form"] = AnnotationTypeForm(initial=initial)
        return render(request, "web/type_form.html", context)
    form = AnnotationTypeForm(request.POST)
    if form.is_valid():
        try:
            services.update_annotation_type(annotation_type=annotation_type, **form.cleaned_data)
        except services.ProductError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Annotation type {annotation_type.name} saved.")
            return redirect("product", product_id=annotation_type.product_id)
    return render_invalid(request, "web/type_form.html", context | {"form": form})


@login_required
@require_POST
def type_delete(request: HttpRequest, type_id: int) -> HttpResponse:
    annotation_type = _type_for(request.user, type_id, manage=True)
    try:
        services.delete_annotation_type(annotation_type=annotation_type)
    except services.ProductError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Annotation type {annotation_type.name} deleted.")
    return redirect("product", product_id=annotation_type.product_id)
