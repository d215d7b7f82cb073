"""Parsers and writers for the annotation formats labs use, free of Django.

Every format module turns a file into a :class:`~lamella.interop.model.Document` and back;
:mod:`lamella.interop.registry` lists them by name and guesses a file's format.
"""
