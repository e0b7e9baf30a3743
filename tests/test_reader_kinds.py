"""The reader on every kind of everyday input of issue 8, built by tests/kinds.py (never
the shared field-case files): the text read, and nothing read where there is no digit.

Each kind is generated 6 times (COUNT for a noisy one) from seed 0 (other sizes, pens,
colours, positions); the figures each test asks for are what the reader reached there,
a little below where a kind is still hard (see the closing note of issue 8 for the rates
on 100+ frames)."""

from __future__ import annotations

import json

import cv2
import kinds
import numpy as np
import pytest

from conftest import run_cli
from digits.runtime.model import Model
from digits.runtime.reader import read_digits

N = 6
# exact reads needed out of N; the hardest kinds are allowed a miss more (form boxes
# and tight crops were, at 4/6: faint 1 px box sides left as 1s beside the digits, a
# row of separate boxes never found as lines; 6/6 and 5/6 since printed structure is
# searched on fainter ink and boxes are found as boxes); a digit broken by a band of glare is
# joined again (1/6 read before the stacked-halves merge, 3/6 with it: the joined Hershey
# 1 with its flag is still read as a 3 or 5 at times)
# A printed receipt's words with a handwritten total: 0/6 totals read alone before words
# were told from numbers, 3/6 with it (SOLO, a word of digit-shaped letters, still reads).
# A comma between digits was read as a 1 (0/6); as a separator, 6/6.
# A digit with a 1 touching it is hardly wider than one digit: 1/6 read before such narrow
# regions were cut, 3/6 with it (the 1's stroke often reads as part of the digit).
# The model with printed digits reads 27 -> 30 of 60 (seeds 0, 3 and 11, 20 each); one
# more or less of 6 is noise at ~50 %, so this kind is generated COUNT times: 12 of 20
# (39 of the 60 now; a first version of segment._fat_remnants_filled joined a 6 and its 1
# into one region on the 6th image of seed 0 and read 1 of the first 6).
# form_touching_sides: bold digits against their box's side read 24 of 30 (seed 0).
NEEDED = {"broken_stroke": 3, "receipt": 3, "touching_one": 11, "form_touching_sides": 4}
COUNT = {"touching_one": 20}


@pytest.fixture(scope="module")
def model(onnx_model) -> Model:
    return Model(onnx_model, "cpu")


def _text(model: Model, image: np.ndarray) -> str:
    return "".join(str(d.label) for d in read_digits(model, image, 0.3)[0])


def _texts(model: Model, kind: kinds.Kind, count: int = N) -> list[tuple[str, str]]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(count):
        image, text = kind(rng)
        out.append((text, _text(model, image)))
    return out


@pytest.mark.parametrize("name", sorted(kinds.DIGIT_KINDS))
def test_each_kind_reads_its_digits(model: Model, name: str) -> None:
    got = _texts(model, kinds.DIGIT_KINDS[name], COUNT.get(name, N))
    exact = sum(want == read_ for want, read_ in got)
    assert exact >= NEEDED.get(name, N - 1), got


@pytest.mark.slow
def test_whole_page_12mp(model: Model) -> None:
    rng = np.random.default_rng(0)
    for _ in range(2):
        image, text = kinds.make_page(rng)
        assert image.shape[:2] == (3024, 4032)
        assert _text(model, image) == text


@pytest.mark.parametrize("condition, frames", [
    ("squared", [9, 12, 13]),  # 17-58 false 1s each, from grid columns faded by glare
    ("form", [0, 4, 5, 8, 10]),  # nothing read: separate boxes, faint box sides
    ("no-digits", [7, 16, 21]),  # 15-24 false 1s: a faded grid, strips of cells whose
                                 # faint sides the ink mask lacks
    ("crop", [1, 2, 4, 7, 19]),  # fat digits covering most of the border: background
                                 # slivers read as 1s (the polarity the model settles)
    ("desk", [5, 15, 16, 17,  # nothing read: a small sheet's edges on a dark desk
              23]),             # outvoted the pen's strokes, the sheet became ink (frame
])                              # 21 too; its 7 is now found, and read as a 2); 23: a bit
                                # of the sheet's soft shadow read as a 1
def test_scene_frames_once_misread(model: Model, condition: str, frames: list[int]) -> None:
    """Scene frames (digits.scenes, tuning seed 3) that the reader once misread, read
    exactly: no piece of a faded grid or of a box is a digit."""
    from digits.scenes import generate_condition
    scenes = generate_condition(condition, max(frames) + 1, seed=3)
    for i in frames:
        got = [d.label for d in read_digits(model, scenes[i].image, 0.3)[0]]
        assert got == scenes[i].labels, (i, got)


