"""EXACT's ExportFormat templates: every placeholder, conditionals and image aggregation."""

from __future__ import annotations

from pathlib import Path

from lamella.interop import exact_template
from lamella.interop.exact_template import ExportFormat, ImageSetInfo
from lamella.interop.model import Document, Record, Shape, VectorType, Vote

SET = ImageSetInfo(name="set1", description="desc", team="lab", location="/data")


def _document() -> Document:
    box = Record(
        "a.png",
        "Cell",
        Shape.box(10, 20, 30, 60, frame=2),
        unique_identifier="u1",
        user="alice",
        last_editor="bob",
        time="t0",
        last_edit_time="t1",
        meta_data={"k": 1},
        blurred=True,
    )
    point = Record("a.png", "Dot", Shape.point(100, 200, 5), unique_identifier="u2")
    outside = Record("b.png", "Cell", Shape(VectorType.BOUNDING_BOX, None))
    deleted = Record("b.png", "Cell", Shape.box(0, 0, 1, 1), deleted=True)
    return Document([box, point, outside, deleted], images={"a.png": (100, 200), "b.png": (50, 50)})


def test_the_default_format_writes_exacts_label_lines() -> None:
    text, count, name = exact_template.render(_document(), export_id=7)
    assert count == 3
    assert name == "export_7.txt"
    lines = text.strip("\n").split("\n")
    assert lines[0] == 'a.png|Cell|{"x1": 10,"y1": 20,"x2": 30,"y2": 60}|'
    assert lines[2] == "b.png|Cell|not in image"


def test_every_annotation_placeholder_is_filled() -> None:
    names = [
        "imageset", "imagewidth", "imageheight", "imagename", "type", "frame", "first_editor",
        "first_timepoint", "last_editor", "last_timepoint", "UUID", "meta_data", "deleted", "rad",
        "dia", "cx", "cy", "minx", "maxx", "miny", "maxy", "width", "height", "relrad", "reldia",
        "relcx", "relcy", "relminx", "relmaxx", "relminy", "relmaxy", "relwidth", "relheight",
    ]  # fmt: skip
    fmt = ExportFormat(annotation_format=";".join(f"%%{n}" for n in names), class_names={"Cell"})
    fmt.not_in_image_format = "skip"
    text, _, _ = exact_template.render(_document(), fmt, image_set=SET)
    values = dict(zip(names, text.strip("\n").split("\n")[0].split(";"), strict=True))
    assert values["imageset"] == "set1" and values["imagewidth"] == "100"
    assert values["frame"] == "2" and values["UUID"] == "u1" and values["deleted"] == "False"
    assert (values["first_editor"], values["last_editor"]) == ("alice", "bob")
    assert (values["first_timepoint"], values["last_timepoint"]) == ("t0", "t1")
    assert values["meta_data"] == '{"k": 1}'
    assert (values["cx"], values["cy"], values["width"], values["height"]) == (
        "20",
        "40",
        "20",
        "40",
    )
    assert (values["minx"], values["maxy"]) == ("10", "60")
    assert values["rad"] == "15" and values["dia"] == "30"
    assert values["relwidth"] == "0.2" and values["relminy"] == "0.1"
    assert float(values["relrad"]) == (15 / 100 + 15 / 200) / 2


def test_vector_placeholders_repeat_per_node() -> None:
    fmt = ExportFormat(annotation_format="%%vector", vector_format="%%count0:%%x,%%y/%%relx %%br")
    document = Document(
        [Record("a.png", "C", Shape.box(10, 20, 30, 60))], images={"a.png": (100, 200)}
    )
    text, _, _ = exact_template.render(document, fmt)
    assert text == "\n0:10,20/0.1 \n1:30,60/0.3 \n\n"


def test_conditionals_keep_or_drop_their_text() -> None:
    fmt = ExportFormat(
        annotation_format="%%UUID%%ifblurred B%%endif%%ifnotblurred N%%endif"
        "%%ifconcealed C%%endif%%ifnotconcealed V%%endif"
    )
    text, _, _ = exact_template.render(_document(), fmt)
    assert text.split("\n")[1:3] == ["u1 B V", "u2 N V"]


def test_blurred_concealed_deleted_and_verification_filters() -> None:
    assert exact_template.render(_document(), ExportFormat(include_blurred=False))[1] == 2
    assert exact_template.render(_document(), ExportFormat(annotation_format="%%deleted"))[1] == 4
    document = _document()
    document.record_list[1].votes = [Vote("x", verified=True)]
    assert exact_template.render(document, ExportFormat(min_verifications=1))[1] == 1


def test_image_aggregation_and_base_placeholders(tmp_path: Path) -> None:
    fmt = ExportFormat(
        base_format="%%imageset by %%team (%%setdescription at %%setlocation)%%content[%%view]",
        image_format="# %%imagename %%imagewidthx%%imageheight n=%%annoamount f=%%frame\n"
        "%%annotations",
        annotation_format="%%type %%cx %%cy",
        name_format="%%team-%%imageset.txt",
        image_aggregation=True,
    )
    text, count, name = exact_template.render(_document(), fmt, image_set=SET, view="log")
    assert name == "lab-set1.txt" and count == 3
    assert text.startswith(
        "set1 by lab (desc at /data)\n# a.png 100x200 n=2 f=1\nCell 20 40\nDot 100 200\n"
    )
    assert text.endswith("[log]")
    assert exact_template.write(_document(), tmp_path / "e.txt", export_format=fmt) == 3
    assert (tmp_path / "e.txt").read_text().startswith(" by  (")
