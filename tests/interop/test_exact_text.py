"""EXACT's label text format: lines as EXACT's upload form reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamella.interop import exact_text
from lamella.interop.model import Document, ParseError, Record, Shape, VectorType


def test_a_default_export_line_with_its_trailing_comma_is_read() -> None:
    record = exact_text.parse_line('img.png|Cell|{"x1": 10,"y1": 20,"x2": 60,"y2": 70,}|')
    assert (record.image_name, record.class_name) == ("img.png", "Cell")
    assert record.shape.vector == {"x1": 10, "y1": 20, "x2": 60, "y2": 70}
    assert record.shape.vector_type is None  # the line does not say; the type decides
    assert record.unique_identifier is None


def test_flags_uuid_frame_and_not_in_image_are_read() -> None:
    line = 'a.svs|Tumour|{"x1": 1, "y1": 2, "x2": 3, "y2": 4, "x3": 5, "y3": 6, "frame": 3}|bc|u-1'
    record = exact_text.parse_line(line, class_vector_types={"Tumour": 5})
    assert record.blurred and record.concealed
    assert record.unique_identifier == "u-1"
    assert record.shape.frame == 3
    assert record.shape.vector_type == VectorType.POLYGON
    missing = exact_text.parse_line("a.svs|Tumour|not in image|c|u-2")
    assert missing.shape.not_in_image and missing.concealed
    assert exact_text.parse_line("a.svs|Tumour|{}|").shape.not_in_image


def test_a_written_line_is_what_exact_reads() -> None:
    record = Record("a.svs", "Cell", Shape.point(50, 60, 25), unique_identifier="u", blurred=True)
    line = exact_text.format_line(record)
    assert line == 'a.svs|Cell|{"x1": 25,"y1": 35,"x2": 75,"y2": 85}|b|u'
    assert exact_text.parse_line(line).shape.vector == record.shape.vector


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('a|b|{"x1": 1,|', "not valid JSON"),
        ('a|b|{"x1": "one"}|', "'one' is not a number"),
        ('a|b|{"z9": 1}|', "unexpected vector key"),
        ('a|b|{"x1": 1}|bq|', "unknown flags 'q'"),
        ("a|b", "expected imagename|type|vector"),
        ("a|b|[1, 2]|", "JSON object"),
    ],
)
def test_a_bad_line_names_its_number_and_problem(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "labels.txt"
    path.write_text('ok.png|Cell|{"x1": 1,"y1": 1,"x2": 2,"y2": 2}|\n\n' + line + "\n")
    with pytest.raises(ParseError) as caught:
        list(exact_text.parse(path).record_list)
    assert caught.value.location == "line 3"
    assert problem in caught.value.problem


def test_deleted_records_are_left_out_unless_asked(tmp_path: Path) -> None:
    kept = Record("a", "C", Shape.box(0, 0, 1, 1))
    gone = Record("a", "C", Shape.box(0, 0, 2, 2), deleted=True)
    assert exact_text.write(Document([kept, gone]), tmp_path / "x.txt") == 1
    assert exact_text.write(Document([kept, gone]), tmp_path / "y.txt", include_deleted=True) == 2
