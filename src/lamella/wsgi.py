"""The WSGI application: Django, with tile requests answered in front of it when possible
(``lamella.tiles.fastpath``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamella.settings")
django_application = get_wsgi_application()

from lamella.tiles.fastpath import wrap  # noqa: E402  (needs the settings configured above)

application = wrap(django_application)
