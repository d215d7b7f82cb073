"""REST API v1: EXACT-compatible endpoints mounted at ``/api/v1/`` by :mod:`lamella.api.router`."""
