"""The one exception type the CLI turns into a one-line error and an exit code."""


class DigitsError(Exception):
    """A failure the user can act on: its message is the whole story, no traceback.

    ``exit_code`` follows DESIGN.md (exit codes): 2 for usage or unusable input (bad option,
    missing/corrupt model, camera that won't open), 1 when some inputs failed.
    """

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UnreadableInput(DigitsError):
    """One input (an image, a video, a stream) cannot be used: not decodable, empty, not a
    regular file... The batch goes on; the run exits 1."""

    exit_code = 1


class ImageTooLarge(UnreadableInput):
    """An image declares more pixels than the decode limit (a decompression-bomb guard);
    refused before the large allocation."""


class NotEnoughMemory(ImageTooLarge):
    """An input whose decoding or reading ran out of memory: a per-file error, the batch
    and the server go on (422 there, like other images too large to read)."""


class TooManyRegions(ImageTooLarge):
    """A frame holds more candidate ink regions than the reader reads in bounded time
    (``digits.runtime.tuning.MAX_INK_REGIONS``): refused before the per-region work."""


def one_line(text: str) -> str:
    """``text`` with control characters (newline, carriage return, escape...) written as
    backslash escapes: a file name holding them still makes one line on stderr."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


# Said for an input whose decoding or reading ran out of memory: that input is a per-file
# error (UnreadableInput), the batch and the server go on.
NO_MEMORY = "not enough memory to read this image; downscale it or free memory"
