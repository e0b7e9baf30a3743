"""`digits serve`: the reader over HTTP (FastAPI on uvicorn) and the drawing page.

    GET  /              the page (runtime/static/index.html: draw, upload, camera)
    POST /v1/read       an image (multipart upload or raw body) -> the JSON record of
                        `digits recognize --json`, each digit with its `top3` added
    GET  /v1/health     model, execution provider, versions, limits
    GET  /openapi.json  the OpenAPI description

Errors are JSON ``{"error": message}``: no file or malformed multipart 400, body too
large 413, not an image 415, decompression bomb or out of memory 422, busy or timed out
503. Uploads stay in memory (never on disk); reads run on a bounded pool of worker
threads (onnxruntime and OpenCV release the GIL); every request has a deadline. Never
imports torch (DESIGN.md, import rules).
"""

from __future__ import annotations

import asyncio
import importlib.metadata as md
import ipaddress
import logging
import os
import platform
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from types import FrameType
from typing import Any

import numpy as np
import python_multipart
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from digits import __version__
from digits.errors import NO_MEMORY, DigitsError, ImageTooLarge, UnreadableInput, one_line
from digits.runtime.reader import Reader, Result
from digits.runtime.sources import MAX_PIXELS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the default; a 12 MP phone JPEG is 3-6 MB
REQUEST_TIMEOUT_S = 30.0  # body upload + wait for a worker + read; a read takes ~5 ms
# Requests allowed to wait for a busy worker before more are turned away with 503. At
# ~6 ms a 640x480 read on 2 cores, 64 waiting clear in ~0.2 s: far inside the timeout,
# and enough for the load bench's concurrency 16 (bench/serve.py) to see no 503.
MAX_WAITING = 64
TOP_K = 3  # probabilities per digit shown by the page (the ONNX Runtime MNIST demo's bars)
# Parts (fields and files) a multipart body may hold: the page and `curl -F` send one
# file, forms a few fields. A 10 MB body of 108,000 tiny parts kept the event loop busy
# for 11 s (attack round, issue 9 follow-up); 32 parts parse in well under 1 ms.
MAX_MULTIPART_PARTS = 32
UPLOAD_SOURCE = "upload"  # the record's `source` for a raw body (a multipart file: its name)


# --- HTTP ------------------------------------------------------------------------------


class TopK(BaseModel):
    label: int
    probability: float


class DigitRecord(BaseModel):
    label: int
    confidence: float
    box: list[int]  # x, y, w, h in pixels of the posted image
    line: int  # index into `lines`
    number: int  # index into `numbers`
    top3: list[TopK]  # the three most probable labels, most probable first


class LineRecord(BaseModel):
    text: str  # its numbers joined by a space
    box: list[int]


class NumberRecord(BaseModel):
    text: str  # its digits, with a decimal point or comma where one was found
    box: list[int]
    line: int


class ReadRecord(BaseModel):
    """The record of `digits recognize --json` (schema 2), each digit with `top3` added."""

    source: str
    frame: int | None
    digits: list[DigitRecord]
    text: str  # numbers joined by a space, lines by a newline
    schema_version: int
    lines: list[LineRecord]
    numbers: list[NumberRecord]
    rejected: int


class ErrorBody(BaseModel):
    error: str


ERRORS = {400: "no file in the request", 413: "body above the upload limit",
          415: "not a decodable image, or too small to hold a digit",
          422: "image above the pixel limit (decompression bomb), or out of memory",
          503: "all workers busy, or the request timed out"}

READ_BODY = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}},
    "image/*": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


