"""Windows, colours and visibility on raw (16-bit) values; defaults from percentiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lamella.slides import ChannelDisplay, channel_stats, default_displays, open_slide
from lamella.slides.render import compose, encode, render_region
from tests.conftest import testdata as real_file


def test_a_sixteen_bit_window_maps_its_bounds_to_black_and_white(uint16_tiff: Path) -> None:
    with open_slide(uint16_tiff) as reader:
        region = reader.read_region((0, 0), 0, (300, 200))
    rgb = compose(region, [ChannelDisplay(0, (2000.0, 3000.0))])
    values = region[..., 0].astype(int)
    assert np.all(rgb[values <= 2000] == 0)
    assert np.all(rgb[values >= 3000] == 255)
    middle = (values > 2400) & (values < 2600)
    assert np.all((rgb[middle][:, 0] > 100) & (rgb[middle][:, 0] < 155))


def test_values_above_255_are_distinguished_by_the_window(uint16_tiff: Path) -> None:
    with open_slide(uint16_tiff) as reader:
        low = reader.read_region((0, 0), 0, (1, 1))  # 1000
        high = reader.read_region((299, 199), 0, (1, 1))  # 4000
    display = [ChannelDisplay(0, (1000.0, 4000.0))]
    assert compose(low, display)[0, 0, 0] == 0
    assert compose(high, display)[0, 0, 0] == 255


def test_channels_are_coloured_and_hidden_channels_contribute_nothing() -> None:
    region = np.zeros((1, 2, 3), dtype=np.uint16)
    region[0, 0] = (4095, 0, 0)
    region[0, 1] = (0, 4095, 4095)
    displays = [
        ChannelDisplay(0, (0.0, 4095.0), (255, 0, 0)),
        ChannelDisplay(1, (0.0, 4095.0), (0, 255, 0)),
        ChannelDisplay(2, (0.0, 4095.0), (0, 0, 255), visible=False),
    ]
    rgb = compose(region, displays)
    assert rgb[0, 0].tolist() == [255, 0, 0]
    assert rgb[0, 1].tolist() == [0, 255, 0]


def test_channel_stats_give_percentile_windows(uint16_tiff: Path) -> None:
    with open_slide(uint16_tiff) as reader:
        (stats,) = channel_stats(reader, percentiles=(1.0, 99.0))
        displays = default_displays(reader, [stats])
    assert stats.minimum == 1000 and stats.maximum == 4000
    assert stats.low == pytest.approx(1030, abs=2)
    assert stats.high == pytest.approx(3970, abs=2)
    assert sum(stats.histogram) == 300 * 200
    assert displays[0].window == (stats.low, stats.high)


def test_channel_stats_subsample_large_images_in_bands(uint16_tiff: Path) -> None:
    with open_slide(uint16_tiff) as reader:
        (stats,) = channel_stats(reader, max_samples=1000)
    assert 500 <= sum(stats.histogram) <= 2000
    assert 1000 <= stats.minimum < 1100 and 3800 < stats.maximum <= 4000


def test_qptiff_defaults_use_the_files_channel_colours() -> None:
    with open_slide(real_file("qptiff-vectra/small_vectra.qptiff")) as reader:
        stats = channel_stats(reader)
        displays = default_displays(reader, stats)
        png = render_region(reader, (0, 0), 0, (256, 256), displays=displays, image_format="png")
    assert [d.color for d in displays] == [(0, 0, 255), (0, 255, 0), (255, 255, 0)]
    assert all(d.window[1] > d.window[0] for d in displays)
    assert png.startswith(b"\x89PNG")


def test_brightfield_rgb_defaults_keep_the_stored_colours() -> None:
    with open_slide(real_file("exact-sync-sample/Eosinophile.png")) as reader:
        region = reader.read_region((0, 0), 0, (50, 50))
        displays = default_displays(reader)
    assert np.array_equal(compose(region, displays), region)


def test_an_unknown_format_is_refused() -> None:
    from lamella.slides import SlideError

    with pytest.raises(SlideError, match="jpeg or png"):
        encode(np.zeros((2, 2, 3), np.uint8), "gif")