@pytest.mark.parametrize("condition, seed, frame", [
    ("squared", 5, 19),  # "326", "83463", "515700": a grid line that the frame's edge
    ("squared", 11, 1),  # runs along was no thin line; it stayed, joined digits by the
    ("squared", 11, 16),  # grid's columns, and was dropped with them as the sheet's edge
                          # (read "26", "3463", "700")
    ("squared", 5, 93),  # "818", "895": a 2 px column seen as two lines made the grid
    ("squared", 11, 13),  # uneven, its columns through digits were not searched (read
                          # "18", "8951")
    ("form", 3, 88),  # "861142": the 8 against its box lost its side with the box's ("13")
    ("form", 3, 90),  # "0500": the last 0 against its box's side, cut open (read as a 3)
    ("form", 3, 94),  # "24153": the 4 against its box lost its side with the box's
                      # ("261153")
    ("form", 5, 14),  # "88": the first 8 against its box (read "13")
    ("form", 11, 84),  # "080": the first 0 against its box, cut open (not read)
    ("form", 3, 27),  # "1261624": the 1 px rim of a blurred box side beside a 4, left by
                      # the thinner erase alone, read as a 1 (the rim within the thicker
                      # band goes)
    ("form", 11, 77),  # "1299448": the 4 of a strip of two boxes against the divider,
                       # which splits its cell's hole; the divider stayed as a 1 ("12994418")
    ("form", 3, 79),  # "3333210": the 2 against its box's divider ("333312110")
    ("touching", 3, 18),  # "63118": "18" rejected whole, its 1 as tall as the 8 ("631")
    ("touching", 11, 65),  # "736": "36" rejected whole, cut into two wide digits ("7")
    ("touching", 11, 89),  # "018": "01" rejected whole, its 1 as tall as the 0 ("8")
    ("touching", 11, 92),  # "172": "17" rejected whole, its 1 as tall as the 7 ("2")
    ("touching", 3, 23),  # "5668": "66", as wide as tall, read whole as a 6 at 0.81 ("568")
    ("touching", 5, 29),  # "944": "44", 1.26 h wide, read whole as a 4 at 0.95 ("94")
    ("touching", 3, 61),  # "09331": "09" and "331" rejected whole, both cut, "09" surely:
    ("touching", 3, 75),  # "75122": the same ("75", "22"); each counted a letter and
                          # the line was a word ("", "")
    ("touching", 3, 59),  # "091": "0 | 91" and "0 | 9 | 1" tied on the 0 ("09")
    ("crop", 11, 34),  # "703": the 3 at the crop's right side taken for a desk strip ("70")
    ("crop", 5, 63),  # a fat blurred 8 filling the crop: its strokes, wider than the
    ("crop", 5, 72),  # surface's kernel, stayed in the surface and the ink broke where
    ("crop", 11, 33),  # they cross ("00", "111", "1111"; segment._fat_remnants_filled)
    ("crop", 13, 87),  # one fat digit filling a crop of 407-611 px: nearly no thin ink of
    ("crop", 23, 78),  # either polarity, and the few pixels counted took the paper for
    ("crop", 27, 18),  # light ink (read "", "", ""; ink_map's doubt, read both ways)
    ("touching", 5, 73),  # "090" in a fat printed face, the same ("11")
    ("no-digits", 3, 86),  # a scrawl wider than tall read as a 4 at 0.58, in doubt again
                           # when read narrowed (reader._narrowed)
    ("no-digits", 3, 70),  # a zigzag scrawl crossing itself into 5 loops, read as an 8 at
                           # 0.75 (reader._loopy_rejected)
])
def test_tuning_seed_frames_once_misread(model: Model, condition: str, seed: int,
                                         frame: int) -> None:
    """Scene frames of the tuning seeds (digits.scenes) that the reader once misread,
    read exactly: a grid line cut by the frame's edge and a dense grid's doubled columns
    (squared), a digit touching its box keeps its strokes and the box's rim goes
    (form), touching pairs rejected whole are cut, a region cut surely is no letter of a
    word and a tie between cuts goes to the next weakest part (touching), a crop's last
    digit is no desk strip and a fat digit filling it stays whole, or is read both ways
    when its polarity is in doubt (crop), a wide scrawl read in doubt, or one with more
    loops than a digit has, is no digit (no-digits)."""
    from digits.scenes import generate_condition
    scene = generate_condition(condition, frame + 1, seed=seed)[frame]
    assert [d.label for d in read_digits(model, scene.image, 0.3)[0]] == scene.labels