class Refused(Exception):
    """A request answered with an HTTP error status and a JSON message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def with_top3(result: Result, labels: list[int]) -> dict[str, Any]:
    """`result.to_dict()` with `top3` ([{label, probability}] x 3, most probable first) in
    each digit, from its softmax (`labels`: the model's digits, in its order; a "not a
    digit" column after them is left out, its probability not spread over the digits)."""
    rec = result.to_dict()
    for out, d in zip(rec["digits"], result.digits, strict=True):
        p = d.probabilities[:len(labels)]
        out["top3"] = [{"label": labels[i], "probability": round(float(p[i]), 4)}
                       for i in np.argsort(-p)[:TOP_K]]
    return rec


def multipart_file(body: bytes, content_type: str) -> tuple[bytes, str | None]:
    """(data, filename) of the first file part of a multipart/form-data body, parsed in
    memory (python-multipart; nothing is spooled to disk). Raises Refused(400)."""
    _, params = python_multipart.multipart.parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise Refused(400, "multipart body without a boundary")
    files: list[Any] = []
    parts = 0

    def count(part: Any, keep: bool) -> None:
        nonlocal parts
        parts += 1
        if parts > MAX_MULTIPART_PARTS:
            raise Refused(400, f"multipart body of more than {MAX_MULTIPART_PARTS} parts")
        if keep:
            files.append(part)

    try:
        # every file part stays in memory: the whole body is already capped at the limit
        parser = python_multipart.FormParser(
            "multipart/form-data", on_field=lambda f: count(f, False),
            on_file=lambda f: count(f, True), boundary=boundary,
            config={"MAX_MEMORY_FILE_SIZE": len(body) + 1})
        parser.write(body)
        parser.finalize()
    except (python_multipart.exceptions.FormParserError, ValueError) as e:
        raise Refused(400, f"malformed multipart body ({one_line(str(e))[:200]})") from None
    if not files:
        raise Refused(400, "no file: send the image as a multipart file field (-F "
                           "file=@photo.jpg) or as the raw request body")
    f = files[0]
    f.file_object.seek(0)
    name = f.file_name.decode(errors="replace") if f.file_name else None
    return f.file_object.read(), name


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes (a declared
    Content-Length above it is refused before anything is read)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"body is {int(declared)} bytes, above the {limit} byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"body is above the {limit} byte limit")
    return bytes(body)


def versions() -> dict[str, str]:
    out = {"digits": __version__, "python": platform.python_version()}
    for dist in ("onnxruntime", "opencv-python", "numpy", "fastapi", "uvicorn"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    return out


def create_app(reader: Reader, *, workers: int = 2, max_bytes: int = MAX_UPLOAD_BYTES,
               timeout: float = REQUEST_TIMEOUT_S, max_waiting: int = MAX_WAITING) -> FastAPI:
    """The ASGI app: `workers` threads read images, up to `max_waiting` requests wait for
    one, each request has `timeout` seconds from its first byte to its answer."""
    pool = ThreadPoolExecutor(workers, thread_name_prefix="digits-read")
    admitted = 0  # requests holding or waiting for a worker (the event loop's thread only)
    page = (resources.files("digits.runtime") / "static" / "index.html").read_text("utf-8")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="digits", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # their pages load from a CDN; GET / is ours
                  description="Read handwritten digits off an image. The page at / draws, "
                              "uploads or films digits and shows what is read.")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, exc.headers)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        # uvicorn logs the traceback; the client gets JSON like every other error
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, 500)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/v1/health", summary="Model, execution provider, versions, limits, load")
    async def health() -> dict[str, Any]:
        """The model, the execution provider it runs on, versions, limits and the requests
        now reading or waiting for a worker."""
        m = reader.model
        return {"status": "ok", "in_flight": admitted,  # reading or waiting for a worker
                "model": {"path": str(m.path), "arch": m.arch, "provider": m.provider},
                "versions": versions(),
                "limits": {"max_upload_bytes": max_bytes, "max_pixels": MAX_PIXELS,
                           "workers": workers, "max_waiting": max_waiting,
                           "timeout_s": timeout}}

    async def handle(request: Request) -> dict[str, Any]:
        nonlocal admitted
        body = await read_body(request, max_bytes)
        ctype = request.headers.get("content-type", "")
        source = request.query_params.get("source")
        if ctype.startswith("multipart/form-data"):  # parsed off the event loop
            body, name = await asyncio.to_thread(multipart_file, body, ctype)
            source = source or name
        if not body:
            raise Refused(400, "no file: the request has an empty body")
        if admitted >= workers + max_waiting:
            raise Refused(503, f"all {workers} workers busy and {max_waiting} requests "
                               "waiting; retry shortly")
        admitted += 1
        job: Future[Result] = pool.submit(reader.read, body, source or UPLOAD_SOURCE)

        def release(_: Future[Result]) -> None:  # a timed-out read still holds its slot
            nonlocal admitted
            admitted -= 1

        loop = asyncio.get_running_loop()
        job.add_done_callback(lambda f: loop.call_soon_threadsafe(release, f))
        try:
            result = await asyncio.wrap_future(job)
        except ImageTooLarge as e:
            raise Refused(422, str(e)) from None
        except MemoryError:
            raise Refused(422, NO_MEMORY) from None
        except UnreadableInput as e:
            raise Refused(415, str(e)) from None
        return with_top3(result, reader.model.labels)

    @app.post("/v1/read", summary="Read the digits of one image",
              openapi_extra={"requestBody": READ_BODY},
              responses={200: {"model": ReadRecord},
                         **{s: {"model": ErrorBody, "description": d}
                            for s, d in ERRORS.items()}})
    async def read_digits(request: Request) -> JSONResponse:
        """Read the digits of one image: a multipart file field, or the raw body (any
        format OpenCV decodes: PNG, JPEG, WebP, BMP, TIFF...). `?source=NAME` sets the
        record's `source` (default: the file's name, else "upload")."""
        try:
            async with asyncio.timeout(timeout):
                return JSONResponse(await handle(request))
        except Refused as e:
            headers = {"Retry-After": "1"} if e.status == 503 else None
            return JSONResponse({"error": str(e)}, e.status, headers)
        except TimeoutError:
            return JSONResponse({"error": f"request timed out after {timeout:g} s"}, 503)
        except ClientDisconnect:  # nobody is left to answer
            return Response(status_code=400)
        except asyncio.CancelledError:  # shut down with this request unfinished (an upload
            # still arriving after the graceful shutdown's time): an answer, no traceback
            return JSONResponse({"error": "the server is shutting down"}, 503)
        except Exception as e:  # one line on stderr, JSON to the client; no traceback
            print(f"digits: error: POST /v1/read: {type(e).__name__}: {one_line(str(e))}",
                  file=sys.stderr, flush=True)
            return JSONResponse({"error": f"internal error ({type(e).__name__})"}, 500)

    app.state.in_flight = lambda: admitted
    return app


