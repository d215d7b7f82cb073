"""Pausing Python's cyclic garbage collector around one big request.

A 10,000-annotation bulk create allocates a few hundred thousand container objects (the parsed
body, validated items, model objects, output dicts) that all live until the response is sent.
Each allocation threshold crossed makes the collector walk them again, for nothing: they form
no cycles. Measured on that request: a quarter of its CPU time. Reference counting still frees
everything as usual; cycles made meanwhile wait for the next collection after the request.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block, unless someone already had."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
