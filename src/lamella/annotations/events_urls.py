"""The live annotation event stream; mounted before the REST API so its path wins."""

from django.urls import path

from lamella.annotations import events

urlpatterns = [
    path("api/v1/annotations/events/", events.annotation_events, name="annotation-events"),
]