def test_the_digits_at_a_small_crops_sides_are_read(model: Model) -> None:
    """A number cut out with no margin: its first and last digits touch the image's
    sides, as a desk strip does (20 images: 15 read exactly when every region along
    30 % of a side was taken for the desk, 19 when a region shaped like a digit, meeting
    the side along part of its height, with a neighbour of its height, is kept)."""
    rng = np.random.default_rng(0)
    got = [(text, _text(model, image)) for image, text in
           (kinds.make_small_crop(rng) for _ in range(20))]
    assert sum(want == read_ for want, read_ in got) >= 18, got


@pytest.mark.slow
def test_one_touching_a_digit_read_as_not_a_digit_is_cut(model: Model) -> None:
    """A digit with a 1 touching it is often read as "not a digit" whole: it is cut into
    the 1 and the digit when both read confidently and the 1 is nearly the pair's height
    (60 images: 29 read exactly when such pairs were not cut, 39 with it)."""
    if model.reject_index is None:
        pytest.xfail("needs the reject class")
    rng = np.random.default_rng(0)
    got = [(text, _text(model, image)) for image, text in
           (kinds.make_touching_one(rng) for _ in range(60))]
    assert sum(want == read_ for want, read_ in got) >= 36, got


@pytest.mark.parametrize("name", ["empty_grid", "empty_form"])
def test_printed_structure_alone_reads_nothing(model: Model, name: str) -> None:
    got = _texts(model, kinds.NO_DIGIT_KINDS[name])
    assert sum(read_ == "" for _want, read_ in got) >= N - 1, got


def test_printed_words_are_not_digits(model: Model) -> None:
    """Lines of small printed capitals (O, I, S, L among them) are words, not digits:
    0/6 pages read nothing before words were told from numbers, 3/6 with it; the rest
    keep a few digit-shaped letters (SOLO) instead of a digit per letter."""
    if model.reject_index is None:
        pytest.xfail("words are told by the letters the reject class finds")
    got = _texts(model, kinds.NO_DIGIT_KINDS["printed_text"])
    assert sum(read_ == "" for _want, read_ in got) >= 3, got
    assert all(len(read_) <= 6 for _want, read_ in got), got


@pytest.mark.parametrize("name", [
    "letters",
    pytest.param("scribble", marks=pytest.mark.xfail(
        strict=True, reason="known: 2 of these 6 scribble frames still yield a digit (the model "
        "rejects ~90 % of generated scribbles); issue 8's target is not met yet")),
])
def test_letters_and_scribbles_read_nothing(model: Model, name: str) -> None:
    if model.reject_index is None:
        pytest.xfail("a 10-class model reads letters as digits: needs the reject class")
    got = _texts(model, kinds.NO_DIGIT_KINDS[name])
    assert all(read_ == "" for _want, read_ in got), got


def test_alpha_canvas_both_polarities(model: Model) -> None:
    """Black strokes and white strokes on a transparent canvas read the same."""
    rng = np.random.default_rng(4)
    image, text = kinds.make_canvas_alpha(rng)
    for colour in (0, 255):
        image[:, :, :3] = colour
        assert _text(model, image) == text


def test_cli_never_silent(model: Model, tmp_path) -> None:
    """Ink that is not read says so: a stderr line in text mode, `rejected` in JSON;
    low-confidence digits are marked."""
    rng = np.random.default_rng(0)
    image, _ = kinds.make_scribble(rng)
    path = tmp_path / "scribble.png"
    cv2.imwrite(str(path), image)
    proc = run_cli("recognize", str(path), "--no-show", "--min-confidence", "0.999",
                   "--model", str(model.path))
    assert proc.returncode == 0, proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"digits: {path}:")]
    assert len(notes) == 1 and "nothing read" in notes[0], proc.stderr
    proc = run_cli("recognize", str(path), "--no-show", "--json", "--min-confidence", "0.999",
                   "--model", str(model.path))
    rec = json.loads(proc.stdout)
    assert rec["text"] == "" and rec["rejected"] >= 1
    image, text = kinds.make_thin_ones(np.random.default_rng(0))
    cv2.imwrite(str(path), image)
    proc = run_cli("recognize", str(path), "--no-show", "--json", "--model", str(model.path))
    rec = json.loads(proc.stdout)
    assert "".join(c for c in rec["text"] if c.isdigit()) == text and rec["rejected"] == 0
    for d in rec["digits"]:
        assert d["low_confidence"] == (d["confidence"] < 0.8)


