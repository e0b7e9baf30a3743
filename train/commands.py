"""``digits train``.

Only click is imported here; torch comes in when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from digits.options import (
    FiniteFloatRange,
    data_option,
    device_option,
    mnist_root,
    out_option,
)
from digits.paths import ARTIFACTS

# AdamW's peak learning rate: the defaults are 2e-3 and 4e-3; from about 0.1 up the cnn
# trains to NaN or to chance (issue 9 saw --lr 40 do so). 1 is far past any useful value.
MAX_LR = 1.0
# torch.manual_seed takes 64-bit seeds; a larger one was a traceback.
MAX_SEED = 2**63 - 1

# The keys of models.ARCHITECTURES, here so that --arch is checked before torch is
# imported (a test keeps the two equal).
ARCH_CHOICES = ("cnn", "mlp")


@click.command()
@click.option("--arch", type=click.Choice(ARCH_CHOICES), default=None,
              help="Architecture [default: cnn, or the --init model's].")
@click.option("--epochs", type=int,
              help="Epochs (default: 5 for cnn, 8 for mlp; 3 with --init).")
@click.option("--batch-size", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--lr", type=FiniteFloatRange(min=0, max=MAX_LR, min_open=True),
              help="Peak learning rate of the one-cycle schedule (default per arch; 5e-4 "
                   "with --init).")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True)
@device_option("auto: CUDA when torch sees it, else CPU. cuda: CUDA or an error.")
@click.option("--val-split", type=click.IntRange(min=0), default=0, show_default=True,
              help="Training images held out to report validation accuracy on.")
@click.option("--no-augment", is_flag=True, help="Train on plain MNIST (no random affine/stroke, "
              "no flagged 1s and crossed 7s made from MNIST's, no printed digits).")
@click.option("--limit", type=click.IntRange(min=0), default=0,
              help="Use only the first N training images (quick runs).")
@click.option("--negatives", type=click.FloatRange(0, 1),
              help="'Not a digit' examples added per digit in a batch (default 0.1; 0 trains "
                   "a 10-class model without the reject class). With --init the classes are "
                   "the model's: default 0.1 with its reject class, none without.")
@data_option
@out_option(ARTIFACTS, "Folder for digits.pt and training_curve.png.")
@click.option("--images", type=click.Path(file_okay=False, path_type=Path),
              help="Also train on a folder of your own digits: DIR/0/ ... DIR/9/, and "
                   "DIR/not-a-digit/ for a model with that class (what `digits recognize "
                   "--save-crops DIR` writes, or any single-digit images).")
@click.option("--mnist-ratio", type=click.FloatRange(min=0), default=4.0, show_default=True,
              help="With --images: MNIST training images per folder image in each epoch "
                   "(keeps what the model knew; 0 = the folder only).")
@click.option("--holdout", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="With --images: fraction of each class held out and reported apart "
                   "from MNIST test.")
@click.option("--init", type=click.Path(dir_okay=False, path_type=Path),
              help="Start a NEW run from a finished model's weights (fine-tuning; "
                   "e.g. artifacts/digits.pt), on a short schedule.")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path),
              help="Continue an INTERRUPTED run exactly from its digits.last.pt.")
def train(arch: str | None, epochs: int | None, batch_size: int, lr: float | None, seed: int,
          device: str, val_split: int, no_augment: bool, limit: int, negatives: float | None,
          data_root: Path | None, out: Path, images: Path | None, mnist_ratio: float,
          holdout: float, init: Path | None, resume: Path | None) -> None:
    """Train a digit classifier on MNIST with PyTorch -> OUT/digits.pt.

    Same seed + same device gives the same model. Ctrl-C writes OUT/digits.last.pt,
    which --resume continues; OUT/digits.pt is only replaced by a finished run.

    \b
    Your own digits (fine-tuning):
      digits recognize photos/ --save-crops mine/     harvest, then fix labels by moving files
      digits train --images mine/ --init artifacts/digits.pt
    --init starts a new run from finished weights; --resume continues an interrupted
    one (its settings, data and random state), bit for bit.
    """
    from digits.errors import DigitsError

    if epochs is not None and epochs < 1:
        raise DigitsError(f"--epochs must be at least 1, got {epochs}")
    if resume is not None and not resume.is_file():
        raise DigitsError(f"--resume {resume}: no such file")
    if resume is not None and (init or images):
        raise DigitsError("--resume continues a run with its own settings; it takes no "
                          "--init or --images")
    if init is not None and not init.is_file():
        raise DigitsError(f"--init {init}: no such file")
    if images is not None and not images.is_dir():
        raise DigitsError(f"--images {images}: no such folder")
    from digits.train import loop  # torch: only once the options are known to be good

    cfg = loop.TrainConfig(arch=arch, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                           device=device, val_split=val_split, augment=not no_augment,
                           limit=limit, negatives=negatives, init=str(init) if init else None,
                           images=str(images) if images else None, mnist_ratio=mnist_ratio,
                           holdout=holdout)
    loop.train(cfg, mnist_root(data_root), out, resume=resume,
               log=lambda m: click.echo(m, err=True))
    click.echo(f"next: digits export --model {out / 'digits.pt'}")
