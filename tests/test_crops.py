"""What the model sees (common/crops.py): thin strokes of large boxes thickened."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import assert_fitted_crop
from digits import crops
from digits.runtime.model import Model


def _ring_eight(height: int) -> np.ndarray:
    """An 8 drawn as two rings with a 2-px pen, ``height`` px tall: float32 ink box."""
    canvas = np.zeros((height + 20, height), np.uint8)
    c = height // 2
    cv2.ellipse(canvas, (c, 10 + height // 4), (height // 5, height // 4), 0, 0, 360, 255, 2,
                cv2.LINE_AA)
    cv2.ellipse(canvas, (c, 10 + 3 * height // 4), (height // 4, height // 4), 20, 0, 360,
                255, 2, cv2.LINE_AA)
    x, y, w, h = cv2.boundingRect(canvas)
    return canvas[y:y + h, x:x + w].astype(np.float32) / 255


@pytest.mark.parametrize("height", [300, 600])
def test_a_wide_disc_thickens_as_the_exact_dilation_does(monkeypatch, onnx_model,
                                                         height: int) -> None:
    """A 2-px pen in a box hundreds of pixels tall needs a disc wider than DILATE_MAX; the
    distance transform that stands in for it gives the crop the disc gives, within 0.2 %
    of its ink on average, and the model reads both as the 8 they are."""
    ink = _ring_eight(height)
    stroke = crops.stroke_width(np.uint8(ink > 0.5))
    assert crops.MNIST_STROKE * max(ink.shape) / crops.BOX - stroke > crops.DILATE_MAX
    fast = crops.fit(ink, stroke)
    monkeypatch.setattr(crops, "DILATE_MAX", 10**6)
    exact = crops.fit(ink, stroke)
    assert_fitted_crop(fast)
    assert np.abs(fast - exact).mean() < 0.002 and np.abs(fast - exact).max() < 0.1
    labels = Model(onnx_model, "cpu").probabilities(np.stack([fast, exact])[:, None]).argmax(1)
    assert list(labels) == [8, 8]