def test_reject_class_is_obeyed(onnx_model) -> None:
    """With a reject class, regions the model puts there are rejected, not digits: here
    the class of 7s stands in for "not a digit" on a real session."""
    model = Model(onnx_model, "cpu")
    image, text = kinds.make_thin_ones(np.random.default_rng(0))
    assert _text(model, image) == text
    model.reject_index = model.labels.index(int(text[0]))
    got, rejected = read_digits(model, image, 0.3)
    assert "".join(str(d.label) for d in got) == text.replace(text[0], "")
    assert rejected == text.count(text[0])


def test_comma_is_kept_as_a_separator(onnx_model, tmp_path) -> None:
    """A handwritten thousands comma is no digit: the number reads with its comma."""
    image, text = kinds.make_comma_number(np.random.default_rng(3))
    path = tmp_path / "comma.png"
    cv2.imwrite(str(path), image)
    proc = run_cli("recognize", str(path), "--no-show", "--json", "--model", str(onnx_model))
    rec = json.loads(proc.stdout)
    assert rec["text"].replace(",", "") == text and "," in rec["text"], rec["text"]


@pytest.mark.xfail(strict=True, reason="known limitation: a 7-segment meter whose broken "
                   "digits (0, 1, 7: two halves each) outnumber its whole ones; the halves "
                   "are judged against the line's median height, which is then a half")
def test_seven_segment_mostly_broken(model: Model) -> None:
    got = _texts(model, kinds.make_seven_segment)
    assert sum(want == read_ for want, read_ in got) >= N - 1, got


@pytest.mark.xfail(strict=True, reason="known limitation: the model that learns blurred "
                   "digits reads an LCD 8's or 9's left segments surely as a 1 beside the "
                   "rest (\"13\"); regions 0.55-0.6 of their height wide are still offered "
                   "cuts, as touching pairs with a 1 are that narrow (10 of 32 read)")
def test_segment_display_eights_and_nines_are_not_cut(model: Model) -> None:
    """An LCD's 8 or 9, 0.5 of its height wide, is one digit, no pair of touching digits:
    with SPLIT_MIN_ASPECT at 0.6, 29 of these 32 read right. (Its 0s and 6s fall apart at
    their corners: test_seven_segment_mostly_broken.)"""
    got = ["".join(str(d.label) for d in read_digits(
        model, kinds.lcd_digit(digit, height, pen, slant, blur), 0.3)[0]) == str(digit)
           for digit in (8, 9) for height in (50, 70) for pen in (0.1, 0.14)
           for slant in (0.0, 0.08) for blur in (0.0, 1.0)]
    assert sum(got) >= 27, sum(got)


def test_a_column_of_ones_in_a_table_is_no_rule(model: Model) -> None:
    """A table (rules at uneven spacing) with a 1 at the same place in every row reads
    exactly: the 1s, one under the other, are no column rule."""
    page = np.full((480, 640, 3), 235, np.uint8)
    xs, ys = (40, 150, 330, 600), (40, 130, 220, 310, 400)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), (60, 60, 60), 2)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), (60, 60, 60), 2)
    rows = ["17", "14", "19", "12"]
    for y, text in zip(ys, rows, strict=False):
        cv2.putText(page, text, (175, y + 70), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (25, 25, 25), 5)
    got = read_digits(model, page, 0.3)[0]
    assert "".join(str(d.label) for d in got) == "".join(rows)


