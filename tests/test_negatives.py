"""The "not a digit" examples (train/negatives.py): rendered like the runtime's crops,
every kind drawn, reproducible, and mixed into training batches with the reject target."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from digits.labels import LABELS, NOT_A_DIGIT
from digits.train import loop, negatives


@pytest.mark.parametrize("kind", list(negatives.KINDS))
def test_each_kind_is_an_mnist_style_crop(kind: str) -> None:
    x = negatives.generate(40, seed=3, kinds=(kind,))
    assert x.shape == (40, 1, 28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    for crop in x[:, 0]:
        ys, xs = np.nonzero(crop > 0.05)
        assert len(xs), "an empty negative"
        assert max(np.ptp(ys), np.ptp(xs)) in (18, 19, 20)  # longer side fitted to 20 px
        m = crop.sum()
        cy, cx = (crop * np.arange(28)[:, None]).sum() / m, (crop * np.arange(28)).sum() / m
        assert abs(cy - 14) < 1.5 and abs(cx - 14) < 1.5  # centred by mass


def test_strokes_are_as_wide_as_mnist_pens() -> None:
    """Median ink per row of the line pieces ~ the stroke width: 1.7-3.4 px, like MNIST."""
    lines = negatives.generate(60, seed=5, kinds=("line",))[:, 0]
    widths = [np.median(c.sum(0)[c.sum(0) > 0.5]) for c in lines]
    assert 1.2 <= np.median(widths) <= 4.0, np.median(widths)


def test_same_seed_same_images_and_kinds_mixed() -> None:
    a, b = negatives.generate(64, seed=9), negatives.generate(64, seed=9)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, negatives.generate(64, seed=10))
    assert abs(sum(negatives.WEIGHTS.values()) - 1) < 1e-9
    assert set(negatives.WEIGHTS) == set(negatives.KINDS)


def test_batches_get_negatives_with_the_reject_target() -> None:
    assert LABELS[loop.REJECT] == NOT_A_DIGIT and loop.REJECT == 10
    bank = torch.from_numpy(negatives.generate(32, seed=1))
    x, y = torch.zeros(128, 1, 28, 28), torch.randint(0, 10, (128,))
    gen = torch.Generator().manual_seed(0)
    bx, by = loop._mixed_in(x, y, bank, None, 13, gen)
    assert bx.shape == (141, 1, 28, 28) and (by == loop.REJECT).sum() == 13
    assert torch.all(bx[by == loop.REJECT].flatten(1).sum(1) > 0)  # the negatives' ink
    assert torch.all(bx[by != loop.REJECT] == 0)  # the digits, untouched
    assert (by[:128] == loop.REJECT).sum() > 0  # shuffled in, not appended
