"""The scene generator (digits.scenes): each condition makes what it claims, with ground
truth that matches the pixels (labels in reading order, one box per digit, on ink)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from digits import scenes
from digits.mnist import load_arrays

FAST = [c for c in scenes.CONDITIONS if c != "page"]


@pytest.fixture(scope="module")
def mnist(mnist_root: Path) -> tuple[np.ndarray, np.ndarray]:
    return load_arrays(mnist_root, train=False)


def _check_truth(scene: scenes.Scene) -> None:
    h, w = scene.image.shape[:2]
    assert len(scene.labels) == len(scene.boxes)
    assert all(isinstance(v, int) and 0 <= v <= 9 for v in scene.labels)
    opaque = scene.image.shape[2] == 3 or scene.image[:, :, 3].min() == 255
    gray = cv2.cvtColor(scene.image[:, :, :3], cv2.COLOR_BGR2GRAY) if opaque \
        else scene.image[:, :, 3]
    for x, y, bw, bh in scene.boxes:
        assert bw >= 1 and bh >= 4 and x >= -3 and y >= -3 and x + bw <= w + 3 \
            and y + bh <= h + 3, (x, y, bw, bh, w, h)
        patch = gray[max(0, y):y + bh, max(0, x):x + bw].astype(np.float32)
        assert np.ptp(patch) > 25  # ink is there, not blank paper
    # reading order: a box further down than the previous one's bottom starts a new line;
    # within a line, x increases
    for (x0, y0, _w0, h0), (x1, y1, _w1, _h1) in zip(scene.boxes, scene.boxes[1:], strict=False):
        assert y1 > y0 + h0 / 2 or x1 > x0, scene.boxes


@pytest.mark.parametrize("condition", FAST)
def test_condition_frames_and_truth(condition: str, mnist) -> None:
    frames = scenes.generate_condition(condition, 6, seed=2, mnist=mnist)
    assert len(frames) == 6 and {f.condition for f in frames} == {condition}
    for f in frames:
        assert f.image.dtype == np.uint8
        if condition == "canvas":
            assert f.image.ndim == 3 and f.image.shape[2] == 4  # BGRA
        elif condition == "crop":
            assert f.image.shape[2] == 3
        else:
            assert f.image.shape == (480, 640, 3)
        _check_truth(f)
        if condition == "no-digits":
            assert f.labels == []
        else:
            assert f.labels, f"{condition}: a frame without digits"


def test_conditions_are_reproducible(mnist) -> None:
    a = scenes.generate_condition("desk", 2, seed=4, mnist=mnist)
    b = scenes.generate_condition("desk", 2, seed=4, mnist=mnist)
    assert all(np.array_equal(x.image, y.image) and x.boxes == y.boxes
               for x, y in zip(a, b, strict=True))
    c = scenes.generate_condition("desk", 2, seed=5, mnist=mnist)
    assert not np.array_equal(a[0].image, c[0].image)


def test_hands_taken_in_turn(mnist) -> None:
    frames = scenes.generate_condition("clean", 6, seed=1, mnist=mnist)
    assert [f.source for f in frames] == list(scenes.HANDS) * 2


def test_canvas_both_polarities_transparent_and_opaque(mnist) -> None:
    frames = scenes.generate_condition("canvas", 40, seed=3, mnist=mnist)
    kinds = set()
    for f in frames:
        alpha, colour = f.image[:, :, 3], f.image[:, :, :3]
        transparent = alpha.min() == 0
        ink = colour[alpha == alpha.max()].mean() if transparent else None
        if transparent:
            kinds.add(("transparent", "white" if ink > 128 else "dark"))
        else:
            kinds.add(("opaque", "white-on-dark" if np.median(colour) < 128 else "dark-on-white"))
    assert len(kinds) == 4, kinds


def test_desk_paper_covers_part_of_a_coloured_desk(mnist) -> None:
    for f in scenes.generate_condition("desk", 8, seed=6, mnist=mnist):
        hsv = cv2.cvtColor(f.image, cv2.COLOR_BGR2HSV)
        border = np.concatenate([hsv[:4].reshape(-1, 3), hsv[-4:].reshape(-1, 3)])
        paper = hsv[[y + h // 2 for _x, y, _w, h in f.boxes], [x for x, *_ in f.boxes]]
        # the desk (frame edges) is not the paper the digits are on
        assert np.abs(np.median(border, 0) - np.median(paper, 0)).max() > 8 or \
            len(f.boxes) == 0


def test_crops_are_tight(mnist) -> None:
    for f in scenes.generate_condition("crop", 10, seed=8, mnist=mnist):
        h, w = f.image.shape[:2]
        x0 = min(b[0] for b in f.boxes)
        x1 = max(b[0] + b[2] for b in f.boxes)
        y0 = min(b[1] for b in f.boxes)
        y1 = max(b[1] + b[3] for b in f.boxes)
        assert (x0, y0) == (0, 0) and (x1, y1) == (w, h)  # the ink touches all four edges


def test_a_crop_whose_first_digit_is_wider_than_its_paper_is_written_again(mnist) -> None:
    """Frame 312 of crop seed 5: its one digit, wider than the 1.2 digit heights of paper
    the crop is cut from, did not fit; with nothing written, making the frame raised."""
    last = scenes.generate_condition("crop", 313, seed=5, mnist=mnist)[-1]
    assert len(last.labels) == len(last.boxes) >= 1


def test_thin_ones_are_15_to_25_times_taller_than_wide(mnist) -> None:
    ones = [b for f in scenes.generate_condition("thin-ones", 10, seed=9, mnist=mnist)
            for label, b in zip(f.labels, f.boxes, strict=True) if label == 1]
    assert len(ones) >= 10
    ratios = [h / w for _x, _y, w, h in ones]
    assert min(ratios) >= 14 and max(ratios) <= 26, ratios


def test_touching_digits_touch(mnist) -> None:
    for f in scenes.generate_condition("touching", 10, seed=10, mnist=mnist):
        assert 2 <= len(f.labels) <= 5
        for a, b in zip(f.boxes, f.boxes[1:], strict=False):
            assert b[0] <= a[0] + a[2] + 1  # no gap between neighbours' boxes


def test_squared_grid_is_nearly_as_dark_as_ink() -> None:
    rng = np.random.default_rng(0)
    frames = [scenes._frame_squared(rng, scenes.Hands(np.zeros((10, 28, 28), np.uint8),
                                                      np.arange(10)), "strokes") for _ in range(3)]
    for f in frames:
        gray = cv2.cvtColor(f.image, cv2.COLOR_BGR2GRAY)
        paper = np.percentile(gray, 90)
        ink = min(np.percentile(gray[max(0, y):y + h, max(0, x):x + w], 3)
                  for x, y, w, h in f.boxes)
        mask = np.ones_like(gray, bool)
        for x, y, w, h in f.boxes:
            mask[max(0, y - 5):y + h + 5, max(0, x - 5):x + w + 5] = False
        grid = np.percentile(gray[mask], 2)  # the darkest printed lines away from digits
        assert grid - ink < 0.6 * (paper - ink), (ink, grid, paper)


@pytest.mark.slow
def test_page_is_12_megapixels_with_small_digits(mnist) -> None:
    (f,) = scenes.generate_condition("page", 1, seed=1, mnist=mnist)
    assert f.image.shape == (3024, 4032, 3)
    _check_truth(f)
    heights = [h for *_, h in f.boxes]
    assert 0.015 * 3024 <= np.median(heights) <= 0.045 * 3024


def test_original_generate_is_unchanged(mnist) -> None:
    """generate()/render() keep their frames: the demo's samples are the same files."""
    (s,) = scenes.generate(1, seed=7, sources=("mnist",), mnist=mnist)
    assert s.labels == [7, 9, 4, 0, 7, 7] and s.condition == "camera"


