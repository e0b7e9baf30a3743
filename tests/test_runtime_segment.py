"""The frame reader on camera-like frames: boxes, reading order and labels."""

from __future__ import annotations

import cv2
import kinds
import numpy as np
import pytest

from digits import image
from digits.runtime import segment as steps
from digits.runtime.model import Model
from digits.runtime.reader import Digit, read_digits
from digits.runtime.recognize import Smoother
from digits.runtime.segment import reading_order, segment
from digits.runtime.tuning import (
    CUT_LOOP_AREA,
    MAX_TOUCHING,
    ONE_DIGIT_MAX_SIDE,
    SPLIT_PART_HEIGHT,
    SPLIT_PART_MAX_WIDTH,
)
from digits.scenes import generate


def test_reading_order_lines_then_x() -> None:
    boxes = [(300, 210, 40, 60), (20, 20, 40, 60), (200, 30, 40, 50), (10, 200, 40, 60)]
    order, lines = reading_order(boxes)
    assert order == [1, 2, 3, 0] and lines == [0, 0, 1, 1]


def test_reading_order_keeps_raised_digits_on_their_line() -> None:
    """Cents or an exponent, less than RAISED_SHARE of a digit's height and level with its
    top, follow it on its line; a small line above a number with one taller digit whose
    rows reach it stays a line of its own."""
    price = [(0, 100, 40, 200), (50, 100, 40, 200), (100, 100, 30, 70), (140, 100, 30, 70),
             (0, 400, 40, 60)]
    assert reading_order(price) == ([0, 1, 2, 3, 4], [0, 0, 0, 0, 1])
    field_number = [(0, 100, 20, 40), (30, 100, 40, 100), (80, 100, 40, 100)]
    assert reading_order(field_number) == ([0, 1, 2], [0, 0, 0])
    small_line_above = [(0, 0, 20, 30), (30, 0, 20, 30), (60, 10, 15, 80), (80, 40, 30, 50),
                        (115, 40, 30, 50)]
    assert reading_order(small_line_above) == ([0, 1, 2, 3, 4], [0, 0, 1, 1, 1])


def test_blank_and_noisy_pages_have_no_digits() -> None:
    rng = np.random.default_rng(0)
    assert len(segment(np.full((480, 640, 3), 220, np.uint8)).boxes) == 0
    noisy = np.clip(200 + rng.normal(0, 6, (480, 640, 3)), 0, 255).astype(np.uint8)
    assert len(segment(noisy).boxes) == 0


def test_crops_are_mnist_like() -> None:
    scene = generate(1, seed=3)[0]
    seg = segment(scene.image)
    assert seg.crops.shape[1:] == (1, 28, 28) and seg.crops.dtype == np.float32
    for crop in seg.crops[:, 0]:
        ys, xs = np.nonzero(crop > 0.1)
        assert max(np.ptp(ys), np.ptp(xs)) <= 21  # longer side fitted in 20x20
        m = crop.sum()
        cy, cx = (crop * np.arange(28)[:, None]).sum() / m, (crop * np.arange(28)).sum() / m
        assert abs(cy - 13.5) < 2 and abs(cx - 13.5) < 2  # centred by mass


def test_scene_accuracy_sanity(onnx_model) -> None:
    """A small generated set: most digits found at their boxes and read right."""
    model = Model(onnx_model, "cpu")
    right = total = exact = 0
    scenes = generate(30, seed=7)
    for s in scenes:
        got, _rejected = read_digits(model, s.image, 0.5)
        total += len(s.labels)
        exact += [d.label for d in got] == s.labels
        for label, (x, y, w, h) in zip(s.labels, s.boxes, strict=True):
            cx, cy = x + w / 2, y + h / 2
            right += any(d.label == label and d.box[0] <= cx <= d.box[0] + d.box[2]
                         and d.box[1] <= cy <= d.box[1] + d.box[3] for d in got)
    assert right / total >= 0.9, (right, total)
    assert exact / len(scenes) >= 0.75, (exact, len(scenes))


def test_smoother_holds_label_against_one_frame_flicker() -> None:
    smooth = Smoother()
    box = (10, 10, 40, 60)
    for _ in range(3):
        assert smooth([Digit(7, 0.9, box)])[0].label == 7
    assert smooth([Digit(1, 0.6, (12, 11, 40, 60))])[0].label == 7  # one odd frame
    for _ in range(3):
        out = smooth([Digit(1, 0.95, box)])
    assert out[0].label == 1  # a change that persists wins
    assert smooth([Digit(4, 0.9, (400, 300, 40, 60))])[0].label == 4  # a new place: no history


def test_ruled_line_remnants_and_shaded_border_are_not_digits(onnx_model) -> None:
    """Two ruled-paper demo frames (seed 7): line pieces left of and between the digits,
    and a dark corner crossed by rules, once came out as extra boxes or widened ones."""
    model = Model(onnx_model, "cpu")
    scenes = generate(8, seed=7, sources=("mnist",))
    for scene in (scenes[0], scenes[7]):
        got, _rejected = read_digits(model, scene.image, 0.3)
        assert [d.label for d in got] == scene.labels
        for d, (tx, ty, tw, th) in zip(got, scene.boxes, strict=True):
            x, y, w, h = d.box
            assert tx <= x + w / 2 <= tx + tw and ty <= y + h / 2 <= ty + th
            assert w <= 1.3 * tw


# ---- each step on inputs built here -------------------------------------------------------

def _page(h: int = 300, w: int = 400, level: int = 235) -> np.ndarray:
    return np.full((h, w, 3), level, np.uint8)


def test_image_normalisation_alpha_depth_gray() -> None:
    """Strokes only in alpha flatten onto the opposite colour, either stroke colour;
    16-bit and float are scaled; gray becomes BGR."""
    alpha = np.zeros((60, 80), np.uint8)
    cv2.circle(alpha, (40, 30), 15, 255, 4)
    for colour, background in ((0, 255), (255, 0)):
        bgra = np.dstack([np.full((60, 80, 3), colour, np.uint8), alpha])
        flat = image.to_bgr8(bgra)
        assert flat.shape == (60, 80, 3)
        assert flat[0, 0, 0] == background and flat[30, 25, 0] == colour
    sixteen = (np.arange(60 * 80, dtype=np.uint16).reshape(60, 80) * 13)
    assert image.to_gray(sixteen).dtype == np.uint8
    assert image.to_gray(sixteen)[-1, -1] == round(int(sixteen[-1, -1]) / 257)
    assert image.to_bgr8(np.zeros((5, 5), np.float32)).shape == (5, 5, 3)


