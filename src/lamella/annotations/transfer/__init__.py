"""Import and export of annotations in every format of :mod:`lamella.interop`, on the database.

:func:`import_annotations` (all or nothing, batched, dry run) and :func:`export_annotations`
(streamed from the database); :mod:`.set_zip` builds an image set's download zip.
"""

from lamella.annotations.transfer.exporting import ExportError, export_annotations
from lamella.annotations.transfer.importing import import_annotations
from lamella.annotations.transfer.report import ImportFailed, ImportReport

__all__ = [
    "ExportError",
    "ImportFailed",
    "ImportReport",
    "export_annotations",
    "import_annotations",
]
