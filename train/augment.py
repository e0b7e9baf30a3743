"""Batched, cheap augmentation on tensors, chosen for what a camera shows the model.

The runtime crops each digit, fits it in 20x20 and centres it by mass the way MNIST
was made, so what is left to learn is what cropping cannot undo: slant and rotation
(±12°), size and aspect left after fitting, a pixel or two of centring error, and
pens thicker or thinner than MNIST's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(x: torch.Tensor, generator: torch.Generator, degrees: float = 12.0,
                  scale: tuple[float, float] = (0.85, 1.08), shear: float = 0.15,
                  shift: float = 2.0) -> torch.Tensor:
    """Rotate, scale, shear and shift every image of [N,1,28,28] by its own draw."""
    n = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = uniform(-degrees, degrees) * (math.pi / 180)
    s = 1.0 / uniform(*scale)  # the grid maps output to input: shrink = larger grid
    aspect = uniform(0.9, 1.1)
    sh = uniform(-shear, shear)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([
        torch.stack([cos * s * aspect, (-sin + sh) * s, uniform(-shift, shift) / 14], dim=1),
        torch.stack([sin * s, cos * s / aspect, uniform(-shift, shift) / 14], dim=1),
    ], dim=1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_stroke(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Thicken the first quarter of the batch and thin the second, each by its own
    random fraction of a 3x3 dilation/erosion (batches come shuffled, so which images
    get it is random; slicing keeps the cost to half a batch of pooling)."""
    q = x.shape[0] // 4
    amount = torch.rand(2 * q, 1, 1, 1, generator=generator)
    thick, thin = x[:q], x[q:2 * q]
    dilated = F.max_pool2d(thick, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-thin, 3, stride=1, padding=1)
    return torch.cat([thick + 0.7 * amount[:q] * (dilated - thick),
                      thin - 0.4 * amount[q:] * (thin - eroded), x[2 * q:]])


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The default training augmentation for a batch of [N,1,28,28] in [0,1]."""
    return random_affine(random_stroke(x, generator), generator).clamp_(0, 1)
