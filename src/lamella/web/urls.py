from django.contrib.auth.views import LogoutView
from django.urls import path

from lamella.web import views, views_verify, views_viewer
from lamella.web.views_pages import account, exports, imagesets, imports, products, teams, uploads

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", views.LamellaLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("images/<int:image_id>/view/", views_viewer.viewer, name="viewer"),
    # Pages of issue 5: teams, image sets, products, exports, account.
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.team_create, name="team-create"),
    path("teams/<int:team_id>/", teams.team_detail, name="team"),
    path("teams/<int:team_id>/members/", teams.member_add, name="team-member-add"),
    path(
        "teams/<int:team_id>/members/<int:user_id>/remove/",
        teams.member_remove,
        name="team-member-remove",
    ),
    path(
        "teams/<int:team_id>/members/<int:user_id>/role/",
        teams.member_role,
        name="team-member-role",
    ),
    path("teams/<int:team_id>/sets/new/", imagesets.set_create, name="image-set-create"),
    path("teams/<int:team_id>/products/", products.product_list, name="products"),
    path("sets/<int:set_id>/", imagesets.set_detail, name="image-set"),
    path("sets/<int:set_id>/edit/", imagesets.set_edit, name="image-set-edit"),
    path("sets/<int:set_id>/delete/", imagesets.set_delete, name="image-set-delete"),
    path("sets/<int:set_id>/tags/", imagesets.set_tags, name="image-set-tags"),
    path("sets/<int:set_id>/products/", imagesets.set_products, name="image-set-products"),
    path("sets/<int:set_id>/upload/", uploads.set_upload, name="image-set-upload"),
    path("sets/<int:set_id>/status/", uploads.set_status, name="image-set-status"),
    path("sets/<int:set_id>/export/", exports.export_download, name="image-set-export"),
    path("sets/<int:set_id>/import/", imports.import_page, name="image-set-import"),
    path(
        "sets/<int:set_id>/imports/<int:job_id>/",
        imports.import_progress,
        name="image-set-import-job",
    ),
    path(
        "sets/<int:set_id>/imports/<int:job_id>/status/",
        imports.import_status,
        name="image-set-import-status",
    ),
    path("products/<int:product_id>/", products.product_detail, name="product"),
    path("products/<int:product_id>/edit/", products.product_edit, name="product-edit"),
    path("products/<int:product_id>/delete/", products.product_delete, name="product-delete"),
    path("products/<int:product_id>/types/", products.type_create, name="type-create"),
    path("types/<int:type_id>/edit/", products.type_edit, name="type-edit"),
    path("types/<int:type_id>/delete/", products.type_delete, name="type-delete"),
    path("exports/", exports.export_list, name="exports"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="account-password"),
    path("account/tokens/", account.token_create, name="account-token-create"),
    path(
        "account/tokens/<int:token_id>/revoke/", account.token_revoke, name="account-token-revoke"
    ),
    path("imagesets/<int:set_id>/verify/", views_verify.verify_page, name="verify"),
    path(
        "imagesets/<int:set_id>/verify/<int:annotation_id>/",
        views_verify.verify_annotation,
        name="verify-annotation",
    ),
]
