"""What an import did (or, in a dry run, would do): counts, reasons, first examples."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: How many examples are kept per skip reason.
EXAMPLES = 5


@dataclass
class ImportReport:
    """Counts of an import; ``skipped`` maps a reason to its count, ``examples`` to the first
    few records it hit. ``error`` is set when the import failed and nothing was kept."""

    format: str
    dry_run: bool = False
    records: int = 0
    created: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    images_matched: dict[str, int] = field(default_factory=dict)
    images_scaled: dict[str, list[float]] = field(default_factory=dict)
    types_matched: list[str] = field(default_factory=list)
    types_created: list[str] = field(default_factory=list)
    verifications: int = 0
    votes_without_user: int = 0
    error: dict[str, str] | None = None

    def skip(self, reason: str, where: str) -> None:
        """Count one skipped record, keeping the first few examples of each reason."""
        self.skipped[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES:
            examples.append(where)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (API responses, job results, ``lamella import`` output)."""
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "records": self.records,
            "created": self.created,
            "skipped": self.skipped_total,
            "skipped_reasons": [
                {"reason": reason, "count": count, "examples": self.examples.get(reason, [])}
                for reason, count in self.skipped.most_common()
            ],
            "images_matched": len(self.images_matched),
            "images": self.images_matched,
            "images_scaled": self.images_scaled,
            "types_matched": sorted(self.types_matched),
            "types_created": self.types_created,
            "verifications": self.verifications,
            "votes_without_user": self.votes_without_user,
            "error": self.error,
        }

    def summary(self) -> str:
        """One line for people: what was (or would be) created, matched and skipped."""
        verb = "would create" if self.dry_run else "created"
        parts = [
            f"{self.records} records read",
            f"{verb} {self.created} annotations",
            f"{len(self.images_matched)} images matched",
            f"{len(self.types_matched)} types matched",
            f"{len(self.types_created)} types {'to create' if self.dry_run else 'created'}",
            f"{self.skipped_total} skipped",
        ]
        if self.verifications:
            parts.append(f"{self.verifications} verifications")
        return ", ".join(parts)


class ImportFailed(ValueError):
    """The import stopped and kept nothing; ``location`` names the line, feature or record."""

    def __init__(self, problem: str, *, location: str, report: ImportReport) -> None:
        super().__init__(f"{location}: {problem}")
        self.problem = problem
        self.location = location
        self.report = report
        report.error = {"location": location, "problem": problem}
