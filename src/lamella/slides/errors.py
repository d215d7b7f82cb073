"""Errors raised by `lamella.slides`; callers map every `SlideError` to a 4xx."""


class SlideError(Exception):
    """A slide could not be opened or read; the message says why, for a user."""


class UnsupportedFormat(SlideError):
    """The file is not an image format any backend reads."""


class CorruptFile(SlideError):
    """The file claims a known format but its content is damaged or truncated."""


class TooLarge(SlideError):
    """The image exceeds the configured pixel cap (a decompression bomb guard)."""
