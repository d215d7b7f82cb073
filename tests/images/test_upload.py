"""upload_images: access, duplicates, zips, and bad files refused with nothing left behind."""

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from lamella.images import storage
from lamella.images.models import Image
from lamella.images.services import (
    BadUpload,
    UploadError,
    UploadForbidden,
    UploadNotFound,
    UploadTooLarge,
    upload_images,
)
from lamella.jobs.models import Job
from tests.conftest import testdata
from tests.images.helpers import files_under, upload_and_ingest

PNG = "exact-sync-sample/Eosinophile.png"
SVS = "aperio-cmu-small-region/CMU-1-Small-Region.svs"


def png_bytes(
    size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (200, 10, 10)
) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def assert_nothing_left(cast: Any, data_dir: Path, images_before: int) -> None:
    assert Image.objects.count() == images_before
    assert Job.objects.count() == 0
    assert files_under(data_dir / "images") == []
    assert not (data_dir / "images").exists() or not any((data_dir / "images").rglob("*"))


def test_an_upload_creates_a_queued_image_and_its_ingest_job_makes_it_ready(
    cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = testdata(SVS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (image,) = upload_images(
            user=cast.owner, image_set=cast.image_set, files=[(path.name, path)]
        )
    assert image.ingest_state == "queued" and (image.width, image.height) == (2220, 2967)
    assert len(image.checksum) == 64  # sha512
    for callback in callbacks:
        callback()
    image.refresh_from_db()
    assert image.ingest_state == "ready" and image.ingest_progress == 100
    assert image.mpp == pytest.approx(0.499) and image.objectivePower == 20
    assert image.metadata["levels"][0] == {"width": 2220, "height": 2967, "downsample": 1.0}
    assert Job.objects.get(kind="ingest").status == "succeeded"
    assert storage.original_path(image).read_bytes() == path.read_bytes()


def test_a_plain_image_is_converted_to_a_pyramid_with_progress(
    cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = testdata(PNG)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.metadata["served"] == "pyramid.tiff"
    assert storage.served_path(image).read_bytes()[:4] == b"II+\x00"  # BigTIFF
    job = Job.objects.get(kind="ingest")
    assert job.progress == 100 and any("converting" in line for line in job.log)


def test_a_multi_frame_image_gets_frame_descriptions_and_channel_windows(
    cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = testdata("ome-tiff/multi-channel-z-series.ome.tif")
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert (image.frames, image.channels) == (5, 3)
    assert list(image.FrameDescriptions.values_list("frame_id", flat=True)) == [0, 1, 2, 3, 4]
    windows = [channel["window"] for channel in image.metadata["channels"]]
    assert all(low < high for low, high in windows)
    assert image.metadata["dtype"] == "int8"


def test_the_same_name_and_content_is_skipped_silently(
    cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    data = png_bytes()
    first = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[("a.png", io.BytesIO(data))],
    )
    again = upload_images(
        user=cast.owner, image_set=cast.image_set, files=[("a.png", io.BytesIO(data))]
    )
    renamed = upload_images(
        user=cast.owner, image_set=cast.image_set, files=[("b.png", io.BytesIO(data))]
    )
    changed = upload_images(
        user=cast.owner,
        image_set=cast.image_set,
        files=[("a.png", io.BytesIO(png_bytes(color=(1, 2, 3))))],
    )
    assert len(first) == 1 and again == []
    assert len(renamed) == 1 and len(changed) == 1
    assert changed[0].filename != first[0].filename  # stored beside, not over, the first


def test_a_zip_of_images_becomes_one_image_per_file(cast: Any, data_dir: Path) -> None:
    archive = zip_bytes(
        {
            "x/one.png": png_bytes(),
            "two.png": png_bytes(color=(0, 0, 9)),
            "__MACOSX/._one.png": b"junk",
        }
    )
    images = upload_images(
        user=cast.owner, image_set=cast.image_set, files=[("pair.zip", io.BytesIO(archive))]
    )
    assert sorted(image.name for image in images) == ["one.png", "two.png"]
    assert all(storage.original_path(image).is_file() for image in images)


def test_a_zip_holding_a_folder_format_makes_images_of_its_index_files_only(
    cast: Any, data_dir: Path
) -> None:
    # A real MRXS is not among the test files; the rule shows with a stand-in index that
    # fails to open: only the .mrxs entry is looked at, not the data files beside it.
    archive = zip_bytes(
        {
            "slide.mrxs": b"not really",
            "slide/Slidedat.ini": b"[GENERAL]",
            "slide/Data0.dat": png_bytes(),
        }
    )
    with pytest.raises(BadUpload, match=r"slide\.mrxs"):
        upload_images(
            user=cast.owner, image_set=cast.image_set, files=[("s.zip", io.BytesIO(archive))]
        )


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "/etc/evil.png", "a/../../evil.png", "C:/evil.png", "..\\evil.png"],
)
def test_a_zip_entry_leaving_its_folder_is_refused(cast: Any, data_dir: Path, name: str) -> None:
    archive = zip_bytes({"good.png": png_bytes(), name: png_bytes()})
    before = Image.objects.count()
    with pytest.raises(BadUpload, match="unsafe"):
        upload_images(
            user=cast.owner, image_set=cast.image_set, files=[("z.zip", io.BytesIO(archive))]
        )
    assert_nothing_left(cast, data_dir, before)
    assert not (data_dir / "evil.png").exists() and not (data_dir.parent / "evil.png").exists()


def truncated(tmp_path: Path) -> Path:
    data = testdata(SVS).read_bytes()
    target = tmp_path / "truncated.svs"
    target.write_bytes(data[: len(data) // 3])
    return target


def truncated_jpeg(tmp_path: Path) -> Path:
    data = testdata("nuclei-stardist/histo.jpg").read_bytes()
    target = tmp_path / "cut.jpg"
    target.write_bytes(data[: len(data) // 2])
    return target


def wrong_extension(tmp_path: Path) -> Path:
    target = tmp_path / "table.tiff"
    target.write_text("name,value\nA,1\n")
    return target


BROKEN = {
    "broken.svs": lambda tmp: testdata("tiny-format-fixtures/broken.svs"),
    "unopenable.tiff": lambda tmp: testdata("tiny-format-fixtures/unopenable.tiff"),
    "truncated svs": truncated,
    "truncated jpeg": truncated_jpeg,
    "wrong extension": wrong_extension,
    "annotations, not a slide": lambda tmp: testdata("dicom-wsi/sm_annotations.dcm"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_with_a_message_and_leaves_nothing(
    cast: Any, data_dir: Path, tmp_path: Path, case: str
) -> None:
    path = BROKEN[case](tmp_path)
    good = testdata(PNG)
    before = Image.objects.count()
    with pytest.raises(BadUpload) as refused:
        upload_images(
            user=cast.owner,
            image_set=cast.image_set,
            files=[(good.name, good), (path.name, path)],  # all or nothing: the good one too
        )
    assert refused.value.status == 400 and path.name in refused.value.detail
    assert_nothing_left(cast, data_dir, before)


def test_an_image_above_the_pixel_cap_is_refused_with_413(
    cast: Any, data_dir: Path, settings: Any
) -> None:
    settings.MAX_IMAGE_PIXELS = 1_000_000
    buffer = io.BytesIO()
    PILImage.new("1", (3000, 3000)).save(buffer, "PNG")  # tiny file, 9 megapixels
    buffer.seek(0)
    before = Image.objects.count()
    with pytest.raises(UploadTooLarge, match="exceed"):
        upload_images(user=cast.owner, image_set=cast.image_set, files=[("bomb.png", buffer)])
    path = testdata(SVS)
    with pytest.raises(UploadTooLarge):
        upload_images(user=cast.owner, image_set=cast.image_set, files=[(path.name, path)])
    assert_nothing_left(cast, data_dir, before)


def test_a_locked_set_refuses_uploads(cast: Any, data_dir: Path) -> None:
    cast.image_set.image_lock = True
    cast.image_set.save()
    with pytest.raises(UploadForbidden, match="locked"):
        upload_images(
            user=cast.owner, image_set=cast.image_set, files=[("a.png", io.BytesIO(png_bytes()))]
        )


def test_an_outsider_cannot_see_the_set_and_a_public_reader_cannot_add(
    cast: Any, data_dir: Path
) -> None:
    files = [("a.png", io.BytesIO(png_bytes()))]
    with pytest.raises(UploadNotFound):
        upload_images(user=cast.outsider, image_set=cast.image_set, files=files)
    cast.image_set.public = True
    cast.image_set.save()
    with pytest.raises(UploadForbidden):
        upload_images(user=cast.outsider, image_set=cast.image_set, files=files)
    with pytest.raises(UploadForbidden):
        upload_images(user=cast.anonymous, image_set=cast.image_set, files=files)


def test_a_team_member_may_upload(cast: Any, data_dir: Path) -> None:
    (image,) = upload_images(
        user=cast.member, image_set=cast.image_set, files=[("m.png", io.BytesIO(png_bytes()))]
    )
    assert image.creator == cast.member


def test_an_empty_upload_is_refused(cast: Any, data_dir: Path) -> None:
    with pytest.raises(UploadError):
        upload_images(user=cast.owner, image_set=cast.image_set, files=[])
    with pytest.raises(BadUpload, match="empty"):
        upload_images(user=cast.owner, image_set=cast.image_set, files=[("e.png", io.BytesIO())])


def test_an_ingest_that_cannot_read_the_file_marks_the_image_failed(
    cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = testdata(SVS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (image,) = upload_images(
            user=cast.owner, image_set=cast.image_set, files=[(path.name, path)]
        )
    target = storage.original_path(image)
    shutil.copyfile(testdata("tiny-format-fixtures/unopenable.tiff"), target)
    for callback in callbacks:
        callback()
    image.refresh_from_db()
    assert image.ingest_state == "failed"
    assert image.ingest_error
    assert Job.objects.get(kind="ingest").status == "failed"