def _photographed(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sheet as a phone sees it: perspective (corners moved up to 3 % of the frame),
    light falling off to ~50 % towards one side, sensor noise, JPEG."""
    h, w = canvas.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = (src + rng.uniform(-0.03, 0.03, (4, 2)) * [w, h]).astype(np.float32)
    img = cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(src, dst), (w, h),
                              borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    side = rng.uniform(0, 2 * np.pi)
    t = ((xx / w - 0.5) * np.cos(side) + (yy / h - 0.5) * np.sin(side)) + 0.5
    img *= (1 - 0.5 * np.clip(t, 0, 1))[:, :, None]
    img += rng.normal(0, 3, img.shape).astype(np.float32)
    _ok, jpg = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR)


def _dark_grid(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """640x480 squared paper whose 1-2 px lines are nearly as dark as a pen (the pen's
    gray level + 30-60), and that pen's level."""
    canvas = np.full((480, 640, 3), int(rng.integers(215, 246)), np.uint8)
    pen = int(rng.integers(20, 60))
    step = int(rng.integers(18, 36))
    for v in range(int(rng.integers(0, step)), 640, step):
        level = (pen + int(rng.integers(30, 61)),) * 3
        cv2.line(canvas, (v, 0), (v, 479), level, int(rng.integers(1, 3)), cv2.LINE_AA)
        cv2.line(canvas, (0, v), (639, v), level, int(rng.integers(1, 3)), cv2.LINE_AA)
    return canvas, pen


def test_empty_grids_and_forms_of_separate_boxes_read_nothing(model: Model) -> None:
    """Scene frames (digits.scenes, no-digit frames, tuning seed 5) once read as digits:
    an empty grid nearly as dark as ink, photographed in perspective and uneven light,
    whose columns fade in the darker part (frame 50: a row of 25 1s), and rows of form
    boxes drawn one by one with lines of different weight, neighbours overlapping, a
    light box's side lost (frames 20, 88: 1 and 7 false digits)."""
    from digits.scenes import generate_condition
    scenes = generate_condition("no-digits", 89, seed=5)
    for i in (20, 50, 88):
        assert _text(model, scenes[i].image) == "", i
    # a dense grid in perspective, its slanted columns sharing rows across the frame
    # (seen as unevenly spaced, its faded columns were left as 19 1s)
    assert _text(model, generate_condition("no-digits", 100, seed=17)[99].image) == ""


def test_digits_on_a_dark_grid_are_read(model: Model) -> None:
    """Fine-pen digits on squared paper whose lines are nearly as dark and as thin as
    the strokes: a stroke beside a grid line is not part of the line, nor a stroke's
    piece between lines a line's remnant (7 of these 8 frames read exactly with the
    shipped model; 5 when every thin stroke in a line's rows was line)."""
    exact = []
    for seed in range(8):
        rng = np.random.default_rng([seed, 3])
        canvas, pen = _dark_grid(rng)
        text = "".join(str(int(d)) for d in rng.integers(0, 10, 4))
        x, y = int(rng.integers(40, 200)), int(rng.integers(150, 300))
        thick = int(rng.integers(3, 5))
        for ch in text:  # apart: touching digits are another matter
            cv2.putText(canvas, ch, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 3.0, (pen,) * 3, thick,
                        cv2.LINE_AA)
            x += cv2.getTextSize(ch, cv2.FONT_HERSHEY_SIMPLEX, 3.0, thick)[0][0] + 20
        exact.append(_text(model, _photographed(canvas, rng)) == text)
    assert sum(exact) >= 6, exact


def test_a_one_in_another_ink_than_the_digits_is_structure(model: Model) -> None:
    """A gray bar read as a 1 right beside a digit written in blue is a form box's side,
    rejected, whether taller than the digit or as thin as a printed line (the rest of a
    side the digit touched, shorter than it); the same bar in the digits' blue is a 1,
    read; a gray 1 at a writer's gap from the blue digits is a second pen's 1 (a
    receipt's, a correction), read."""
    blue, gray = (150, 60, 20), (70, 70, 70)
    for bar, gap, top, want in ((gray, 4, 45, "2345"), (blue, 4, 45, "23145"),
                                (gray, 36, 45, "23145"), (gray, 4, 75, "2345"),
                                (blue, 4, 75, "23145")):
        canvas = kinds.paper(200, 560, np.random.default_rng(1), level=240)
        x = 40
        for k, ch in enumerate("2345"):
            a = kinds.glyph(ch, 90, 9)
            kinds.paste(canvas, a, x, 150 - a.shape[0], blue)
            x += a.shape[1] + 40
            if k == 1:
                canvas[top:160, x - 40 + gap:x - 40 + gap + 8] = bar  # a box side
                x += gap + 8
        digits, rejected = read_digits(model, kinds.finish(canvas), 0.3)
        assert "".join(str(d.label) for d in digits) == want, (bar, gap, top)
        assert rejected == (1 if want == "2345" else 0)


def test_a_nearly_black_image_is_said_to_be(model: Model, tmp_path) -> None:
    """An underexposed 8-bit photo (levels 0-12) reads nothing: said on stderr, not
    silent; a blank white page reads nothing and says nothing."""
    from digits.scenes import generate

    dark = tmp_path / "dark.png"
    cv2.imwrite(str(dark), (generate(1, seed=41)[0].image // 20).astype(np.uint8))
    white = tmp_path / "white.png"
    cv2.imwrite(str(white), np.full((120, 160, 3), 240, np.uint8))
    proc = run_cli("recognize", dark, white, "--no-show", "--model", str(model.path))
    assert proc.returncode == 0, proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if "nearly black" in ln]
    assert len(notes) == 1 and str(dark) in notes[0], proc.stderr
