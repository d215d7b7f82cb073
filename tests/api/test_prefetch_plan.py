"""Prefetch plans are computed once per serializer and shape, and handed out as copies."""

from django.db.models import Prefetch
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from lamella.annotations.api.serializers import AnnotationSerializer
from lamella.api.prefetch import cached_plan, plan_prefetch
from lamella.images.api import ImageSerializer


def _context(query: str) -> dict:
    return {"request": Request(APIRequestFactory().get(f"/x/{query}"))}


def _described(plan):
    return [(p.prefetch_to, str(p.queryset.query)) if isinstance(p, Prefetch) else p for p in plan]


def test_a_cached_plan_is_the_plan_of_a_fresh_serializer(db):
    for query in ("", "?expand=user,annotation_type", "?omit=uploaded_media_files"):
        context = _context(query)
        fresh = plan_prefetch(AnnotationSerializer(context=context))
        assert _described(cached_plan(AnnotationSerializer, context)) == _described(fresh)
        assert _described(cached_plan(AnnotationSerializer, context)) == _described(fresh)


def test_each_shape_and_serializer_has_its_own_plan_and_each_call_its_own_copy(db):
    plain = cached_plan(ImageSerializer, _context(""))
    omitted = cached_plan(ImageSerializer, _context("?omit=annotations"))
    assert len(omitted) < len(plain)
    again = cached_plan(ImageSerializer, _context(""))
    assert _described(again) == _described(plain)
    assert all(a is not b for a, b in zip(again, plain, strict=True) if isinstance(a, Prefetch))
