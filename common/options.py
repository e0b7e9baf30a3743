"""Click options shared by several commands, so that one thing has one name everywhere:
``--model`` a model file, ``--out`` an output folder, ``--data`` the MNIST root,
``--device`` auto/cpu/cuda, ``--json`` a flag for machine-readable output.

Only click is imported here: a command's options are checked before torch is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Any], Any]

DEVICES = ("auto", "cpu", "cuda")

data_option = click.option(
    "--data", "data_root", type=click.Path(file_okay=False, path_type=Path),
    help="MNIST root (holds MNIST/raw/*-ubyte). Default: $DIGITS_DATA, else "
         "$XDG_CACHE_HOME/digits or ~/.cache/digits.")

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Machine-readable JSON on stdout instead of text.")


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses nan and inf (nan passes every comparison)."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def device_option(help: str) -> Decorator:
    return click.option("--device", type=click.Choice(DEVICES), default="auto",
                        show_default=True, help=help)


def model_option(default: Path | None, help: str) -> Decorator:
    return click.option("--model", type=click.Path(dir_okay=False, path_type=Path),
                        default=default, show_default=default is not None, help=help)


def out_option(default: Path | None, help: str) -> Decorator:
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                        default=default, show_default=default is not None, help=help)


def mnist_root(data_root: Path | None) -> Path:
    """Verified MNIST under --data (fetched when missing), progress on stderr."""
    from digits.mnist import ensure_mnist

    return ensure_mnist(data_root, log=lambda m: click.echo(m, err=True))
