"""EXACT's legacy routes (exact.md §4.4 items 24-28), each with and without the final slash:
SlideRunner calls ``images/api/imageset/load?image_set_id=`` without one."""

from django.urls import re_path

from lamella.legacy import annotation_views, image_views, other_views

_ANNOTATION = r"^annotations/api/annotation/"

urlpatterns = [
    re_path(r"^timesync/?$", other_views.timesync, name="legacy-timesync"),
    re_path(_ANNOTATION + r"load/?$", annotation_views.load, name="legacy-annotation-load"),
    re_path(_ANNOTATION + r"create/?$", annotation_views.create, name="legacy-annotation-create"),
    re_path(_ANNOTATION + r"update/?$", annotation_views.update, name="legacy-annotation-update"),
    re_path(_ANNOTATION + r"delete/?$", annotation_views.delete, name="legacy-annotation-delete"),
    re_path(_ANNOTATION + r"verify/?$", annotation_views.verify, name="legacy-annotation-verify"),
    re_path(
        _ANNOTATION + r"loadannotationtypes/?$",
        annotation_views.load_annotation_types,
        name="legacy-annotation-types",
    ),
    re_path(r"^images/api/list_imagesets/?$", image_views.list_imagesets, name="legacy-sets"),
    re_path(r"^images/api/imageset/load/?$", image_views.load_imageset, name="legacy-set-load"),
    re_path(
        r"^images/api/imageset/create/?$", image_views.create_imageset, name="legacy-set-create"
    ),
    re_path(
        r"^images/api/imageset/product/add/?$", image_views.add_product, name="legacy-product-add"
    ),
    re_path(
        r"^images/api/image/delete/(?P<image_id>[0-9]+)/?$",
        image_views.delete_image,
        name="legacy-image-delete",
    ),
    re_path(
        r"^images/imagelist/(?P<image_set_id>[0-9]+)/?$",
        image_views.image_list,
        name="legacy-image-list",
    ),
    re_path(
        r"^administration/api/annotation_type/create/?$",
        other_views.create_annotation_type,
        name="legacy-type-create",
    ),
    re_path(
        r"^processing/api/plugin_job/create/?$",
        other_views.create_plugin_job,
        name="legacy-plugin-job-create",
    ),
]