def test_hot_pixels_do_not_decide_the_scale() -> None:
    """12-bit data with a hot pixel or salt at 16-bit full scale is still scaled as 12-bit
    (one pixel at 65535 made the rest a black frame); float with +inf, NaN, a hot pixel."""
    twelve = np.full((300, 400), 3000, np.uint16)
    twelve[100:200, 150:160] = 200  # a stroke
    for hot in ([(0, 0)], [(y, 7 * y % 400) for y in range(0, 300, 10)]):
        image_ = twelve.copy()
        for y, x in hot:
            image_[y, x] = 65535
        gray = image.to_gray(image_)
        assert gray[50, 50] == round(3000 * 255 / 4095) and gray[150, 155] < 20
    floats = twelve.astype(np.float32)
    floats[0, 0], floats[0, 1], floats[0, 2] = np.inf, np.nan, 1e9
    gray = image.to_gray(floats)
    assert gray[50, 50] == 255 and gray[150, 155] == round(200 * 255 / 3000)
    assert gray[0, 1] == 0


def _png_with_exif(bgra: np.ndarray, orientation: int, order: bytes) -> bytes:
    """A PNG of ``bgra`` with an eXIf chunk after IHDR holding ``orientation`` in a TIFF
    structure of byte order ``order`` (b"II" or b"MM")."""
    import zlib

    bo = "little" if order == b"II" else "big"
    tiff = (order + (42).to_bytes(2, bo) + (8).to_bytes(4, bo) + (1).to_bytes(2, bo)
            + (0x0112).to_bytes(2, bo) + (3).to_bytes(2, bo) + (1).to_bytes(4, bo)
            + orientation.to_bytes(2, bo) + bytes(2) + bytes(4))
    chunk = (len(tiff).to_bytes(4, "big") + b"eXIf" + tiff
             + zlib.crc32(b"eXIf" + tiff).to_bytes(4, "big"))
    png = cv2.imencode(".png", bgra)[1].tobytes()
    return png[:33] + chunk + png[33:]  # signature (8) + IHDR (25), then eXIf


def test_png_with_alpha_obeys_its_exif_orientation() -> None:
    """OpenCV turns a PNG by its EXIF orientation only when it drops alpha; with alpha
    (even fully opaque) it was read sideways."""
    rng = np.random.default_rng(0)
    bgra = rng.integers(0, 256, (30, 60, 4), dtype=np.uint8)
    bgra[:, :, 3] = 255
    for order in (b"II", b"MM"):
        for orientation in range(1, 9):
            data = _png_with_exif(bgra, orientation, order)
            assert image.png_orientation(data) == orientation
            want = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            assert np.array_equal(image.decode(data), want), (order, orientation)
    assert image.png_orientation(cv2.imencode(".png", bgra)[1].tobytes()) == 1


def test_decode_palette_and_exif(tmp_path) -> None:
    """A palette PNG decodes to colour; a JPEG's EXIF orientation is applied."""
    from PIL import Image

    pal = Image.new("P", (40, 20), 0)
    pal.putpalette([255, 255, 255, 10, 10, 10] + [0] * 762)
    pal.putpixel((5, 5), 1)
    pal.save(tmp_path / "p.png")
    out = image.decode((tmp_path / "p.png").read_bytes())
    assert out.shape == (20, 40, 3) and out[5, 5, 0] == 10 and out[0, 0, 0] == 255
    rgb = Image.new("RGB", (60, 30), (255, 255, 255))
    exif = rgb.getexif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    rgb.save(tmp_path / "r.jpg", exif=exif)
    assert image.decode((tmp_path / "r.jpg").read_bytes()).shape == (60, 30, 3)


def test_polarity_fat_brush_and_card_on_desk() -> None:
    """Dark ink on paper, light ink on a board, a fat brush, and a card on a brown desk
    (the desk's band is not ink)."""
    page = _page()
    cv2.putText(page, "38", (60, 220), cv2.FONT_HERSHEY_SIMPLEX, 7, (20, 20, 20), 8)
    assert not steps.ink_map(steps.working_gray(page)[0])[1]
    assert steps.ink_map(255 - steps.working_gray(page)[0])[1]
    fat = np.full((280, 280), 255, np.uint8)
    cv2.putText(fat, "8", (60, 230), cv2.FONT_HERSHEY_SIMPLEX, 7, 0, 26)
    assert not steps.ink_map(fat)[1]
    desk = np.empty((480, 640, 3), np.uint8)
    desk[:] = (40, 70, 110)
    desk[80:400, 120:520] = 235
    cv2.putText(desk, "47", (200, 320), cv2.FONT_HERSHEY_SIMPLEX, 6, (30, 30, 30), 10)
    ink, light, _surface, _doubt = steps.ink_map(steps.working_gray(desk)[0])
    binary, _ = steps.binarize(ink)
    assert not light and not binary[:60].any() and not binary[:, :100].any()


def test_a_fat_crop_is_one_level_a_sheet_with_a_rim_of_desk_is_not(onnx_model) -> None:
    """A row of fat MNIST digits cut out tight, 420-640 px tall, is read against one
    background level (``_fat_crop``); a sheet filling a 600x800 frame with a thin dark
    rim of desk along every edge, or a clean frame shaded along one side, is not (the
    rim took the sheet for light ink: nothing was read)."""
    rng = np.random.default_rng(5)
    for _ in range(3):
        crop, _text = kinds.make_large_crop(rng)
        assert steps.ink_map(steps.working_gray(crop)[0])[2] is None
    images, labels = kinds._mnist()
    model = Model(onnx_model, "cpu")
    h, w = 600, 800
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for rim, desk_level in ((4, 40), (4, 110), (7, 60)):  # the sheet a little turned
        sheet = np.full((h, w), 228, np.float32)
        sheet[(yy < rim + xx / w * rim) | (yy > h - rim - (1 - xx / w) * rim)
              | (xx < rim + yy / h * rim) | (xx > w - rim - (1 - yy / h) * rim)] = desk_level
        for k, i in enumerate((0, 1)):  # a 7 and a 2
            a = kinds.mnist_glyph(images[i], 110)
            sheet[200:310, 250 + 150 * k:250 + 150 * k + a.shape[1]] -= 190 * a
        frame = cv2.GaussianBlur(np.clip(sheet, 0, 255).astype(np.uint8), (3, 3), 0)
        assert steps.ink_map(frame)[2] is not None
        got = [d.label for d in read_digits(model, frame, 0.3)[0]]
        assert got == [int(labels[0]), int(labels[1])], (rim, got)
    shaded = np.full((480, 640), 235, np.float32)
    shaded[300:] -= np.linspace(0, 90, 180, dtype=np.float32)[:, None]
    shaded = shaded.astype(np.uint8)
    cv2.putText(shaded, "12", (150, 90), cv2.FONT_HERSHEY_SIMPLEX, 3, 30, 8)
    assert steps.ink_map(shaded)[2] is not None


