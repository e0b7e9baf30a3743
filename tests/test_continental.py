"""The continental hand (train/continental.py): flagged 1s and crossed 7s made from MNIST's
own strokes, rendered like the runtime's crops, reproducible, mixed into batches with
their digit's label."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from conftest import assert_fitted_crop
from digits import crops, mnist
from digits.train import continental, loop


def _mnist(label: int, count: int) -> np.ndarray:
    x, y = mnist.load_arrays(mnist.default_root(), train=True)
    return (x[y == label][:count].astype(np.float32) / 255)[:, None]


def _drawn(points: list[tuple[int, int]]) -> np.ndarray:
    canvas = np.zeros((28, 28), np.uint8)
    cv2.polylines(canvas, [np.array(points, np.int32)], False, 255, 2, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255


def _rows(ink: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(ink.any(1))
    return int(rows[0]), int(rows[-1])


def test_a_flag_rises_to_the_top_of_an_upright_one() -> None:
    """On a bare upright stroke the ink added left of it is a flag in the upper half (its
    first rows hide in the stroke's own width when it is steep), and at times a base at
    the foot; nothing else."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        crop = continental.flagged_one(_drawn([(14, 4), (14, 24)]), rng)
        assert_fitted_crop(crop)
        ink = crop > 0.3
        top, bottom = _rows(ink)
        stroke = np.flatnonzero(ink[(top + bottom) // 2])
        left = np.flatnonzero(ink[:, :stroke.min()].any(1))
        flag, base = left[left <= (top + bottom) // 2], left[left > (top + bottom) // 2]
        assert len(flag) and flag.max() - top <= 11, left
        assert len(base) == 0 or base.min() >= bottom - 3, left


def test_a_bar_crosses_the_seven() -> None:
    """On a drawn 7 (level top, straight stem) the rows between its top bar and its foot
    get a bar: ink on both sides of the stem."""
    rng = np.random.default_rng(1)
    seven = _drawn([(6, 4), (22, 4), (11, 24)])

    def widest_middle_row(ink: np.ndarray) -> int:
        top, bottom = _rows(ink)
        return int(ink[top + 5:bottom - 3].sum(1).max())

    plain = widest_middle_row(crops.from_drawing(continental._canvas(seven)[0]) > 0.3)
    for _ in range(20):
        crossed = continental.crossed_seven(seven, rng) > 0.3
        assert_fitted_crop(crossed.astype(np.float32))
        assert widest_middle_row(crossed) >= plain + 4


def test_mnist_ones_and_sevens_go_through() -> None:
    """Real MNIST 1s and 7s go through without error and come out fitted and centred."""
    rng = np.random.default_rng(2)
    for one, seven in zip(_mnist(1, 15)[:, 0], _mnist(7, 15)[:, 0], strict=True):
        assert_fitted_crop(continental.flagged_one(one, rng))
        assert_fitted_crop(continental.crossed_seven(seven, rng))


def test_generated_half_each_reproducible_and_only_from_what_is_there() -> None:
    ones, sevens = _mnist(1, 30), _mnist(7, 30)
    images = np.concatenate([ones, sevens])
    labels = np.array([1] * 30 + [7] * 30)
    x, y = continental.generate(images, labels, 40, seed=3)
    assert x.shape == (40, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert (y == 1).sum() == 20 and (y == 7).sum() == 20
    assert x.min() >= 0 and x.max() <= 1
    again, _ = continental.generate(images, labels, 40, seed=3)
    assert np.array_equal(x, again)
    assert not np.array_equal(x, continental.generate(images, labels, 40, seed=4)[0])
    # a --limit run whose images hold no 7: only 1s; none of either: nothing
    _, only = continental.generate(ones, np.ones(30, int), 10, seed=3)
    assert set(only) == {1}
    empty, _ = continental.generate(images[:0], labels[:0], 10, seed=3)
    assert empty.shape == (0, 1, 28, 28)


def test_batches_get_them_with_their_digit_labels() -> None:
    bank, bank_labels = (torch.from_numpy(a) for a in continental.generate(
        np.concatenate([_mnist(1, 8), _mnist(7, 8)]), np.array([1] * 8 + [7] * 8), 16, 0))
    x, y = torch.zeros(128, 1, 28, 28), torch.full((128,), 3)
    bx, by = loop._mixed_in(x, y, bank, bank_labels, 4, torch.Generator().manual_seed(0))
    assert bx.shape == (132, 1, 28, 28)
    added = by != 3
    assert added.sum() == 4 and set(by[added].tolist()) <= {1, 7}
    assert torch.all(bx[added].flatten(1).sum(1) > 0) and torch.all(bx[~added] == 0)
