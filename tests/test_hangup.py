"""SIGHUP: the terminal a command runs in is closed (a window shut, an ssh connection
lost). It is handled like Ctrl-C — the same clean-up, nothing left half-written — with
exit status 129, and `nohup` (SIGHUP ignored) still keeps a command running."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from conftest import frame_count, write_video

TIMEOUT = 30  # seconds: nothing here may hang

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX only")


def hang_up_as_default() -> None:
    """preexec_fn: SIGHUP does what it does by default, whatever this test process was
    started with. An ignored SIGHUP is inherited (pytest under `nohup`, or a runner that
    ignores it), and the product rightly leaves it ignored: every test here expecting 129
    then failed (20 runs of 20 under `nohup pytest`)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def run_in_terminal(args: list[str], until: bytes, hang_up: bool = True
                    ) -> tuple[subprocess.Popen, bytes]:
    """Start ``args`` in a new session whose controlling terminal is a pseudo-terminal;
    once ``until`` has been printed on it, close the terminal (the kernel then sends
    SIGHUP, and writes to it fail with EIO). Returns the process and what it printed.
    ``hang_up=False``: send SIGHUP instead, the terminal kept open, and read it until the
    process ends."""
    master, slave = os.openpty()
    name = os.ttyname(slave)

    def controlling_terminal() -> None:
        hang_up_as_default()
        os.setsid()
        fd = os.open(name, os.O_RDWR)  # the first terminal a session leader opens
        for k in (0, 1, 2):
            os.dup2(fd, k)

    proc = subprocess.Popen(args, preexec_fn=controlling_terminal)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + TIMEOUT
    try:
        while until not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 65536)
        if not hang_up:
            proc.send_signal(signal.SIGHUP)
            while time.monotonic() < deadline:
                try:
                    seen += os.read(master, 65536)  # EIO once the process has ended
                except OSError:
                    break
    finally:
        os.close(master)  # the hang-up
    return proc, seen


def test_closing_the_terminal_during_a_video_save_keeps_the_video(tmp_path) -> None:
    """Killed by the hang-up, the annotated video was left as a hidden temporary file;
    now it is finished with the frames read so far, and the exit status is 129."""
    video = write_video(tmp_path / "long.avi", frames=3000, size=(320, 240))
    out = tmp_path / "out"
    proc, seen = run_in_terminal([sys.executable, "-m", "digits", "recognize", "--no-show",
                                  str(video), "--save", str(out)], until=b"long.avi #20:")
    assert b"long.avi #20:" in seen, seen[-500:]
    assert proc.wait(timeout=TIMEOUT) == 128 + signal.SIGHUP
    files = list(out.iterdir())
    assert [p.name for p in files] == ["long.mp4"]  # no temporary file left
    assert 20 < frame_count(files[0]) < 3000


def test_kill_hup_with_the_terminal_open_still_shows_the_interruption(tmp_path) -> None:
    """Only a terminal that is gone is dropped: after `kill -HUP` the open terminal shows
    "interrupted" and what was saved."""
    video = write_video(tmp_path / "long.avi", frames=3000, size=(320, 240))
    proc, seen = run_in_terminal([sys.executable, "-m", "digits", "recognize", "--no-show",
                                  str(video), "--save", str(tmp_path / "out")],
                                 until=b"long.avi #20:", hang_up=False)
    assert proc.wait(timeout=TIMEOUT) == 128 + signal.SIGHUP
    assert b"digits: interrupted" in seen and b"digits: saved" in seen, seen[-500:]


def test_the_second_hang_up_of_a_closing_terminal_waits_for_the_clean_up() -> None:
    """Closing a terminal sends two SIGHUPs (the shell's, the kernel's): the second one
    killed the clean-up the first had started (no resume hint, a temporary file left)."""
    code = textwrap.dedent("""
        import os, signal, time
        from digits.cli import INTERRUPTED, _Signals, _exit
        _Signals.install()
        try:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5)
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
            print("cleaned up", flush=True)
            _exit(INTERRUPTED)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=TIMEOUT, preexec_fn=hang_up_as_default)
    assert (r.returncode, r.stdout) == (128 + signal.SIGHUP, "cleaned up\n")


def test_nohup_keeps_a_command_running(tmp_path) -> None:
    """SIGHUP ignored when the command starts (``nohup``) stays ignored."""
    video = write_video(tmp_path / "short.avi", frames=300, size=(320, 240))
    proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                             str(video), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=0, preexec_fn=lambda: signal.signal(signal.SIGHUP,
                                                                        signal.SIG_IGN))
    assert proc.stdout is not None
    proc.stdout.readline()  # past start-up: the handlers are in place
    proc.send_signal(signal.SIGHUP)
    rest, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert len(rest.splitlines()) == 299


def test_a_hang_up_while_a_result_is_committed_waits_and_output_goes_on_to_a_file(
        tmp_path) -> None:
    """SIGHUP while files are renamed into place waits for the renames, like SIGTERM;
    stdout sent to a file is still written after it."""
    code = textwrap.dedent("""
        import os, signal, time
        from digits.cli import _Signals, _exit, committing
        _Signals.install()
        with committing():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
            print("renamed", flush=True)
        print("done", flush=True)
        _exit(0)
    """)
    out = tmp_path / "stdout.txt"
    with out.open("w") as f:
        proc = subprocess.run([sys.executable, "-c", code], stdout=f, stderr=subprocess.PIPE,
                              text=True, timeout=TIMEOUT, preexec_fn=hang_up_as_default)
    assert (proc.returncode, out.read_text(), proc.stderr) == (0, "renamed\ndone\n", "")
    bare = textwrap.dedent("""
        import os, signal, time
        from digits.cli import INTERRUPTED, _Signals, _exit
        _Signals.install()
        try:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
            print("renamed", flush=True)
        except KeyboardInterrupt:
            _exit(INTERRUPTED)
    """)
    interrupted = subprocess.run([sys.executable, "-c", bare], capture_output=True, text=True,
                                 timeout=TIMEOUT, preexec_fn=hang_up_as_default)
    assert (interrupted.returncode, interrupted.stdout) == (128 + signal.SIGHUP, "")


def test_a_hang_up_shuts_the_server_down_cleanly() -> None:
    """uvicorn shuts down on SIGINT and SIGTERM only: SIGHUP broke into its event loop,
    tracebacks on stderr, and the server went on. Now it shuts down like SIGTERM, with
    exit status 129."""
    pytest.importorskip("uvicorn")
    proc = subprocess.Popen([sys.executable, "-m", "digits", "serve", "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0,
                            preexec_fn=hang_up_as_default)
    assert proc.stderr is not None
    lines = []
    while not any(b"serving http" in line for line in lines):
        line = proc.stderr.readline()
        assert line, b"".join(lines)
        lines.append(line)
    url = lines[-1].decode().split()[2]
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # the event loop runs
        assert answer.status == 200
    proc.send_signal(signal.SIGHUP)
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGHUP
    assert err.decode().splitlines() == ["digits: interrupted"]