def test_ruled_frames_hold_no_digit_outside_their_truth(mnist, monkeypatch) -> None:
    """Every number whose ink is on the photographed canvas is in the truth: a second line
    that would overlap the first is not drawn at all (it once was drawn and left out of
    the truth, and the reader was blamed for reading it)."""
    written: list[tuple[tuple[np.ndarray, ...], np.ndarray, list[int]]] = []
    drawn: list[int] = []
    write, photo = scenes._write, scenes._photo

    def spy_write(canvas, *a, **kw):
        before = canvas.copy()
        out = write(canvas, *a, **kw)
        where = np.nonzero(np.any(canvas != before, axis=-1))
        written.append((where, canvas[where].copy(), out[0]))
        return out

    def spy_photo(canvas, *a, **kw):
        for where, ink, labels in written:
            if len(ink) and np.mean(np.all(canvas[where] == ink, axis=-1)) > 0.9:
                drawn.extend(labels)
        return photo(canvas, *a, **kw)

    monkeypatch.setattr(scenes, "_write", spy_write)
    monkeypatch.setattr(scenes, "_photo", spy_photo)
    for seed in range(40):
        written.clear()
        drawn.clear()
        (f,) = scenes.generate_condition("ruled", 1, seed=seed, mnist=mnist)
        assert drawn == f.labels, seed