def test_the_polarity_of_a_fat_digit_filling_a_large_crop_is_in_doubt() -> None:
    """A fat digit filling a crop of 400 px or more leaves nearly no thin ink of either
    polarity, and the few pixels counted decided it: its polarity is in doubt (the
    reader reads it both ways). A frame of pen digits, or a dense grid, is not."""
    from digits.scenes import generate_condition

    crop = generate_condition("crop", 88, seed=13)[87].image  # a fat blue 6, 611x412
    gray = steps.working_gray(crop)[0]
    assert min(gray.shape) >= ONE_DIGIT_MAX_SIDE and steps.ink_map(gray)[3]
    for condition, seed, frame in (("camera", 3, 0), ("no-digits", 11, 31)):  # 31: a grid
        image = generate_condition(condition, frame + 1, seed=seed)[frame].image
        assert not steps.ink_map(steps.working_gray(image)[0])[3], (condition, frame)


def test_fat_strokes_left_in_the_surface_are_taken_out_a_desk_band_is_not() -> None:
    """At low resolution (short side 60, kernel 11), a blurred cross of strokes 8 px
    wide stays behind in the closed surface (the crossing 170 levels darker than the
    paper, the strokes 75); the wider kernel's surface is taken there (15 and 0 darker).
    A dark band of desk along a whole side, as wide, stays in the surface, and so do a
    coin and a remote control lying on the page (solid: no strokes)."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    small = np.full((80, 60), 230, np.uint8)
    cv2.line(small, (30, 8), (30, 72), 40, 8)
    cv2.line(small, (10, 40), (50, 40), 40, 8)
    small = cv2.GaussianBlur(small, (0, 0), 2)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, k)
    assert closed[40, 30] < 100 and closed[10, 30] < 160  # remnants in the surface
    filled = steps._fat_remnants_filled(small, closed, k, False)
    assert filled.min() >= 210
    desk = np.full((80, 60), 230, np.uint8)
    desk[:, :14] = 40
    closed = cv2.morphologyEx(desk, cv2.MORPH_CLOSE, k)
    assert (steps._fat_remnants_filled(desk, closed, k, False) == closed).all()
    coin = np.full((80, 60), 230, np.uint8)
    cv2.circle(coin, (30, 40), 9, 40, -1)
    coin = cv2.GaussianBlur(coin, (0, 0), 2)
    closed = cv2.morphologyEx(coin, cv2.MORPH_CLOSE, k)
    assert closed[40, 30] < 100
    assert (steps._fat_remnants_filled(coin, closed, k, False) == closed).all()
    remote = np.full((80, 60), 230, np.uint8)
    cv2.rectangle(remote, (12, 30), (45, 44), 40, -1)
    remote = cv2.GaussianBlur(remote, (0, 0), 2)
    closed = cv2.morphologyEx(remote, cv2.MORPH_CLOSE, k)
    assert closed[37, 28] < 100
    assert (steps._fat_remnants_filled(remote, closed, k, False) == closed).all()


def test_loop_count_an_eight_has_two_a_crossing_scrawl_more() -> None:
    """An 8 of two rings encloses two holes; a zigzag drawn back across itself encloses
    more; a pinhole in a stroke (below the area asked for) does not count."""
    eight = np.zeros((100, 60), np.uint8)
    cv2.circle(eight, (30, 27), 20, 1, 6)
    cv2.circle(eight, (30, 72), 22, 1, 6)
    eight[72, 8:10] = 0  # a pinhole in the lower ring's stroke
    region = steps.Region((0, 0, 60, 100), eight.astype(bool))
    assert steps.loop_count(region, 0.005 * 100 ** 2) == 2
    scrawl = np.zeros((100, 140), np.uint8)
    points = np.array([[5, 90], [40, 5], [70, 90], [100, 5], [135, 90], [5, 50], [135, 50]])
    cv2.polylines(scrawl, [points.astype(np.int32)], False, 1, 5)
    region = steps.Region((0, 0, 140, 100), scrawl.astype(bool))
    assert steps.loop_count(region, 0.005 * 100 ** 2) >= 3


def test_a_piece_of_a_long_faint_line_is_no_digit() -> None:
    """A short bar on a long faint line (the soft shadow along a sheet's edge, above the
    ink threshold in places) is a piece of the line; a bar with no faint run beyond it,
    or on a line that is ink all along (a grid column under a 1), is kept."""
    faint = np.zeros((400, 400), np.uint8)
    ink = np.zeros_like(faint)
    cv2.line(faint, (100, 20), (160, 380), 255, 5)  # the faint run, slanted like a sheet
    cv2.line(ink, (128, 190), (135, 230), 255, 4)  # the bit of it over the threshold
    _n, labels = cv2.connectedComponents(ink)
    ys, xs = np.nonzero(labels)
    box = (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)
    x, y, w, h = box
    piece = steps.Region(box, ink[y:y + h, x:x + w] > 0)
    assert steps._on_faint_line(piece, faint | ink, ink)
    alone = ink.copy()  # a 1: faint ink only where it is
    assert not steps._on_faint_line(piece, alone, ink)
    printed = faint | ink  # the run is ink all along: a printed line, not a shadow
    assert not steps._on_faint_line(piece, printed, printed)


def test_ones_starting_a_column_of_numbers_on_a_desk_are_read(onnx_model) -> None:
    """Numbers written one under another on a sheet on a desk, each starting with a 1:
    the 1s stand in one straight line like the pieces of a sheet's edge, and are read (a
    rule that dropped thin pieces in line read "2 3 4")."""
    frame = np.full((480, 640, 3), (60, 70, 90), np.uint8)
    cv2.fillConvexPoly(frame, np.array([[150, 40], [520, 60], [500, 460], [130, 440]],
                                       np.int32), (225, 230, 235))
    for k, d in enumerate("234"):
        y = 90 + 120 * k
        cv2.line(frame, (250, y), (250, y + 80), (40, 40, 40), 7, cv2.LINE_AA)
        cv2.putText(frame, d, (275, y + 80), cv2.FONT_HERSHEY_SIMPLEX, 3, (40, 40, 40), 7,
                    cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame, (3, 3), 0)
    got = read_digits(Model(onnx_model, "cpu"), frame, 0.3)[0]
    assert [d.label for d in got] == [1, 2, 1, 3, 1, 4]


def test_sheet_edges_on_a_striped_desk_are_not_ink() -> None:
    """A tilted sheet on a desk with dark and light stripes: its edges and the stripes
    leave no ink region, the digits on it stay."""
    desk = np.empty((480, 640, 3), np.uint8)
    for y in range(0, 480, 40):
        desk[y:y + 40] = (150, 60, 40) if y % 80 else (110, 40, 30)
    sheet = np.array([[90, 60], [560, 20], [600, 420], [130, 460]], np.int32)
    cv2.fillConvexPoly(desk, sheet, (225, 235, 240))
    cv2.putText(desk, "27", (220, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, (40, 40, 40), 12)
    gray = steps.working_gray(desk)[0]
    ink, _light, surface, _doubt = steps.ink_map(gray)
    regions, _ = steps.candidates(steps.binarize(ink)[0], steps.surface_steps(surface, gray.shape))
    assert len(regions) == 2 and all(200 <= r.box[0] <= 420 for r in regions), [
        r.box for r in regions]


@pytest.mark.parametrize("desk, note", [((200, 205, 200), (110, 220, 235)),
                                        ((205, 205, 205), (160, 230, 170))])
@pytest.mark.parametrize("shadow", [0.4, 0.55])
def test_the_shadowed_edge_of_a_note_as_light_as_its_desk_is_not_a_one(
        onnx_model, desk: tuple[int, int, int], note: tuple[int, int, int],
        shadow: float) -> None:
    """A yellow or green note on a pale gray desk, within 10 gray levels of it: the note's
    edge steps only in colour, and the soft shadow along it left a thin dark line that
    was read as a 1 ("14096")."""
    frame = np.empty((480, 640, 3), np.float32)
    frame[:] = desk
    quad = np.array([[150, 40], [470, 44], [466, 430], [146, 426]], np.int32)
    shade = np.zeros((480, 640), np.float32)
    cv2.fillConvexPoly(shade, quad + np.int32([10, 8]), 1.0)
    frame *= (1 - shadow * cv2.GaussianBlur(shade, (0, 0), 5))[..., None]
    inside = np.zeros((480, 640), np.uint8)
    cv2.fillConvexPoly(inside, quad, 1)
    frame[inside > 0] = note
    frame = frame.astype(np.uint8)
    cv2.putText(frame, "4096", (200, 250), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (60, 40, 30), 7,
                cv2.LINE_AA)
    got, _rejected = read_digits(Model(onnx_model, "cpu"), frame, 0.3)
    assert "".join(str(d.label) for d in got) == "4096"


@pytest.mark.parametrize("desk", [(60, 60, 60), (150, 140, 130)])
def test_ones_along_the_edge_of_a_yellow_margin_band_are_read(onnx_model,
                                                              desk: tuple[int, int, int]) -> None:
    """A yellow band as light as the sheet steps in hue only: 1s written along its edge
    are shorter than a step may be and stay digits (the note's shadow above is as long as
    the note's side)."""
    frame = np.empty((768, 1024, 3), np.uint8)
    frame[:] = desk
    cv2.rectangle(frame, (60, 60), (960, 720), (235, 235, 232), -1)
    cv2.rectangle(frame, (60, 60), (260, 720), (80, 220, 230), -1)
    for k in range(3):
        cv2.line(frame, (263, 120 + 70 * k), (257, 160 + 70 * k), (40, 40, 40), 5, cv2.LINE_AA)
    got, _rejected = read_digits(Model(onnx_model, "cpu"), frame, 0.3)
    assert "".join(str(d.label) for d in got) == "111"


@pytest.mark.parametrize("square", [6, 16])
def test_a_desk_pattern_does_not_make_small_digits_flat(onnx_model, square: int) -> None:
    """A sheet on a checkered desk, with a number written small: the desk's squares
    around the sheet are dropped as the surface, and the pen's strokes, not theirs, tell
    how tall a flat piece may be (with the desk's, the 3 and the 7 were dropped)."""
    frame = np.zeros((480, 640, 3), np.uint8)
    for y in range(0, 480, square):
        for x in range(0, 640, square):
            frame[y:y + square, x:x + square] = 90 if (x // square + y // square) % 2 else 150
    cv2.fillConvexPoly(frame, np.array([[60, 40], [600, 30], [590, 450], [70, 460]],
                                       np.int32), (235, 238, 240))
    cv2.putText(frame, "3725", (150, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (30, 30, 30), 3,
                cv2.LINE_AA)
    frame = cv2.GaussianBlur(frame, (3, 3), 0)
    assert [d.label for d in read_digits(Model(onnx_model, "cpu"), frame, 0.3)[0]] \
        == [3, 7, 2, 5]


def test_regions_along_the_border_digits_of_a_crop_and_desk_strips() -> None:
    """A region along 30 % or more of a frame side is a desk strip or band, unless it is
    a digit at a tight crop's side: shaped like a digit, along one side only, meeting
    it along part of its height (a strip, a finger or a bracket runs along it), with a
    region of its height beside it."""
    def region(x: int, y: int, w: int, h: int, curve: bool = False) -> steps.Region:
        mask = np.zeros((h, w), bool)
        mask[:, :3] = mask[:3] = mask[-3:] = True  # an outline, 3 px strokes
        mask[h // 4:h - h // 4 if curve else h, -3:] = True  # a curve's right side meets
        if curve:                                            # its box's in the middle
            mask[:3, -3:] = mask[-3:, -3:] = False
        return steps.Region((x, y, w, h), mask)

    shape = (40, 100)  # a crop: three digits, the last touching the right side
    digits = [region(2, 2, 22, 36), region(30, 4, 24, 34), region(76, 3, 24, 36, curve=True)]
    assert [r.box for r in steps._drop_surface(digits, shape)] == [r.box for r in digits]
    finger = region(80, 0, 20, 40)  # along the whole side, as tall as the digits beside
    kept = steps._drop_surface([*digits[:2], finger], shape)
    assert [r.box for r in kept] == [r.box for r in digits[:2]]
    strips = [region(0, 0, 12, 40), region(88, 0, 12, 40)]  # a blank crop between two
    assert steps._drop_surface(strips, shape) == []
    shape = (200, 300)  # a camera frame: a strip along the left side, a band along the top
    digits = [region(150, 40, 40, 60), region(200, 40, 40, 60)]  # in the band's rows
    strip, band = region(0, 10, 40, 190), region(0, 0, 300, 70)
    kept = steps._drop_surface([strip, *digits], shape)
    assert [r.box for r in kept] == [r.box for r in digits]
    kept = steps._drop_surface([band, *digits], shape)
    assert [r.box for r in kept] == [r.box for r in digits]
    corner = steps.Region((0, 0, 120, 200), np.zeros((200, 120), bool))  # along two sides
    corner.mask[:, :8] = corner.mask[-8:] = True
    tall_one = region(130, 20, 10, 170)  # a 1 as tall as the corner band, beside it
    kept = steps._drop_surface([corner, tall_one, *digits], (200, 300))
    assert [r.box for r in kept] == [tall_one.box] + [r.box for r in digits]


def test_binarize_keeps_an_empty_page_empty() -> None:
    rng = np.random.default_rng(1)
    noisy = np.clip(rng.normal(200, 5, (300, 400)), 0, 255).astype(np.uint8)
    ink, _, _, _ = steps.ink_map(noisy)
    assert not steps.binarize(ink)[0].any()


def test_remove_lines_ruled_grid_and_boxes_keep_crossing_strokes() -> None:
    page = _page(400, 600)
    for y in range(20, 400, 30):
        cv2.line(page, (0, y), (600, y), (200, 160, 120), 2)
    cv2.line(page, (80, 0), (80, 400), (90, 90, 220), 2)
    cv2.line(page, (300, 100), (300, 230), (20, 20, 20), 8)  # a 1 crossing five rules
    ink, _, _, _ = steps.ink_map(steps.working_gray(page)[0])
    binary = steps.remove_lines(steps.binarize(ink)[0])
    ys, xs = np.nonzero(binary)
    assert xs.min() >= 290 and xs.max() <= 310  # only the stroke is left...
    assert ys.min() <= 104 and ys.max() >= 226  # ...whole, across the rules
    boxes = _page(200, 500)
    for k in range(4):
        cv2.rectangle(boxes, (30 + 110 * k, 30), (130 + 110 * k, 170), (50, 50, 50), 2)
    ink, _, _, _ = steps.ink_map(steps.working_gray(boxes)[0])
    assert not steps.remove_lines(steps.binarize(ink)[0]).any()


def _mask(page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ink mask, faint ink mask) of a page, as ``segment`` makes them."""
    ink, _, _, _ = steps.ink_map(steps.working_gray(page)[0])
    binary, level = steps.binarize(ink)
    return binary, steps.faint_ink(ink, level)


def test_faded_grid_columns_and_faint_box_sides_are_lines() -> None:
    """A grid whose columns fade into dashes under glare, and a row of boxes whose top
    and bottom are much fainter than its sides: no piece of either is left to read as
    a 1; the digit written in the grid stays whole."""
    grid = _page(480, 640)
    for x in range(10, 640, 30):
        cv2.line(grid, (x, 0), (x, 479), (90, 90, 90), 2)
    for y in range(12, 480, 30):
        cv2.line(grid, (0, y), (639, y), (90, 90, 90), 2)
    glare = np.zeros((480, 640), np.float32)
    cv2.circle(glare, (450, 330), 150, 1.0, -1)
    glare = cv2.GaussianBlur(glare, (0, 0), 40)[..., None]
    grid = (grid * (1 - 0.85 * glare) + 240 * 0.85 * glare).astype(np.uint8)
    cv2.putText(grid, "4", (95, 150), cv2.FONT_HERSHEY_SIMPLEX, 3, (20, 20, 20), 8)
    kept = steps.remove_boxes(steps.remove_lines(*_mask(grid)))
    regions, _ = steps.candidates(kept)
    assert [r.box[:2] for r in regions if r.height > 40] == [r.box[:2] for r in regions]
    assert len(regions) == 1 and 60 <= regions[0].height <= 80  # the 4, whole
    form = _page(200, 600)
    for k in range(5):
        x = 40 + 100 * k
        cv2.line(form, (x, 40), (x, 160), (40, 40, 40), 4)  # dark sides
        cv2.line(form, (x + 90, 40), (x + 90, 160), (40, 40, 40), 4)
        cv2.line(form, (x, 40), (x + 90, 40), (170, 170, 170), 2)  # faint top and bottom
        cv2.line(form, (x, 160), (x + 90, 160), (170, 170, 170), 2)
    assert not steps.remove_boxes(steps.remove_lines(*_mask(form))).any()


@pytest.mark.parametrize("digit", ["", "5"])
def test_a_slanted_dense_grid_with_major_lines_is_removed(onnx_model, digit: str) -> None:
    """Graph paper turned 3 degrees, its lines 12 px apart, every fifth darker: its
    slanted lines share rows across the frame (counted by rows, the whole grid was one
    line and stayed, read as dozens of 1s, 4s and 7s); the 5 written on it is read."""
    page = np.full((600, 800, 3), (235, 225, 230), np.uint8)
    for k, v in enumerate(range(-100, 900, 12)):
        thick = 3 if k % 5 == 0 else 1
        cv2.line(page, (v, -100), (v, 700), (120, 120, 120), thick)
        cv2.line(page, (-100, v), (900, v), (120, 120, 120), thick)
    if digit:
        cv2.putText(page, digit, (330, 330), cv2.FONT_HERSHEY_SIMPLEX, 3, (30, 30, 30), 7)
    turn = cv2.getRotationMatrix2D((400, 300), 3, 1.0)
    frame = cv2.warpAffine(page, turn, (800, 600), borderMode=cv2.BORDER_REFLECT)
    got = read_digits(Model(onnx_model, "cpu"), frame[60:540, 80:720].copy(), 0.3)[0]
    assert [str(d.label) for d in got] == list(digit)


def test_remove_boxes_keeps_digits_and_round_zeros() -> None:
    """Separate boxes (too short a row to be lines) and an empty box go; a 7 in a box, a
    hand-drawn 0 (an ellipse) and a boxy 0 with round corners stay."""
    page = _page(300, 640)
    for x in (20, 140, 260):
        cv2.rectangle(page, (x, 40), (x + 90, 170), (50, 50, 50), 3)
    cv2.line(page, (40, 70), (95, 70), (20, 20, 20), 8)  # a 7 inside the first box
    cv2.line(page, (95, 70), (60, 150), (20, 20, 20), 8)
    cv2.ellipse(page, (420, 110), (35, 60), 0, 0, 360, (20, 20, 20), 5)
    boxy = np.zeros((120, 90), np.uint8)
    cv2.rectangle(boxy, (5, 5), (84, 114), 255, -1)
    boxy = cv2.morphologyEx(boxy, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (45, 45)))  # corners rounded, radius ~22 of a 80x110 square
    ring = cv2.subtract(boxy, cv2.erode(boxy, np.ones((9, 9), np.uint8)))
    page[50:170, 520:610][ring > 0] = 20
    binary, _ = _mask(page)
    assert len(steps.candidates(binary)[0]) == 5  # (the 7 is one region with its box)
    regions, _ = steps.candidates(steps.remove_boxes(binary))
    xs = sorted(r.box[0] for r in regions)  # the 7, both 0s
    assert len(xs) == 3 and 30 <= xs[0] <= 45 and 380 <= xs[1] <= 390 and 515 <= xs[2] <= 530


def test_one_bar_alone_is_not_a_line() -> None:
    """A tight crop of a fine-pen 7: its long thin bar stays."""
    seven = np.full((300, 200), 240, np.uint8)
    cv2.line(seven, (0, 3), (199, 3), 20, 4)
    cv2.line(seven, (197, 3), (60, 299), 20, 4)
    binary = steps.binarize(steps.ink_map(seven)[0])[0]
    assert np.array_equal(steps.remove_lines(binary), binary)


def test_candidates_keep_thin_ones_and_drop_specks() -> None:
    binary = np.zeros((300, 400), np.uint8)
    binary[50:250, 100:108] = 255  # an upright 1, 25x taller than wide
    binary[100:103, 300:303] = 255  # a speck
    cv2.circle(binary, (250, 150), 40, 255, 8)
    regions, stroke = steps.candidates(binary)
    assert sorted(r.box for r in regions) == [(100, 50, 8, 200), (206, 106, 89, 89)]
    assert 6 <= stroke <= 10


def test_touching_digits_are_offered_cuts() -> None:
    """A region of touching digits is offered cuts into parts of full height."""
    image_, _text = kinds.make_touching(np.random.default_rng(3))
    seg = steps.segment(image_)
    wide = max(seg.regions, key=lambda r: r.width)
    cuts = seg.split_options(wide)
    assert cuts is not None and cuts.parts
    assert all(p.height >= SPLIT_PART_HEIGHT * wide.height for p in cuts.parts.values())
    assert all(0 <= a < b < cuts.count for a, b in cuts.parts)
    # each part holds its own ink, not a view of the region's whole box
    assert all(p.mask.base is None for p in cuts.parts.values())


def test_cut_paths_cross_the_least_ink_each_band_alone() -> None:
    """Each band's cut is the cheapest top-to-bottom path moving at most one column a
    row: it follows a gap that wanders, and on ink of one price it runs straight down
    (ties: left, then down). Bands searched together give what each gives alone, and a
    path stays inside its band, whatever is cheaper beside it."""
    h, w = 40, 60
    cost = np.ones((h, w), np.float32)
    gap = (20 + 6 * np.sin(np.arange(h) / 6)).round().astype(int)
    cost[np.arange(h), gap] = 0  # a gap that moves at most one column a row
    cost[:, 50] = 0  # a cheaper column right of the last band
    bands = [(5, 12), (14, 30), (40, 49)]
    together = steps._cut_paths(cost, bands)
    assert np.array_equal(together[1], gap)
    assert np.array_equal(together[0], np.full(h, 5)) and np.array_equal(together[2],
                                                                        np.full(h, 40))
    for band, path in zip(bands, together, strict=True):
        assert np.array_equal(steps._cut_paths(cost, [band])[0], path)
        assert np.all((band[0] <= path) & (path < band[1])) and path.dtype == np.int32
        assert np.abs(np.diff(path)).max() <= 1


def test_cuts_are_offered_up_to_a_budget_of_parts(onnx_model, monkeypatch) -> None:
    """Regions are offered cuts in reading order until MAX_CUT_PARTS parts have been
    offered (thirty squiggles offered ~100,000): with no budget left none is offered, and
    the touching digits are read whole."""
    from digits.runtime import tuning

    image_, text = kinds.make_touching(np.random.default_rng(0))
    model = Model(onnx_model, "cpu")
    offered = []
    split = steps.Segmentation.split_options
    monkeypatch.setattr(steps.Segmentation, "split_options",
                        lambda self, *a: offered.append(1) or split(self, *a))
    got, _ = read_digits(model, image_, 0.3)
    assert offered and "".join(str(d.label) for d in got) == text
    offered.clear()
    monkeypatch.setattr(tuning, "MAX_CUT_PARTS", 0)
    got, _ = read_digits(model, image_, 0.3)
    assert not offered and len(got) < len(text)


def test_a_region_too_wide_for_five_digits_is_offered_no_cuts() -> None:
    """A wavy line 20x as wide as tall cannot be made up of MAX_TOUCHING parts of at
    most SPLIT_PART_MAX_WIDTH of its height: no cuts are offered (it was cut into
    thousands of parts, 20 GB for a 20,000 x 300 strip), while one 5 heights wide is."""
    seg = steps.Segmentation(np.zeros((0, 1, 28, 28), np.float32), [])
    for width, offered in [(6000, False), (int(MAX_TOUCHING * SPLIT_PART_MAX_WIDTH * 300), True)]:
        mask = np.zeros((300, width), np.uint8)
        xs = np.arange(width)
        ys = (150 + 120 * np.sin(xs / 40)).astype(np.int32)
        cv2.polylines(mask, [np.stack([xs, ys], 1).astype(np.int32)], False, 1, 6)
        region = steps.Region((0, 0, width, 300), mask > 0)
        assert (seg.split_options(region) is not None) == offered, width


def test_a_column_of_dashes_is_not_measured_pair_by_pair(monkeypatch) -> None:
    """Stacked regions far apart cannot be the halves of one digit, whatever their line:
    a column of 100 dashes asks for few line medians (it asked for all 4,950 pairs,
    each walking every region: 45 s for a page of them), and nothing is joined; two
    halves of a broken 8 beside whole digits still are."""
    calls = []
    halves = steps._halves_of_line
    monkeypatch.setattr(steps, "_halves_of_line",
                        lambda *args: calls.append(1) or halves(*args))
    dashes = [steps.Region((10, 10 + 30 * k, 20, 4), np.ones((4, 20), bool))
              for k in range(100)]
    assert len(steps._merge_pieces(dashes)) == 100
    assert len(calls) < 200
    line = [steps.Region((40 * k, 0, 30, 60), np.ones((60, 30), bool)) for k in range(3)]
    top, bottom = (steps.Region((130, y, 30, 28), np.ones((28, 30), bool)) for y in (0, 32))
    merged = steps._merge_pieces([*line, top, bottom])
    assert sorted(r.box for r in merged) == [(0, 0, 30, 60), (40, 0, 30, 60), (80, 0, 30, 60),
                                             (130, 0, 30, 60)]


def test_no_cut_runs_through_a_digits_loop() -> None:
    """Two touching 0s are offered the cut between them, never one through a loop (which
    made a 1 and a 3 of square 0s); a small gap enclosed where two digits meet twice does
    not stop a cut."""
    page = np.full((200, 300), 255, np.uint8)
    cv2.ellipse(page, (90, 90), (30, 40), 0, 0, 360, 20, 7)  # two 0s, 67x87, touching
    cv2.ellipse(page, (153, 90), (30, 40), 0, 0, 360, 20, 7)
    seg = steps.segment(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    region = max(seg.regions, key=lambda r: r.width)
    loops = steps._loops(region.mask, CUT_LOOP_AREA * region.height ** 2)
    n, labels = cv2.connectedComponents(loops.astype(np.uint8))
    assert n == 3  # background and the two loops
    cuts = seg.split_options(region)
    assert cuts is not None and cuts.parts
    for part in cuts.parts.values():  # every part holds each loop whole or not at all
        x0 = part.box[0] - region.box[0]
        inside = labels[:, x0:x0 + part.width]
        for k in (1, 2):
            assert (inside == k).sum() in (0, (labels == k).sum()), (part.box, k)
    small = np.zeros((40, 60), bool)
    small[:, :10] = small[:, 50:] = small[:6, :] = small[-6:, :] = True  # a 40x28 gap
    assert not steps._loops(small, CUT_LOOP_AREA * 80 ** 2).any()
    assert steps._loops(small, CUT_LOOP_AREA * 40 ** 2).sum() == 40 * 28


def test_best_cut_picks_the_parts_whose_weakest_reads_best() -> None:
    """A bottleneck path over the cuts: the parts cover the region, 2..most of them, and
    a cut through ink costs CUT_INK_COST per stroke width it crosses."""
    piece = steps.Region((0, 0, 1, 1), np.ones((1, 1), bool))
    parts = {(0, 1): piece, (1, 3): piece, (0, 2): piece, (2, 3): piece, (1, 2): piece}
    cuts = steps.Cuts(4, parts, [0.0, 0.0, 0.0, 0.0])
    scores = {(0, 1): 0.9, (1, 3): 0.7, (0, 2): 0.8, (2, 3): 0.85, (1, 2): 0.95}
    assert steps.best_cut(cuts, scores) == ([(0, 1), (1, 2), (2, 3)], 0.85)
    assert steps.best_cut(cuts, scores, most=2) == ([(0, 2), (2, 3)], 0.8)
    # cut 1 runs along a stroke for 10 stroke widths: the parts through it lose
    along = steps.Cuts(4, parts, [0.0, 10.0, 0.0, 0.0])
    path, score = steps.best_cut(along, scores)
    assert path == [(0, 2), (2, 3)] and score == pytest.approx(0.8)
    assert steps.best_cut(steps.Cuts(4, {(0, 1): piece}, [0.0] * 4), {(0, 1): 0.9}) == ([], 0.0)


def test_best_cut_breaks_a_tie_on_the_weakest_part_by_the_next_weakest() -> None:
    """"0 | 9 | 1" and "0 | 91" share their weakest part, the 0: the one whose next
    weakest part reads better wins (a 1 touching a 9 was swallowed by it)."""
    piece = steps.Region((0, 0, 1, 1), np.ones((1, 1), bool))
    scores = {(0, 1): 0.83, (1, 2): 0.91, (2, 3): 0.91, (1, 3): 0.90}
    cuts = steps.Cuts(4, dict.fromkeys(scores, piece), [0.0] * 4)
    assert steps.best_cut(cuts, scores) == ([(0, 1), (1, 2), (2, 3)], 0.83)
    assert steps.best_cut(cuts, {**scores, (1, 3): 0.92}) == ([(0, 1), (1, 3)], 0.83)


def test_a_line_along_the_frame_edge_is_thin_a_band_is_not() -> None:
    """A grid line that the frame's top or bottom edge runs along (2 px, cut by the edge)
    is thin line material like any other; a desk's band along the edge, or a stroke cut
    by it, thicker than LINE_MAX_THICK, is not."""
    g = steps._LineScale.at(2)  # (as searched in a 640x480 frame: 3 px thick at most)
    mask = np.zeros((120, 200), np.uint8)
    mask[:2] = 255  # a line along the top edge
    mask[-10:] = 255  # a band along the bottom edge
    mask[40:42] = 255  # a line inside
    thin = steps._thin(mask, g)
    assert thin[:2].all() and thin[40:42].all()
    assert not thin[-9:].any()  # (the band's inner rim is thin, as any thick ink's)


@pytest.mark.parametrize("line, pen", [(1, 5), (2, 5), (2, 7)])
def test_a_zero_touching_its_box_keeps_its_side(line: int, pen: int) -> None:
    """A box's line is erased as thick as the line, not as thick as its ink over its
    length, which counts the digit touching it: a 0 against its box's side keeps that
    side, and its loop (it was cut open, and read as a 6, a C or "not a digit")."""
    page = _page(240, 320)
    cv2.rectangle(page, (100, 50), (190, 170), (60, 60, 60), line)
    cv2.ellipse(page, (160 - line + pen // 2, 110), (28, 45), 0, 0, 360, (20, 20, 20), pen)
    regions, _ = steps.candidates(steps.remove_boxes(*_mask(page)))
    assert len(regions) == 1
    mask = regions[0].mask.astype(np.uint8)
    _contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    assert (hierarchy[0][:, 3] >= 0).sum() == 1  # the loop is closed


def test_cells_of_a_long_row_of_boxes_are_found_block_by_block(monkeypatch) -> None:
    """Holes are compared CELL_BLOCK at a time (an L-shaped table of 30,000 cells needed
    7 GB at once): a row of 600 boxes has every one beside another, a lone box of
    another size none; past CELL_MAX_HOLES a region holds no cells."""
    from digits.runtime import tuning

    def square(x: int, side: int) -> np.ndarray:
        return np.array([[[x, 0]], [[x + side, 0]], [[x + side, side]], [[x, side]]], np.int32)

    row = [square(24 * k, 20) for k in range(600)] + [square(20_000, 60)]
    found = steps._cells(row)
    assert len(found) == 600 and all(c is h for c, h in zip(found, row, strict=False))
    monkeypatch.setattr(tuning, "CELL_MAX_HOLES", 500)
    assert steps._cells(row) == []


def test_a_tall_finely_ruled_page_takes_few_line_searches(monkeypatch) -> None:
    """A ruled page 6,000 px tall whose lines, 6 px apart, chain into one row of ~1
    million pixels: each line searched costs passes over all of them, so the row is
    searched for a few lines only (LINE_ROW_WORK) before the rest is taken as line (it
    took 32 each, 64 in all: 4 s here, 51 s for a page 50,000 px tall). The
    digits written across it are still found, whole."""
    glyphs = np.full((6000, 1000), 235, np.uint8)
    cv2.putText(glyphs, "2025", (300, 3000), cv2.FONT_HERSHEY_SIMPLEX, 4, 20, 10)
    unruled = [r.box[0] for r in steps.segment(glyphs).regions]  # where the glyphs are
    assert len(unruled) == 4
    page = np.full_like(glyphs, 235)
    for y in range(20, 6000, 6):
        cv2.line(page, (0, y), (999, y), 120, 1)
    page = np.minimum(page, glyphs)  # the digits written over the lines
    calls = []
    densest = steps._densest_line
    monkeypatch.setattr(steps, "_densest_line", lambda *a: calls.append(1) or densest(*a))
    seg = steps.segment(page)
    assert len(calls) <= 8
    ruled = [r.box[0] for r in seg.regions]  # the lines' ends stay on a glyph's edge
    assert len(ruled) == 4 and all(abs(a - b) <= 4 for a, b in zip(ruled, unruled, strict=True))
    assert all(r.height > 80 for r in seg.regions)


def test_a_region_longer_than_crop_max_side_is_cropped_reduced(monkeypatch) -> None:
    """A digit longer than CROP_MAX_SIDE is fitted from its ink reduced by whole blocks
    (a frame-sized zigzag's 236 cut parts, each ~2,000 px, took 20 s to crop at full
    size), and reads as the same crop as the digit drawn at half the size."""
    from digits.runtime.tuning import CROP_MAX_SIDE

    sizes = []
    fit = steps.crops.fit
    monkeypatch.setattr(steps.crops, "fit", lambda ink, stroke: sizes.append(ink.shape)
                        or fit(ink, stroke))
    big = np.full((1900, 1500), 240, np.uint8)
    cv2.ellipse(big, (750, 560), (380, 400), 0, 0, 360, 30, 40)  # an 8, 1,641 px tall
    cv2.ellipse(big, (750, 1340), (450, 420), 0, 0, 360, 30, 40)
    seg = steps.segment(big)
    assert len(seg.regions) == 1 and max(seg.regions[0].box[2:]) > CROP_MAX_SIDE
    assert max(sizes[0]) <= CROP_MAX_SIDE
    half = steps.segment(cv2.resize(big, (750, 950), interpolation=cv2.INTER_AREA))
    assert np.abs(seg.crops[0, 0] - half.crops[0, 0]).mean() < 0.03


def _row_of_boxes(strip: bool, line: int) -> np.ndarray:
    """Four 100x130 px cells at x = 40 + 110 k: one box with dividers (``strip``), or
    four boxes drawn one by one, 8 px apart."""
    page = _page(240, 520)
    for k in range(4):
        x = 40 + 110 * k
        if strip:
            cv2.rectangle(page, (40, 50), (480, 180), (60, 60, 60), line)
            if k:
                cv2.line(page, (x, 50), (x, 180), (60, 60, 60), line)
        else:
            cv2.rectangle(page, (x + 3, 50), (x + 105, 180), (60, 60, 60), line)
    return page


@pytest.mark.parametrize("strip", [True, False])
@pytest.mark.parametrize("line", [2, 3])
def test_digits_touching_their_cells_lose_the_cells_sides(onnx_model, strip: bool,
                                                          line: int) -> None:
    """A digit touching its cell (on its bottom, against its side) bites the cell's hole,
    which is then no quadrilateral: the cell's sides were left joined to the digit (a 5
    against its box's side read as a 6 with the whole box around it; in a row, the
    sides read as 1s). Such a cell is found by its hull beside its row's whole cells, or
    within its box's line."""
    page = _row_of_boxes(strip, line)
    for x, y, digit in [(60, 160, "7"), (170, 180, "2"), (262, 160, "5"), (392, 160, "3")]:
        cv2.putText(page, digit, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 3.2, (25, 25, 25), 7)
    got = read_digits(Model(onnx_model, "cpu"), page, 0.3)[0]
    assert "".join(str(d.label) for d in got) == "7253"
    assert all(d.box[3] < 80 for d in got)  # no box side left with its digit


def test_a_cell_is_bitten_by_a_digit_not_split_by_a_zero() -> None:
    """A box whose hole a digit bites (a blob against its bottom) is a cell within its
    box's line; the pieces of a box split by a 0 touching its top and bottom (its loop's
    sides bulge into them: they fill ~0.45 of their hull) are not, or erasing their
    outline as a cell's takes the 0's sides."""
    def holes(mask: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        outer = next(i for i, h in enumerate(hierarchy[0]) if h[3] < 0
                     and cv2.boundingRect(contours[i])[2] > 90)
        inner = [contours[i] for i, h in enumerate(hierarchy[0]) if h[3] == outer]
        return inner, steps._quadrilateral(contours[outer])

    def hulls(inner: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(c, q) for c in inner if (q := steps._hull_quad(c)) is not None]

    bitten = np.zeros((200, 160), np.uint8)
    cv2.rectangle(bitten, (20, 30), (130, 170), 255, 3)
    cv2.putText(bitten, "2", (45, 170), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 7)
    inner, quad = holes(bitten)
    assert len(inner) == 1 and steps._quadrilateral(inner[0]) is None
    assert len(steps._bitten_cells(hulls(inner), [], (quad, 3.0))) == 1
    split = np.zeros((200, 160), np.uint8)
    cv2.rectangle(split, (20, 30), (130, 170), 255, 3)
    cv2.ellipse(split, (75, 100), (35, 67), 0, 0, 360, 255, 3)
    inner, quad = holes(split)
    assert len(inner) == 3 and steps._bitten_cells(hulls(inner), [], (quad, 3.0)) == []
