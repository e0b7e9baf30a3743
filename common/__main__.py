"""The ``digits`` command and ``python -m digits``. Ctrl-C, SIGTERM and SIGHUP are noted
from here on, before the CLI's modules are imported (~50 ms: Ctrl-C there printed a
KeyboardInterrupt traceback, 5 of 5 tries at 10-50 ms after the start); ``main()`` acts on
the first one once its own handlers are installed."""

import signal


def run() -> None:
    early: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, lambda s, _frame: early.append(s))
    from digits.cli import main

    main(early=early)


if __name__ == "__main__":
    run()