def is_loopback(host: str) -> bool:
    """True for localhost and 127.0.0.0/8 or ::1; False for anything reachable from outside
    (0.0.0.0, ::, a LAN address, a host name)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port (port 0: any free one), or a DigitsError saying
    why not (address in use, no such address, no permission)."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)  # uvicorn's backlog; connections queue until it accepts them
    except OSError as e:
        raise DigitsError(f"cannot listen on {host}:{port} ({e.strerror or e})") from None
    return sock


class OneLine(logging.Filter):
    """uvicorn's messages as one stderr line each, like ours: a traceback becomes its last
    line. One ending in CancelledError is dropped: a forced shutdown (Ctrl-C twice)
    cancels the app's lifespan, whose traceback starlette sends uvicorn to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage().strip()  # uvicorn's "Exception in ASGI application\n"
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        lines = text.strip().splitlines() or [""]
        if "CancelledError" in lines[-1]:
            return False
        record.msg = one_line(lines[-1] if lines[0].startswith("Traceback") else text)
        record.args, record.exc_info, record.exc_text, record.stack_info = None, None, None, None
        return True


# uvicorn's and asyncio's loggers: "digits: " and one line a message, no colours (stderr goes
# to files).
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line": {"()": OneLine}},
    "formatters": {"digits": {"format": "digits: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                            "formatter": "digits", "filters": ["one_line"]}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "propagate": False},
                "uvicorn.error": {"handlers": [], "propagate": True},
                "uvicorn.access": {"handlers": [], "propagate": False},
                # the event loop's own ("Task exception was never retrieved" at a shutdown)
                "asyncio": {"handlers": ["stderr"], "propagate": False}},
}


def run(reader: Reader, sock: socket.socket, workers: int, max_bytes: int, timeout: float,
        max_waiting: int = MAX_WAITING) -> None:
    """Serve on a bound socket until Ctrl-C, SIGTERM or SIGHUP (uvicorn, access log off:
    one line per request costs more than a small read)."""
    app = create_app(reader, workers=workers, max_bytes=max_bytes, timeout=timeout,
                     max_waiting=max_waiting)
    config = uvicorn.Config(app, log_level="warning", access_log=False, log_config=LOG_CONFIG,
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        with _hang_up_shuts_down(server):
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        if app.state.in_flight():
            # A read cannot be cut short, and Python's exit waits for its worker thread
            # (minutes for an image of many ink regions): leave without waiting.
            from digits.cli import INTERRUPTED, exit_code

            print("digits: interrupted", file=sys.stderr, flush=True)
            sys.stdout.flush()
            os._exit(exit_code(INTERRUPTED))
        raise


@contextmanager
def _hang_up_shuts_down(server: uvicorn.Server) -> Iterator[None]:
    """uvicorn shuts down gracefully on SIGINT and SIGTERM only: a SIGHUP (the terminal
    closed) interrupted its event loop halfway, tracebacks on stderr. Within the block a
    SIGHUP shuts it down like SIGTERM, and is raised again after it, for ``digits.cli``'s
    handler (exit 129). A SIGHUP ignored (``nohup``), or one not ours, is left alone."""
    hup = getattr(signal, "SIGHUP", None)
    ours = hup is not None and signal.getsignal(hup) not in (signal.SIG_IGN, signal.SIG_DFL,
                                                             None)
    if not ours:
        yield
        return
    received: list[int] = []

    def shut_down(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        server.handle_exit(signum, frame)  # uvicorn raises it again once shut down: here

    previous = signal.signal(hup, shut_down)
    try:
        yield
    finally:
        signal.signal(hup, previous)
    if received:
        signal.raise_signal(hup)
