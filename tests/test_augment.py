"""The training augmentation (train/augment.py) on real MNIST digits, and what its
low-resolution part teaches the shipped model: digits photographed small and blurred."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from digits.mnist import load_arrays
from digits.runtime.model import Model
from digits.train.augment import augment, random_low_resolution


def mnist_batch(root: Path, n: int = 64) -> torch.Tensor:
    x, _ = load_arrays(root, train=False)  # uint8 [N,28,28]
    return torch.from_numpy(x[:n].astype(np.float32) / 255).reshape(n, 1, 28, 28)


def edges(x: torch.Tensor) -> torch.Tensor:
    """Per image: the summed absolute difference between neighbouring pixels."""
    return ((x[..., 1:, :] - x[..., :-1, :]).abs().sum((1, 2, 3))
            + (x[..., :, 1:] - x[..., :, :-1]).abs().sum((1, 2, 3)))


def test_low_resolution_blurs_the_third_quarter_only(mnist_root: Path) -> None:
    x = mnist_batch(mnist_root)
    out = random_low_resolution(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.equal(out[:32], x[:32]) and torch.equal(out[48:], x[48:])
    # softer edges, the same ink: a blurred digit, not a different or fainter one
    ratio = edges(out[32:48]) / edges(x[32:48])
    assert (ratio < 1).all() and ratio.mean() < 0.8, ratio
    mass = out[32:48].sum((1, 2, 3)) / x[32:48].sum((1, 2, 3))
    assert ((mass > 0.9) & (mass < 1.1)).all(), mass
    assert out.min() >= 0 and out.max() <= 1
    again = random_low_resolution(x, torch.Generator().manual_seed(0))
    other = random_low_resolution(x, torch.Generator().manual_seed(1))
    assert torch.equal(out, again) and not torch.equal(out, other)


def test_augment_keeps_shape_and_range(mnist_root: Path) -> None:
    x = mnist_batch(mnist_root, 128)
    out = augment(x.clone(), torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    assert not torch.equal(out, x)


def test_the_shipped_model_reads_digits_photographed_small(mnist_root: Path,
                                                           onnx_model: Path) -> None:
    """MNIST test digits shrunk to 10 px (a digit's whole 28 px box; a camera sees a digit
    ~1 % of a page photo's side so; OpenCV's area filter) and enlarged back to 28
    (bilinear), as the reader fits a crop: 96.7 % of 2,000 read right with the
    low-resolution augmentation, 91.7 % by the model trained before it."""
    x, y = load_arrays(mnist_root, train=False)
    x, y = x[:2000].astype(np.float32) / 255, y[:2000]
    small = np.stack([cv2.resize(cv2.resize(im, (10, 10), interpolation=cv2.INTER_AREA),
                                 (28, 28), interpolation=cv2.INTER_LINEAR) for im in x])
    got = Model(onnx_model, "cpu").probabilities(small[:, None]).argmax(1)
    assert (got == y).mean() >= 0.95
