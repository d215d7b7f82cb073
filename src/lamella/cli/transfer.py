"""``lamella import`` and ``lamella export``: annotations in and out of an image set.

``lamella import --format F --image-set ID FILE [--create-types] [--dry-run] [--image ID]
[--user NAME]`` reads FILE (format guessed when ``--format`` is left out) all or nothing;
``lamella export --format F --image-set ID [--out FILE] [--image ID]`` writes the set's
annotations (to standard output without ``--out``). A single-image format (asap, geojson,
dicom) goes to the image whose name stem equals the file's stem, or to ``--image``.
The operator running the command is trusted; ``--user`` only names who the annotations are by.
"""

import argparse
import json
import sys
from typing import Any

from lamella.cli import say, setup_django

FORMATS = ("exact", "sliderunner", "asap", "geojson", "coco", "midog", "wkt", "csv", "dicom")


def add_parsers(commands: Any) -> None:
    """Add the ``import`` and ``export`` subcommands to the ``lamella`` parser."""
    formats = ", ".join(FORMATS)
    importer = commands.add_parser("import", help="import annotations into an image set")
    importer.add_argument("file", help="the file to import")
    importer.add_argument("--format", help=f"one of {formats} (default: guessed from the file)")
    importer.add_argument("--image-set", type=int, required=True, help="the image set's id")
    importer.add_argument("--image", type=int, help="put every annotation on this image")
    importer.add_argument(
        "--create-types", action="store_true", help="create annotation types for unknown classes"
    )
    importer.add_argument("--dry-run", action="store_true", help="report, write nothing")
    importer.add_argument("--user", help="username the annotations are created by")
    importer.add_argument("--json", action="store_true", help="print the whole report as JSON")

    exporter = commands.add_parser("export", help="export an image set's annotations")
    exporter.add_argument("--format", required=True, help=f"one of {formats}, exact_template")
    exporter.add_argument("--image-set", type=int, required=True, help="the image set's id")
    exporter.add_argument("--image", type=int, help="only this image's annotations")
    exporter.add_argument("--out", help="the file to write (default: standard output)")
    exporter.add_argument("--include-deleted", action="store_true", help="deleted ones too")
    exporter.add_argument("--export-format", type=int, help="ExportFormat id (exact_template)")


def run(args: argparse.Namespace) -> int:
    """Run ``import`` or ``export``; returns the exit status."""
    setup_django()
    if args.command == "import":
        return _import(args)
    return _export(args)


def _fail(message: str) -> int:
    sys.stderr.write(f"lamella: {message}\n")
    return 1


def _objects(args: argparse.Namespace) -> tuple[Any, Any, Any] | str:
    """(image set, image, user) named by the arguments, or the message saying what is missing."""
    from django.contrib.auth import get_user_model

    from lamella.images.models import Image, ImageSet

    image_set = ImageSet.objects.filter(pk=args.image_set).first()
    if image_set is None:
        return f"no image set {args.image_set}"
    image = None
    if args.image is not None:
        image = Image.objects.filter(pk=args.image, image_set=image_set).first()
        if image is None:
            return f"image set {image_set.pk} has no image {args.image}"
    user = None
    if getattr(args, "user", None):
        user = get_user_model().objects.filter(username=args.user).first()
        if user is None:
            return f"no user {args.user!r}"
    return image_set, image, user


def _import(args: argparse.Namespace) -> int:
    from lamella.annotations.transfer import ImportFailed, import_annotations

    found = _objects(args)
    if isinstance(found, str):
        return _fail(found)
    image_set, image, user = found
    try:
        report = import_annotations(
            user=user,
            image_set=image_set,
            path=args.file,
            format=args.format,
            image=image,
            create_types=args.create_types,
            dry_run=args.dry_run,
        )
    except ImportFailed as failure:
        if args.json:
            say(json.dumps(failure.report.as_dict(), indent=2))
        return _fail(f"nothing imported: {failure}")
    if args.json:
        say(json.dumps(report.as_dict(), indent=2))
        return 0
    say(report.summary())
    for reason, count in report.skipped.most_common():
        say(f"  skipped {count}: {reason} (e.g. {report.examples[reason][0]})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from lamella.annotations.models import ExportFormat
    from lamella.annotations.transfer import ExportError, export_annotations

    found = _objects(args)
    if isinstance(found, str):
        return _fail(found)
    image_set, image, _ = found
    template = None
    if args.export_format is not None:
        template = ExportFormat.objects.filter(pk=args.export_format).first()
        if template is None:
            return _fail(f"no export format {args.export_format}")
    try:
        count = export_annotations(
            user=None,
            image_set=image_set,
            format=args.format,
            out=args.out or sys.stdout.buffer,
            image=image,
            include_deleted=args.include_deleted,
            export_format=template,
        )
    except (ExportError, ValueError, OSError) as error:
        return _fail(f"nothing exported: {error}")
    if args.out:
        say(f"wrote {count} annotations to {args.out}")
    return 0
