"""The model registry: architectures by name, each taking [N,1,28,28] in [0,1] (ink = 1)
and returning logits [N,classes].

Normalisation is the first layer of every model, so exported graphs take raw [0,1]
pixels and no caller has to know MNIST's mean and std.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from digits.errors import DigitsError
from digits.labels import LABELS

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
# Output columns: the digits 0-9 and "not a digit" (digits.labels.LABELS). Checkpoints
# written before the reject class have no `classes` in their arch_config and 10 columns.
CLASSES = len(LABELS)


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) * (1.0 / MNIST_STD)


class MLP(nn.Module):
    """The seed tutorial's network, 784 -> 128 -> 64 -> classes with ReLU.

    It returns logits. The tutorial put a softmax before CrossEntropyLoss, which is a
    bug: CrossEntropyLoss applies log-softmax itself, so the double softmax flattens
    the gradients and training crawls (~93 % after 3 epochs instead of ~98 %).
    """

    def __init__(self, hidden: tuple[int, int] = (128, 64), classes: int = CLASSES) -> None:
        super().__init__()
        a, b = hidden
        self.net = nn.Sequential(
            Normalize(), nn.Flatten(),
            nn.Linear(784, a), nn.ReLU(), nn.Linear(a, b), nn.ReLU(), nn.Linear(b, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True), nn.MaxPool2d(2)]


class CNN(nn.Module):
    """Three 3x3 conv blocks (28 -> 14 -> 7 -> 3) and a small classifier head.

    Sized for the edge: batch-1 latency in onnxruntime on one CPU thread is close to
    the ONNX Model Zoo's 6k-parameter mnist-8, while batch norm, dropout and
    augmentation carry it past 99.5 % on MNIST test.
    """

    def __init__(self, channels: tuple[int, int, int] = (16, 32, 64), hidden: int = 128,
                 dropout: float = 0.1, classes: int = CLASSES) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            Normalize(), *_conv_block(1, c1), *_conv_block(c1, c2), *_conv_block(c2, c3),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c3 * 9, hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


ARCHITECTURES: dict[str, type[nn.Module]] = {"cnn": CNN, "mlp": MLP}
DEFAULT_ARCH = "cnn"


def build(arch: str, config: dict[str, Any] | None = None) -> nn.Module:
    """Instantiate a registered architecture; an unknown name is a DigitsError."""
    if arch not in ARCHITECTURES:
        raise DigitsError(f"unknown architecture {arch!r} (known: {', '.join(ARCHITECTURES)})")
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in (config or {}).items()}
    return ARCHITECTURES[arch](**config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
