"""Import a file of annotations into an image set: all or nothing, in batches, in one transaction.

The format's parser streams :class:`~lamella.interop.model.Record` objects; each is matched to an
image and an annotation type (:mod:`.matching`), then written in batches through the bulk path
of :mod:`lamella.annotations.bulk` (``executemany`` on SQLite, ``COPY`` on PostgreSQL). Every
batch is inside one transaction, so any error (a malformed line, an unknown class, an image not
in the set, a vector that does not fit its type) rolls everything back, types created on the way
included, and :class:`ImportFailed` names the line, feature or record and the problem. A dry run
does the same work, writes no annotation and rolls back at the end.

Unique identifiers: the rule is *skip duplicates*. A record whose identifier is already on its
image is skipped (and reported), never overwritten, so importing a file twice is harmless and
edits made in Lamella since are kept. Identifiers that are not UUIDs (a file's integer ids) are
mapped to stable UUIDs (``uuid5``). A record without one gets a fresh UUID.

Votes (SlideRunner labels, MIDOG++ experts, COCO ``labels``) become Verification rows for the
users whose username equals the person's name; the others are counted in the report.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction

from lamella.accounts.models import User
from lamella.annotations import bulk
from lamella.annotations.bulk_stream import RowStream
from lamella.annotations.geometry import VectorError
from lamella.annotations.models import Annotation, Verification
from lamella.annotations.services import AnnotationInputError
from lamella.annotations.transfer.matching import (
    ImageMatcher,
    MatchError,
    TypeMatcher,
    as_uuid_hex,
    scale_vector,
)
from lamella.annotations.transfer.report import ImportFailed, ImportReport
from lamella.annotations.transfer.rows import is_flat, meta_data, parse_time, verdict, where
from lamella.images.models import Image, ImageSet
from lamella.interop import beside, registry
from lamella.interop.model import Document, ParseError, Record, VectorType

__all__ = ["BATCH_SIZE", "ImportFailed", "ImportReport", "import_annotations"]

#: Records per bulk insert: large enough for COPY to pay off, small enough to stay flat in memory.
BATCH_SIZE = 5_000
#: Files from this size on are parsed in a process beside the import
#: (:mod:`lamella.interop.beside`): ~0.1 s to start it, a quarter to a third less time after.
BESIDE_BYTES = 32 * 2**20
#: Formats that describe one image; the record's image name is the file's stem (or ``image``).
SINGLE_IMAGE_FORMATS = frozenset({"asap", "geojson", "dicom"})
Progress = Callable[[int], None]
_BOXES = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX)
_ITEM_ERROR = re.compile(r"^item (\d+): (.*)$", re.DOTALL)


def import_annotations(
    *,
    user: Any,
    image_set: ImageSet,
    path: str | Path,
    format: str | None = None,
    image: Image | None = None,
    create_types: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
) -> ImportReport:
    """Import the file at ``path`` into ``image_set`` as ``user`` and return what was done.

    ``format`` is guessed from the file when omitted. ``image`` puts every record on that image
    (single-image formats otherwise use the image whose name stem equals the file's stem).
    ``create_types`` creates annotation types for classes the set does not have. ``progress``
    is called with the number of records read after each batch. ``options`` go to the parser.
    The caller checks permissions. Raises :class:`ImportFailed` (nothing kept) on any error.
    """
    try:
        name = format or registry.guess_format(str(path)) or ""
    except OSError as error:
        report = ImportReport(format=format or "unknown", dry_run=dry_run)
        problem = f"cannot read the file ({error})"
        raise ImportFailed(problem, location="file", report=report) from None
    report = ImportReport(format=name or "unknown", dry_run=dry_run)
    if name not in registry.FORMATS:
        problem = (
            f"unknown format {name!r}; known: {', '.join(sorted(registry.FORMATS))}"
            if name
            else "cannot tell the format from the file; give one"
        )
        raise ImportFailed(problem, location="file", report=report)
    collecting = gc.isenabled()
    # A parsed JSON file is millions of live objects that every full collection walks again;
    # an import makes few cycles, so collecting is postponed (imports ran 2x faster).
    gc.disable()
    try:
        with transaction.atomic():
            _Importer(user, image_set, image, create_types, dry_run, report, progress).run(
                Path(path), options or {}
            )
            if dry_run:
                transaction.set_rollback(True)
    except ParseError as error:
        raise ImportFailed(error.problem, location=error.location, report=report) from None
    except OSError as error:
        raise ImportFailed(
            f"cannot read the file ({error})", location="file", report=report
        ) from None
    finally:
        if collecting:
            gc.enable()
    return report


class _Importer:
    def __init__(
        self,
        user: Any,
        image_set: ImageSet,
        image: Image | None,
        create_types: bool,
        dry_run: bool,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.image_set = image_set
        self.image = image
        self.create_types = create_types
        self.dry_run = dry_run
        self.report = report
        self.progress = progress
        self.stream: RowStream | None = None
        self.pending: list[dict[str, Any]] = []
        self.pending_records: list[tuple[int, Record]] = []
        self.seen: set[tuple[int, Any]] = set()
        self.persons: dict[str, int | None] = {}
        # Duplicates can only be in the database on images that had annotations before.
        self.annotated = set(
            Annotation.objects.filter(image__image_set=image_set)
            .values_list("image_id", flat=True)
            .distinct()
        )

    def run(self, path: Path, options: dict[str, Any]) -> None:
        name = self.report.format
        module = registry.FORMATS[name]
        # The set's types tell the EXACT text format which shape an untyped vector is.
        types = TypeMatcher(self.image_set, classes={}, create=self.create_types, user=self.user)
        options = dict(options)
        if name in SINGLE_IMAGE_FORMATS and self.image is not None:
            options.setdefault("image_name", self.image.name)
        if name == "exact":
            options.setdefault("class_vector_types", types.vector_types())
        if name == "sliderunner":
            options.setdefault("skip_unknown", True)
            options.setdefault("on_skip", lambda where, problem: self.report.skip(problem, where))
        if path.stat().st_size >= BESIDE_BYTES and beside.usable(options):
            document = beside.parse(module.__name__.rsplit(".", 1)[-1], path, options)
        else:
            document = module.parse(str(path), **options)
        records = iter(document)
        try:
            self._read(records, document, types)
        finally:  # a parser process stops here when the import ends early
            close = getattr(records, "close", None)
            if close is not None:
                close()

    def _read(self, records: Iterator[Record], document: Document, types: TypeMatcher) -> None:
        types.use_classes(document.classes)
        images = ImageMatcher(self.image_set, image=self.image, sizes=document.images)
        # Streamed when no target image has annotations yet (nothing to replace by uuid).
        streaming = connection.vendor == "postgresql" and not self.dry_run and not self.annotated
        with (
            RowStream(user=self.user, capacity=BATCH_SIZE, checked_identifiers=True)
            if streaming
            else nullcontext() as stream
        ):
            self.stream = stream
            for index, record in enumerate(records):
                self.report.records += 1
                try:
                    self.add(index, record, images, types)
                except (MatchError, VectorError) as error:
                    location = where(index, record)
                    raise ImportFailed(str(error), location=location, report=self.report) from None
                if len(self.pending) >= BATCH_SIZE:
                    self.flush()
            self.flush()
        self.report.types_matched = sorted(types.matched)
        self.report.types_created = types.created

    def add(self, index: int, record: Record, images: ImageMatcher, types: TypeMatcher) -> None:
        target = images.target(record.image_name)
        if self.stream is not None and not types.known(record):
            self.stream.pause()  # a new type is a query: end the COPY first
            self._segments_done()
        annotation_type = types.type_for(record)
        self.report.images_matched.setdefault(target.name, target.image_id)
        if annotation_type.vector_type in _BOXES and is_flat(record):
            # real SlideRunner files hold a few; EXACT cannot store them, nothing else is wrong
            self.report.skip("a box of zero width or height", where(index, record))
            return
        vector = record.shape.vector
        if vector is not None and target.scaled:
            vector = scale_vector(vector, target)
            self.report.images_scaled[target.name] = [target.scale_x, target.scale_y]
        identifier = as_uuid_hex(record.unique_identifier)
        if identifier is not None:
            key = (target.image_id, identifier)
            if key in self.seen:
                reason = "repeats the unique_identifier of an earlier record on its image"
                self.report.skip(reason, where(index, record))
                return
            self.seen.add(key)
        # Only what differs from a new annotation's defaults: a plain item is written faster
        # (bulk.PLAIN_KEYS) and freed sooner.
        item: dict[str, Any] = {
            "image_id": target.image_id,
            "annotation_type_id": annotation_type.id,
            "vector": vector,
            "unique_identifier": identifier,
        }
        if record.deleted:
            item["deleted"] = True
        if record.concealed:
            item["concealed"] = True
        if record.blurred:
            item["blurred"] = True
        if record.description:
            item["description"] = record.description[:1000]
        meta = meta_data(record, target.scale_x, target.scale_y)
        if meta is not None:
            item["meta_data"] = meta
        if record.score is not None:
            item["score"], item["generated"] = record.score, True
        if record.time:
            item["time"] = parse_time(record.time)
        if record.last_edit_time:
            item["last_edit_time"] = parse_time(record.last_edit_time)
        self.pending.append(item)
        self.pending_records.append((index, record))
        if self.stream is not None:
            known = self.stream.knows(self.pending[-1])
            if not known:
                # Its lookup needs the connection: end the COPY and do the bookkeeping (which
                # queries too) before the next segment opens.
                self.stream.pause()
                self._segments_done()
            try:
                self.stream.write(len(self.pending) - 1, self.pending[-1], known=known)
            except (VectorError, AnnotationInputError) as error:
                raise self._failure(str(error)) from None
            except IntegrityError as error:
                raise self._refused(error) from None
            if self.stream.finished:
                self._segments_done()

    def _segments_done(self) -> None:
        """Bookkeeping for the streamed segments that reached the database: the first of the
        pending items are theirs. Queries: call only while no COPY is open."""
        assert self.stream is not None
        for batch in self.stream.drain():
            done = len(batch.ids)
            self.report.created += done
            self._verify(batch.ids, self.pending_records[:done])
            self.pending, self.pending_records = self.pending[done:], self.pending_records[done:]
            if self.progress is not None:
                self.progress(self.report.records)

    def _refused(self, error: IntegrityError) -> ImportFailed:
        return ImportFailed(
            f"the database refused the batch ({error})",
            location=where(*self.pending_records[0]) if self.pending_records else "batch",
            report=self.report,
        )

    def flush(self) -> None:
        if self.stream is not None:
            try:
                self.stream.pause()
            except IntegrityError as error:
                raise self._refused(error) from None
            if self.stream.finished:
                self._segments_done()
            return
        if not self.pending:
            return
        self._drop_existing()
        try:
            write = bulk.prepare_rows if self.dry_run else bulk.create_rows
            batch = write(user=self.user, items=self.pending, image=None)
        except (VectorError, AnnotationInputError) as error:
            raise self._failure(str(error)) from None
        except IntegrityError as error:
            raise self._refused(error) from None
        self.report.created += len(self.pending)
        self._verify(batch.ids, self.pending_records)
        self.pending, self.pending_records = [], []
        if self.progress is not None:
            self.progress(self.report.records)

    def _drop_existing(self) -> None:
        candidates = [
            item
            for item in self.pending
            if item["unique_identifier"] is not None and item["image_id"] in self.annotated
        ]
        if not candidates:
            return
        found = {
            (image_id, identifier.hex)
            for image_id, identifier in Annotation.objects.filter(
                image_id__in={item["image_id"] for item in candidates},
                unique_identifier__in=[item["unique_identifier"] for item in candidates],
            ).values_list("image_id", "unique_identifier")
        }
        if not found:
            return
        kept: list[dict[str, Any]] = []
        kept_records: list[tuple[int, Record]] = []
        for item, entry in zip(self.pending, self.pending_records, strict=True):
            if (item["image_id"], item["unique_identifier"]) in found:
                reason = "an annotation with this unique_identifier is already on the image"
                self.report.skip(reason, where(*entry))
                continue
            kept.append(item)
            kept_records.append(entry)
        self.pending, self.pending_records = kept, kept_records

    def _failure(self, message: str) -> ImportFailed:
        match = _ITEM_ERROR.match(message)
        if match and int(match.group(1)) < len(self.pending_records):
            location = where(*self.pending_records[int(match.group(1))])
            return ImportFailed(match.group(2), location=location, report=self.report)
        return ImportFailed(message, location="batch", report=self.report)

    def _verify(self, ids: list[int], records: list[tuple[int, Record]]) -> None:
        """Verification rows for votes by known users (counted only, in a dry run)."""
        voted = [(n, record) for n, (_, record) in enumerate(records) if record.votes]
        if not voted:
            return
        self._load_persons({vote.person for _, record in voted for vote in record.votes})
        rows = []
        for n, record in voted:
            by_user: dict[int, bool] = {}
            for vote in record.votes:
                user_id = self.persons.get(vote.person)
                if user_id is None:
                    self.report.votes_without_user += 1
                    continue
                by_user[user_id] = verdict(vote.verified, vote.class_name, record.class_name)
            for user_id, verified in by_user.items():
                annotation_id = ids[n] if ids else 0
                rows.append(
                    Verification(annotation_id=annotation_id, user_id=user_id, verified=verified)
                )
        self.report.verifications += len(rows)
        if rows and not self.dry_run:
            Verification.objects.bulk_create(rows, batch_size=2_000)

    def _load_persons(self, names: set[str]) -> None:
        new = names - set(self.persons)
        if not new:
            return
        found = dict(User.objects.filter(username__in=new).values_list("username", "id"))
        for name in new:
            self.persons[name] = found.get(name)
