"""Every tuning constant of the reader, in one place, with its reason.

Pixels are working pixels (``segment.working_gray``) unless said otherwise. "Field
cases" are the 17 everyday inputs of issue 8; "kinds" the generated inputs of
tests/test_reader_kinds.py; "scenes" ``python bench/scenes.py``.
"""

# ---- working size -----------------------------------------------------------------------
# Photos are reduced by an integer factor until the short side is at most this. A 12 MP
# page (short side 3024) becomes 1008: its ~60 px digits become ~20 px, still above the
# 20 px box the model reads; 640x480 frames are untouched. Speed: the page then costs
# ~10x a 640x480 frame instead of ~40x.
WORK_MAX_SHORT_SIDE = 1000

# Images whose short side is below this are taken as one digit already (a 28x28 paint
# drawing, a tight crop): one background level, no line removal.
SMALL_IMAGE = 96

# ---- background and polarity ------------------------------------------------------------
# The background is estimated on a copy reduced to a short side of this many pixels,
# with an elliptic kernel of BACKGROUND_KERNEL pixels there: 11/60 of the short side,
# wider than a 30 px brush on a 280 px canvas (the widest brush of issue 8), and a slow
# enough surface for uneven light and shadow. Generated fat brushes (tests/kinds.py,
# seed 1): 7/12 read at 9, 11/12 at 11 and 13; 13 let a desk band narrower than the
# kernel outvote the ink (card-on-desk field case read nothing).
BACKGROUND_SHORT_SIDE = 60
BACKGROUND_KERNEL = 11
# Gray levels a pixel must differ from the surfaces to count as ink when polarity is
# decided: above JPEG noise and paper texture; 25 let the halo around a card's edge
# outvote the ink (card-on-desk field case).
POLARITY_MIN_CONTRAST = 40
# Blurred fat strokes wider than the kernel stay behind in the surface, and the ink
# breaks where they cross (``segment._fat_remnants_filled``): such remnants, at least
# the kernel wide, filling at most REMNANT_MAX_SOLIDITY of their convex hull, and meeting
# the frame's sides along at most REMNANT_SIDE_CONTACT of its short side, are taken from
# the surface made with a kernel REMNANT_KERNEL_FACTOR times as wide. Tuning seeds 3 / 5
# / 11, 100 frames a condition: crop 98 / 96 / 97 -> 98 / 98 / 99 % frames exact (fat 4s
# and 8s read "111", "00"), no other frame changed. A fat digit's remnant fills 0.55-0.70
# of its hull; a coin, cap, phone, remote or patch of shadow lying on the page 0.9-1.0.
# Without the solidity rule those objects became ink and their page's digits were lost
# (two helpers' attacks: 110 of 2,570 images, and 11 of 180 pages with a phone or a
# remote); with it, 15 better and 3 worse of the 2,570 (the 3 were misread before).
# Taken on both surfaces before polarity is decided, a desk's corner went too (desk 90 /
# 93 -> 89 / 91 %).
REMNANT_KERNEL_FACTOR = 2
REMNANT_SIDE_CONTACT = 0.25
REMNANT_MAX_SOLIDITY = 0.8
# A step of the writing surface (a sheet's edge on a desk) is a difference of this many
# gray levels between neighbouring pixels of the reduced surface, along at least
# SURFACE_STEP_SPAN of its short side (shorter: what is left of a brush wider than the
# kernel); a region with SURFACE_STEP_SHARE of its ink there is the sheet's edge
# (segment.surface_steps). Scenes seed 3, 40 desk frames: 25 -> 52.5 % frames exact, 1.15
# -> 0.2 false digits per frame; at 25, 57.5 % but a fat-brush canvas digit was lost.
SURFACE_STEP = 30
SURFACE_STEP_SPAN = 0.3
SURFACE_STEP_SHARE = 0.6  # (0.3-0.8 read the same desk frames, seed 3)
# Colour steps are measured on the frame reduced to the surface's size from at most this
# many pixels across each of its pixels (every s-th pixel of larger frames): a 640 x 480
# frame is reduced whole, a 4032 x 3024 page from every 6th pixel (8.8 ms, not 78 ms).
COLOUR_SAMPLES = 8
# Steps of hue count too (segment._colour_step: each colour channel less the gray; a
# yellow note on a pale gray desk steps in hue, not in gray, and its shadowed edge was
# read as a 1), but only for a region SURFACE_STEP_SPAN of the short side long or more
# (the shadow runs along a note's side; a digit across a coloured edge is shorter).
# Scenes seeds 3/5/11, 100 desk frames each: 90/83/88 -> 90/90/93 % frames exact, false
# digits 23 -> 16, no other frame of any condition changed. Tried first: steps in each
# channel whole (gray included) and for any region: 92/92/92 % there, but a helper's 239
# coloured-paper photos lost 22 (digits across a note's, a card's, a highlighter's or a
# table row's edge), and gray crops of fat digits lost strokes; as now, 194 -> 196 of
# them exact (1 worse: a sliver read as a 1). The shadow along a sheet's edge
# (_on_faint_line) is looked for where the surface steps in gray only, as before.
# The same steps of the median surface are left out of the polarity's counts when a sheet
# lies on a desk (segment._unlike_border): the smoothed surfaces leave a strip of "light
# ink" along a light sheet's edges that outvoted a pen's strokes on a small sheet, and the
# sheet became the ink. Scenes seed 3, 40 frames: desk 84.8 -> 96.4 % digits read, 65 ->
# 82.5 % frames exact; crop 87.3 -> 94.5 %; other conditions unchanged. Not on a frame
# whose border is its surface: a brush wider than the kernel leaves long steps too.
# The polarity with more thin ink wins when it has POLARITY_CLEAR times the other's;
# closer than that, the border decides (segment._light_from_border). A fat 8's loops
# counted 791 light against 690 dark pixels (generated fat brushes, seed 0).
POLARITY_CLEAR = 2.0
# Ink is the lesser part of a frame: a polarity whose thin ink covers more than
# INK_MAX_SHARE of it is the surface, and the other polarity wins. A 4032x3024 page of
# 1,092 MNIST digits 90 px tall (an attack) is texture at the surfaces' low resolution:
# its median fell 50 levels below the paper, the paper counted as light ink on 51 % of
# the frame against 23 % of dark ink, and 15 digits were read.
INK_MAX_SHARE = 0.4
# When less than this share of the frame is thin ink of either polarity, the frame is
# one digit whose strokes are wider than the kernel (a tight crop): one background
# level is used instead. Generated tight crops (seed 1) had 0.1-0.3 %; frames with
# digits 1-10 %.
THIN_INK_SHARE = 0.005
# ... in images whose short side is below this (a page with a few small digits also has
# little thin ink, and a shaded corner is no digit: whole-page field case).
ONE_DIGIT_MAX_SIDE = 400
# ... and in larger images with less thin ink than THIN_INK_SHARE, the polarity is in
# doubt (read both ways, ``segment.ink_map``) when the ink against one level covers this
# share of the frame or more: one fat digit filling a tight crop (31-36 % of crops of
# 407-611 px, scene seeds 3-27, whose thin ink counted 0-151 px of light against 0 of
# dark: read as nothing), or a fat printed "090" (7.6 %); a dense grid whose one-level
# reading takes its lines for light ink covers as much (7.4 %), but its thin ink is no
# doubt (read both ways without that test: "1111"). Scene seeds 3 / 5 / 11 (every
# condition) and 13 / 17 / 19 / 21 / 23 / 27 (crop, touching, no-digits), 100 frames
# each: crop +3 frames, touching +2, nothing else changed; tests/kinds.py seeds 0 and 1
# and the field cases as before, and their read times. A helper's own 400-1500 px crops:
# one fat digit 12 -> 76 / 21 -> 83 of 120 (dark / light ink), two 23 -> 60, cut off by
# the frame 41 -> 84, none worse; big fat letters cropped tight, false digits 1 -> 6 of 25.
FAT_INK_MIN_COVER = 0.05
# The corners that tell a one-level image's background (segment._one_level) are squares of
# 1/CORNER_DIVISOR of its short side: a fat tight crop's digit covers most of the border
# (a red 8 read as three 1s: the border's median was the ink), rarely a corner.
CORNER_DIVISOR = 12
# ... or less than this share, when one level's ink reaches all four edges (a tight
# crop): generated tight crops had 1.7-5.3 %, squared paper (whose grid also touches
# every edge) 13.7 %. Larger images too (segment._fat_crop), when one level's strokes
# are at most CROP_STROKE_MAX of the short side wide (twice the largest distance to the
# background, at low resolution): 4 fat digits on a 491x1788 crop read nothing (the
# paper between them taken for light ink); generated crops' strokes were 0.16-0.38 of the
# short side, the shading that reaches the edges of clean 640x480 frames 0.45-1.25. The
# strokes must also be at least BACKGROUND_KERNEL wide at low resolution (the rule is for
# strokes the kernel cannot close over): a dark desk's thin rim around a sheet that fills
# the frame took the sheet for light ink (a tester's photos: 7 read nothing or less).
TIGHT_CROP_THIN_INK_SHARE = 0.06
CROP_STROKE_MAX = 0.42
# ... and whose ink lies along no side over this share of it: a band of shade along a
# whole side of a clean 640x480 frame (1.0) is no digit; crops' digits covered at most
# 0.95 of a side (generated crops, tests/kinds.py large crops, a tester's 40 fat crops).
CROP_SIDE_COVER = 0.98
# "Reaches an edge": ink within this share of the side from it. Generated crops stop
# 1-5 px short of their edges (the ink's soft rim falls under the threshold); exactly
# at the edge, the rule fired on none of them. With the large crops above, scenes' crop
# condition, frames exact (digits read): seed 5 81 -> 92 % (80.4 -> 95.1 %), seed 11
# 84 -> 92 % (86.9 -> 94.9 %); no frame of any other condition changed (100 frames each);
# tests/kinds.py large crops 20 frames (seed 0): 6 -> 18 read exactly.
TIGHT_CROP_MARGIN = 0.03

# ---- threshold --------------------------------------------------------------------------
NOISE_MADS = 6.0  # the ink threshold sits this many noise deviations above the median
MIN_INK_LEVEL = 18.0  # gray levels: an empty page stays empty under JPEG noise

# ---- printed structure ------------------------------------------------------------------
# Printed lines are at most this thick (ruled, grid and form lines of the field cases are
# 2-3 px; pens there are 5-12 px).
LINE_MAX_THICK = 5
# Printed lines are searched on ink at this share of the ink threshold: a form's faint box
# sides and a grid's light lines are part of the structure even where the pen's threshold
# drops them (scenes seed 3, 40 frames: squared 35 -> 72.5 % frames exact and 5.3 -> 0
# false digits per frame, ruled 60 -> 85 %, no-digit frames 2.05 -> 1.23 false digits).
FAINT_LINE_SHARE = 0.5
# Frames with a short side of at least this are searched for lines at half resolution
# (4x cheaper; 10 ms -> ~3 ms per 640x480 scene frame); the constants below are in
# working pixels and are halved there.
LINE_HALF_RES_SIDE = 400
# A line piece is a run of at least max(LINE_MIN_RUN, side / LINE_RUN_DIVISOR) pixels.
LINE_MIN_RUN = 20
LINE_RUN_DIVISOR = 16
# Runs are found on ink thickened by this many rows, so a line slanted by perspective
# (3 % corners in the scenes) and a stroke crossing it stay one run.
LINE_SLANT_ROWS = 5
LINE_MAX_SLANT = 0.08  # a run's height over its width: steeper is not a printed line
LINE_ROW_TOLERANCE = 6  # pixels: pieces whose centres are this close are one row
# A line's pixels are those within its own half thickness plus this many pixels (at the
# resolution lines are searched at) of the straight line fitted to it; strokes beside
# it are not line (a 0's side along a grid column, a 4's stem: squared paper whose grid
# is as dark as the ink lost them).
LINE_FIT_SLACK = 1.5
# A line is looked for among this many slopes up to LINE_MAX_SLANT: 0.005 apart, its
# end moves less than 2 px over the longest run at the resolution lines are searched at.
LINE_FIT_SLOPES = 33
# At most this many of a row's pixels, evenly taken, vote for its densest line: a row of
# printed lines holds up to ~2,500 (scenes seed 3: ruled, squared, form, desk, no-digits,
# page), a texture of fine stripes or a checkerboard chained into one row 170,000, and
# voting over all took ~40 ms per line found and 33 x 8 bytes per pixel.
LINE_VOTE_POINTS = 4096
# A row holds at most this many lines; the rest of its line candidates are taken as line
# too. Rows of printed lines hold 1-9 (scenes seed 5, 40 frames each of squared, ruled,
# form, page, no-digits, desk, mixed: squared paper's rows crossed by digits); a texture
# of fine stripes chained into one row held hundreds, found one by one (10-80 s a frame),
# and all but a few pixels of it went as line in the end.
LINE_ROW_MAX = 32
# ...and at most LINE_ROW_WORK / (its pixels) of them: each line found costs some 25
# passes over the row's free pixels, and a ruled page thousands of pixels tall, its
# lines chained into one row of ~2 million pixels, took 8 s (1999 x 8000) to 51 s
# (1000 x 50000) to find its 32 (now 1.8 and 8.5 s). Rows of printed lines (up to ~2,500
# pixels, above) may still take all 32.
LINE_ROW_WORK = 2_000_000
# A row of runs is a line when they span this share of the width: ruled paper and grid
# span all of it, a row of 5 form boxes ~75 %; a 7's bar in a tight crop is one run
# alone (a single line is never removed: remove_lines).
LINE_SPAN_H = 0.5
# Once two lines are found (ruled paper, a grid), faint or broken lines of the same
# family need only span this share (scenes seed 99: lines faded by uneven light were
# merged into digits; a 7's bar spans at most ~0.16 of a scene's width). Once a grid is
# seen (two lines each way, evenly spaced: GRID_EVEN), its columns too: their faded
# pieces read as rows of 1s
# (scenes seed 3, squared: 22.3 -> 6.9 false digits per frame with the line remnants).
# Lines this long are also the ones extended across the frame (a line's remnants).
LINE_SPAN_FAMILY = 0.2
# Vertical lines must span more of the height: two thin upright 1s span ~55 % of the
# field case's height, a margin or grid line all of it. Box sides are found as cell
# edges instead.
LINE_SPAN_V = 0.75
# ... or this share, for columns evenly spaced beside GRID_MIN_LINES evenly spaced
# horizontal lines (squared paper photographed in uneven light: its columns fade in
# the darker part and the columns of a 640x480 grid frame spanned 0.6-0.74 of the
# height; no-digit frames seed 5, one empty grid read as 25 1s).
LINE_SPAN_GRID_V = 0.5
# A single line is removed only when it crosses LINE_ALONE_SPAN of the frame and is
# LINE_ALONE_ASPECT times longer than thick (a margin line whose faint rules were not
# found read as a 1: generated ruled paper, seed 0; it was 100x longer than thick).
LINE_ALONE_SPAN = 0.9
LINE_ALONE_ASPECT = 60
# A cell edge runs at least this share of the way between two horizontal lines.
CELL_EDGE_SPAN = 0.8
# A box (remove_boxes) is a convex quadrilateral at least BOX_MIN_SIDE working pixels on
# each side whose outline fills BOX_FILL of its 4-corner polygon (found with corners
# within BOX_CORNER_TOLERANCE of the outline's length). A round-cornered square 0 whose
# corner radius is a quarter of its side fills ~0.946 of it. Scenes seed 3, 40 form
# frames: 73 -> 94 % digits read, 25 -> 60 % frames exact; boxes also looked for on the
# faint ink: 60 -> 72.5 % frames exact, and 40 no-digit frames 1.375 -> 0.05 false digits.
BOX_MIN_SIDE = 16
# A box's line is at most BOX_MAX_THICK working pixels thick (on the faint ink a bold
# form box is thicker than a ruled line): scenes seed 5, 40 form frames, 75 -> 87.5 ->
# 90 % frames exact at 5, 7, 9 (seed 3: 72.5 -> 92.5 %); zeros, crops, canvases unchanged.
BOX_MAX_THICK = 9
# A box of SHEET_AREA of the frame or more is the outline of a sheet on a desk, erased
# SHEET_ERASE_MARGIN working px wider either side (paper bends; the pieces left read as
# 1s: attack set, 336 cases, 193 -> 201 read; the margin on every box cost form frames).
SHEET_AREA = 0.5
SHEET_ERASE_MARGIN = 2
BOX_FILL = 0.97
# ... and its line at most this share of its shorter side: a bold printed word whose
# letters join on the faint ink ("BOI", 41x19 px; "OK", 18x17) has a rectangular
# outline once corners are the hull's (tests/kinds.py printed text: 2 of 6 pages read
# "5", "005"; at 0.25 "OK" still was a box). Form cells are 40+ px with lines of 1-6
# px on the faint ink; scenes form seeds 3, 5, 11 and zeros seed 3 unchanged.
BOX_HOLLOW = 0.2
# The cells of a row of boxes drawn one by one (segment._cells): widths and heights
# within this ratio, sharing this share of the lower one's rows (a form's cells are one
# size; a slanted row stays within 0.9). Without the widths, the paper between ruled
# lines and digits (70 and 128 px wide, 27 tall) was taken for cells and a 2's neck
# erased (scenes seed 5, camera frame 9).
CELL_SIZE_RATIO = 1.25
CELL_ROW_OVERLAP = 0.8
# Holes are compared CELL_BLOCK at a time against all the others (memory: a block's row
# of pairs), and a region with more than CELL_MAX_HOLES holes has none taken for cells:
# an L-shaped table of 30,000 cells needed 7 GB at once, and 4,000 holes take ~0.3 s.
CELL_BLOCK = 256
CELL_MAX_HOLES = 4_000
# The cells' outlines are erased this many px wider either side than their region's mean
# line: boxes drawn one by one differ in weight, and a bold one's outer pixel was left
# as a 1 (no-digit frames seed 5, frame 88).
CELL_ERASE_MARGIN = 1
BOX_CORNER_TOLERANCE = 0.02
# A cell whose digit touches its side (segment._bitten_cells): its hole fills at least
# BITE_MIN_FILL of its hull (cells bitten by digits on scenes form seed 3: 0.63-0.74; the
# pieces of a box split by a 0 touching its top and bottom, its loop bulging into them:
# 0.42-0.51), and its top and bottom lie within BITE_ALIGN working px of a whole cell's
# beside it (a row's cells differ by 1-2 px), or its sides within the box's line and
# BITE_ALIGN px more of the box's; a side running outward thicker than two lines and
# BITE_ALIGN px more is no box's (segment._erase_bitten). Scenes form, 100 frames, frames
# exact (digits read), beside the code before: seed 3 92 -> 94 % (653 -> 653), seed 5
# 93 -> 93 % (663 -> 663, a false digit less), seed 11 91 -> 92 % (642 -> 643); no other
# condition changed.
BITE_MIN_FILL = 0.6
BITE_ALIGN = 3
# A bitten cell's sides are measured over their middle BITE_SIDE_SHARE (segment._side_runs):
# its corners meet the other lines.
BITE_SIDE_SHARE = 0.7
# A bitten cell's line is erased as thick as the box's; pieces left wholly within
# BITE_RIM px more either side of it go too (segment.remove_boxes: a blurred line's rim).
BITE_RIM = 2
# A box's line is erased as far as the median run of ink inward from its outline, across
# its sides at this many points each (segment._outline_runs; 4 x 16 runs: a digit
# touching its box lengthens a few): erased as thick as its ink over its length, a 0,
# an 8 or a 4 touching its box lost its side with the box's ("0500" read "0503", "88"
# "138", "24153" "261153"); the pieces of a blurred line left wholly within that
# thicker band go too (a 1 px rim read as a 1). Scenes form, 100 frames, frames exact
# (digits read): seed 3 86 -> 89 % (98.9 -> 99.4 %), seed 5 93 -> 92 % (99.0 -> 99.0 %:
# two 0s overflowing their boxes into each other, once cut apart by the thicker erase),
# seed 11 86 -> 88 % (98.6 -> 98.8 %). Not a win everywhere: forms drawn for the check
# whose digits overlap a side of their box by half its line (2 x 60 frames) read 106 ->
# 103 exactly: a 1 px rim of the side stays on a digit crossing it (removing such rims
# across the side also opened 0s touching theirs).
BOX_SIDE_SAMPLES = 16
# A box whose ink, a bold digit touching its side counted in, is too thick for a box's
# line is one still when ink lies within BOX_LINE_REACH px of its outline at BOX_LINE_COVER
# of those samples and the line itself is thin (segment._outline_runs): a thin line all
# round. (tests/kinds.py form_touching_sides: bold digits against 2-4 px sides.)
BOX_LINE_REACH = 2
BOX_LINE_COVER = 0.95
# Lines of an evenly spaced family that glare or shadow faded away are inferred from the
# spacing of those found (their dashes then count as line, not as 1s): at least this many
# found lines, spaced at least GRID_MIN_SPACING times the band drawn around each line (a
# denser family would leave little paper outside the bands). Scenes seed 3, squared:
# 116 -> 70 false digits on 20 frames. At 2, a 640x480 grid of 25 px squares (12.4 px
# at the half resolution lines are searched at, bands 7 px) had its faded columns left
# as dashes read as 1s: 1.5, squared seed 5, 40 frames, 12 -> 7 false digits, 29 -> 30
# frames exact; seeds 3 and 11 squared, ruled 3 and 5, no-digit frames seed 5 unchanged.
GRID_MIN_LINES = 3
GRID_MIN_SPACING = 1.5
# A grid's columns are evenly spaced when GRID_EVEN of the gaps between neighbours are
# within GRID_GAP_TOLERANCE of a multiple of the smallest spacing; only then are its
# faint columns searched at LINE_SPAN_FAMILY (a table's rules are not: a column of 1s,
# one under the other, made a line there; attack set, photographed tables, 203 -> 206
# of 336 read; scenes seed 3 squared and no-digit frames unchanged, seed 5 squared 0.15
# -> 0.225 false digits per frame).
GRID_EVEN = 0.7
GRID_GAP_TOLERANCE = 0.15
# The spacing is measured where the lines cross one of GRID_SAMPLE_COLUMNS columns (the
# one crossing the most): in the rows they cover, the slanted columns of a dense grid
# in perspective ran together into 3 bands, seen as uneven, and its faded columns were
# left as 19 1s (no-digit frames seed 17, 28 -> 10 false digits on 100 frames; seeds
# 3/5/11: squared 3 frames better, no frame worse in any condition). Lines are counted
# there too (one in the rows they cover: an empty grid turned 3 degrees, its slanted lines
# one band of rows at half resolution, was left whole; seeds 3/5/11 4 frames better,
# none worse).
GRID_SAMPLE_COLUMNS = 9

# ---- candidates -------------------------------------------------------------------------
# Specks: regions shorter than SPECK_STROKES times their own stroke width: dots, JPEG
# dirt, a line's crumb. Judged on each region's own strokes (not the frame's): small
# digits beside big thick ones (scenes with two lines of digits) are no specks. A
# fine-pen 1 is 15-25 stroke widths long. Below SPECK_MIN_PX pixels nothing is a digit.
SPECK_STROKES = 2.5
SPECK_MIN_PX = 6
# Ink regions (of at least SPECK_MIN_PX) one frame may hold; more make it a per-file
# error ("crop or downscale") before any per-region work, which grows with the count
# (a 17 MP grid of 10,000 8s once took 119 s and 1 GB). The field cases hold at most 8
# regions; a dense table page 1,000-2,000 (a helper's 1,193-region page was refused at
# the old limit of 1,000). Read whole, twelfth round: tables of printed 5-digit numbers,
# 900 / 1,400 / 2,000 / 4,000 digits in 0.8 / 1.0 / 1.2 / 2.9 s (4,000: 800 MB peak);
# 2,000 random scribbles 1.3-1.8 s, 380 MB.
MAX_INK_REGIONS = 2000
# Flat pieces: regions less tall than FLAT_STROKES stroke widths are not digits (no digit
# is flat; they were 89 % of the false digits on scenes seed 5: ruled-line remnants).
# The stroke width is the kept regions', the desk and the sheet's edge dropped: a
# checkered desk's measured 19 px for a 6 px pen, and a number's 3 and 7 were flat
# (attack inputs 1,205 -> 1,362 of 2,310 read exactly, 13 worse: letters now read; a
# keyboard's keycap letters around a blank sheet are read as digits too).
FLAT_STROKES = 1.8
# Pieces of one digit: overlapping boxes (share of the smaller box), or one above the
# other sharing this share of the narrower one's columns, closer than MERGE_STACK_GAP
# of the taller's height, the smaller less than MERGE_PIECE_HEIGHT of the taller's
# height (two digits on two lines are both full height and are not merged).
MERGE_OVERLAP = 0.2
MERGE_AROUND = 3.0  # a box this many times larger both ways surrounds, it is no piece
MERGE_STACK_COLUMNS = 0.6
MERGE_STACK_GAP = 0.15
MERGE_PIECE_HEIGHT = 0.6
# ...or both pieces are less than MERGE_HALF_HEIGHT of the digits beside them on their
# line and together at most MERGE_UNION_HEIGHT of it: a stroke broken in two by glare or
# moire, a 7-segment digit's upper and lower segments (whose halves are alike in height,
# so the rule above does not join them). Attack set (issue 8 follow-up): a glare-broken 1
# was two pieces of 0.45 and 0.48 of the line, 0.98 together; a moire-broken 8 0.52
# and 0.39, 0.95 together. A digit is never less than ~0.7 of its neighbours' height.
# The line's height is the median of its other regions. Its tallest other region instead
# joins the halves of 7-segment meters whose broken digits (0, 1, 7) outnumber the whole
# ones (tests/kinds.py make_seven_segment: 0/6 -> 5/6) but cost scenes "desk" 84.2 % ->
# 81.7 % of digits (seed 8101, 60 frames): a desk edge is taller than the digits.
MERGE_HALF_HEIGHT = 0.65
MERGE_UNION_HEIGHT = 1.25
# A desk band at the frame's border is this many times thicker than the strokes.
SURFACE_STROKES = 3.0
# ... or this many times thicker when it surrounds another region (generated cards on
# desks, seed 1: a desk band around bold digits was 1.8-2.5x their strokes).
SURFACE_AROUND_STROKES = 1.5
# A region whose ink runs along this share of a frame side lies along the border (a
# desk strip beside a card read as a 1 in generated cards, seed 1); a digit touching
# the border touches it briefly.
SURFACE_EDGE_CONTACT = 0.3
# ...unless it is a digit at a tight crop's side (a crop's first or last digit touches
# its side along the digit's height, or its top along a 7's bar): it lies along one
# side only, it is shaped like a digit (SPLIT_PART_MAX_WIDTH), it touches a left or
# right side along less than SURFACE_DIGIT_CONTACT of its height, and a region beside
# it is of its height within SURFACE_LIKE_HEIGHT, with strokes at least
# 1 / SURFACE_AROUND_STROKES as thick. A strip of desk, a fingertip, a bezel, a meter's
# housing or a bracket runs along a side (0.88-1.0 of its height; a 3 meets it along
# 0.44, a 0 along 0.34); at the top, a 7's or a 2's bar runs along 0.8-1.0 of its
# width, and a desk band there is wider than a digit. Crop seeds 3/5/11: 5 frames
# better, none worse in any condition; tests/kinds.py small crops, seed 7: 26/40 ->
# 36/40 read exactly; 2,310 attack inputs: 24 cropped numbers better, none worse. A
# new attack of 2,126 crops and photos with strips, bezels, fingers, brackets and
# housings along the sides: 1,838 -> 1,935 read, 1 worse (a bracket at 0.75 of its
# height read as a 1); without the contact and stroke tests 1,859, 81 worse (strips
# beside digits read as 1s, two strips vouching for each other on a blank crop); at
# 0.9, 5 worse (brackets); with the test at the top too (0.9 of the width), 1,915.
SURFACE_LIKE_HEIGHT = 1.3
SURFACE_DIGIT_CONTACT = 0.75
# A region along SURFACE_SLIVER_CONTACT of a side is a sliver, no digit, when thinner
# across it than SURFACE_SLIVER of the frame (a grid line cut by the frame's edge read as
# a 1 on empty squared paper, scenes seed 11); a tight crop's digit spans most of its
# frame both ways.
SURFACE_SLIVER = 0.1
SURFACE_SLIVER_CONTACT = 0.15
# On a frame whose surface steps (a sheet on a desk), a region LINE_PIECE_ASPECT times
# longer than wide is a piece of a long faint line (the soft shadow along the sheet's
# edge, over the ink threshold in places) when faint ink runs on along its axis to
# LINE_PIECE_EXTENT times its length (a run ends at LINE_PIECE_GAP steps without faint
# ink) and less than LINE_PIECE_INK of that run is ink (segment._on_faint_line). Scenes,
# desk condition, 100 frames, frames exact / false digits per frame: seed 5 73 -> 78 % /
# 0.29 -> 0.17, seed 11 81 -> 87 % / 0.22 -> 0.06; no other frame changed. On all frames
# (not only stepped ones) 1s on faint grid columns of squared paper went too (3 frames of
# seed 5): hence only where the surface steps.
LINE_PIECE_ASPECT = 3.0
LINE_PIECE_EXTENT = 2.5
LINE_PIECE_GAP = 3
LINE_PIECE_INK = 0.6

# ---- touching digits --------------------------------------------------------------------
# Figures below: scenes "touching", 40 frames each of seeds 3, 5, 11 (digits read % /
# frames exact %), unless said otherwise.
# Regions at least SPLIT_MIN_ASPECT as wide as tall are offered cuts: a digit with a 1
# touching it is ~0.6-0.8 as wide as tall (at 1.1, the former figure, every such pair
# was read as one digit: seed 3 "01", "18", "19", seed 5 "66", "51"). The model that
# learns blurred digits cuts some narrow printed digits at 0.55: a 6's or an LCD 8's left
# stroke read surely as a 1 beside the rest ("46" read "413"). 0.6 was tried: a helper's
# 3,000 images seven-segment 73 -> 81 of 150, house numbers 70 -> 72, none worse, tuning
# seeds as before; but a second helper's touching pairs with a 1, 0.55-0.6 of their
# height wide, read 21 -> 6 of 46. Kept at 0.55.
SPLIT_MIN_ASPECT = 0.55
# Below SPLIT_WIDE_ASPECT a region holds two digits at most, and one of them is a 1 or
# both parts are SPLIT_PAIR_PART_WIDTH of its height wide (two narrow digits): single
# 6s, 8s and 0s read at 0.6-0.9 were cut into "6 5", "8 1 3" (clean seed 3 97.5 -> 95 %
# frames exact; zeros 95 -> 92.5 %); with the rule both as before the cuts, and
# touching 94.3 / 89.7 % digits on seeds 3 / 5 (0.4: 91.9 % on seed 5 but clean 95 %).
# Such a region read as "not a digit" whole is not cut (a printed N, H, U: its stem read
# as a 1; kinds receipt 2/6 -> 3/6 read, as before the cuts; touching seeds 3/5/11
# 92.2/89.0/90.0 -> 90.1/87.5/90.0 % digits).
SPLIT_WIDE_ASPECT = 1.1
SPLIT_PAIR_PART_WIDTH = 0.5
# Such a pair is cut only when its whole is read below SPLIT_PAIR_WHOLE_MAX (most single
# digits are narrow and read below SPLIT_WHOLE_MAX at times; bench/frame.py, 300 frames,
# side by side with the issue-8 baseline: 0.95: 3.1x, 0.9: 1.7-1.9x, 0.8: 1.3x its p50;
# touching 90.1/85.3/90.0 % digits at 0.9, 90.1/84.6/88.6 % at 0.8).
SPLIT_PAIR_WHOLE_MAX = 0.8
# ...unless it is SPLIT_PAIR_WIDE_ASPECT as wide as tall or more: then, as wider regions,
# below SPLIT_WHOLE_MAX, but only into two wide digits, never a digit and a 1 (a box
# side's remnant beside a form's digit, read whole at 0.9, was cut into "2 1"). Two
# touching 6s read whole as one 6 at 0.81 (aspect 1.08) are cut; touching seeds 3/5/11:
# 1 frame better, none worse in any condition (0.85 reads the same; 0.95 cuts fewer).
# An attack of 3,933 wide single digits cropped tight and 1,067 touching pairs: no
# single digit cut, 6 pairs read right that were not.
SPLIT_PAIR_WIDE_ASPECT = 0.95
# Parts keep at least SPLIT_PART_HEIGHT of the region's height: pieces of one digit (a
# 6's loop, 0.66 of it) are mostly refused, while a short 0 beside a 7 with a tall 1 is
# not (0.75 left "071" unread; at 0.6 generated touching digits, seed 0, read 12/12).
SPLIT_PART_HEIGHT = 0.6
# A part read as a 1 keeps SPLIT_ONE_HEIGHT of it: a digit's side stroke or a letter's
# stem is shorter than a 1 written beside its neighbours ("4" cut into "6 1", "8 8"
# into "8 1 3"): form seed 5 87.5 -> 90 % frames exact (as before the cuts), squared
# seed 5 55 -> 57.5 %, no-digits seeds 3/5/11 0.17/0.12/0.05 -> 0.10/0.12/0.05 false
# digits per frame; touching 94.3/89.7/90.0 -> 92.2/89.0/90.0 % digits.
SPLIT_ONE_HEIGHT = 0.8
# ...and is at most SPLIT_ONE_WIDTH of it wide (a touching 1 is 0.15-0.3 h); a part
# neither shaped so nor SPLIT_DIGIT_MIN_WIDTH wide (the narrowest other digits are
# ~0.45 h) is no digit and is not read (fewer parts to read; touching unchanged).
SPLIT_ONE_WIDTH = 0.4
SPLIT_DIGIT_MIN_WIDTH = 0.35
# Cuts are tried every CUT_SPACING of the region's height, each along the cheapest path
# through the ink within that band (a 1 beside a digit is 0.15-0.3 h wide; 0.1: 91.5 /
# 93.4 / 86.4 % digits against 94.3 / 91.9 / 87.1 % at 0.15, twice the parts to read).
CUT_SPACING = 0.15
# A part spans at most SPLIT_PART_MAX_WIDTH of the region's height (the widest generated
# digits, hershey 5s and 4s, are ~1.2 h) and is at least CUT_PART_MIN_STROKES of the
# region's stroke wide (a cut along a stroke leaves slivers that read as 1s: the letters
# "nv" of mixed seed 3 read as seven 1s).
SPLIT_PART_MAX_WIDTH = 1.3
CUT_PART_MIN_STROKES = 0.8
# A cut that runs through ink costs CUT_INK_COST per stroke width crossed (``best_cut``):
# touching digits meet at ~1 stroke width, a cut along a 0's side crosses ~1.5 (seed 3
# "04" read "64" at 0.96 against 0.95). 0, 0.03, 0.05, 0.08, 0.12: 92.9/91.9/86.4,
# 93.6/90.4/87.1, 92.9/89.7/86.4, 92.9/89.7/84.3, 90.8/89.0/82.9 % digits.
CUT_INK_COST = 0.03
MAX_TOUCHING = 5
# Regions are offered cuts in reading order until this many parts have been offered in
# the frame; the rest are read whole. Generated frames offer up to ~120 (scenes seed 5,
# 40 frames each of touching, mixed, no-digits, desk, form, page), a ledger page of
# 1,000 digits ~3,000 (0.5 ms each to crop and read); a frame of thirty 2,000-px
# squiggles offered ~100,000 (minutes).
MAX_CUT_PARTS = 5_000
# No cut runs through a hole of the region's ink at least this many times its height
# squared, a digit's loop: cut paths go round such holes (they cost more than any ink)
# and a path that cannot is no cut. Square 0s read below SPLIT_PAIR_WHOLE_MAX were cut
# into a 1 and a 3 or 2 (scenes zeros, 100 frames, seeds 5/11: 98.98/99.24 -> 98.22/98.24
# % digits with the pair cuts; back with this rule at 0.1-0.3). At 0.1 the small gaps
# enclosed where touching digits meet twice count too. At 0.2, touching seeds 3/5/11:
# 83.1/85.7/86.1 -> 82.8/86.6/87.8 % digits (paths round the loops find the junction).
# A crop of a region longer than this (working pixels) is made from it reduced by an
# integer factor: a frame-sized zigzag's 236 cut parts, each ~2,000 px, took 20 s to crop
# at full size. Working frames are at most 1,000 px on their short side, so only a
# region longer than the frame's short side is reduced.
CROP_MAX_SIDE = 1024
CUT_LOOP_AREA = 0.2
CUT_STEP_COST = 0.3  # a cut path's cost for moving one column (in ink pixels crossed)

# ---- the model decides ------------------------------------------------------------------
# A cut is taken when its weakest part is read more confidently than the whole region,
# by SPLIT_MARGIN of the whole's doubt: over a whole read at 0.8, parts need 0.82; over
# 0.99, 0.991. A flat margin of 0.1 kept "7718" whole at 0.80 against parts at 0.85
# (generated touching digits, seed 0). Wholes read at SPLIT_WHOLE_MAX or more are not cut
# (saves the cut search on most regions: frame p50 2.7x -> 1.0x the old reader).
SPLIT_MARGIN = 0.1
SPLIT_WHOLE_MAX = 0.95
# ...and every part of a cut is read as a digit at SPLIT_PART_MIN or more: a printed
# word read as "not a digit" (scored 0) was cut into "5 2 0" at 0.93, 0.24, 0.92, the
# weakest part beating the whole, and the 5 and 0 were kept (kinds, receipt, seed 0).
# Touching digits' parts read at 0.85-0.97 (kinds, touching, seed 0). A region the
# model rejects whole needs SPLIT_REJECTED_PART_MIN (scribbles cut into "2 7" and
# "1 7 1" at 0.5-0.6 on no-digits seed 3: 0.23 -> 0.05 false digits per frame at 0.6; a
# line of small printed capitals cut into "5 1 1 3" at 0.72, kinds printed_text: 10
# digits on one page at 0.6, 6 at 0.7 and 0.75; touching seeds 3/5/11 90.1/87.5/90.0 %
# digits at 0.6, 90.1/85.3/90.0 at 0.7, 88.7/85.3/90.0 at 0.75).
SPLIT_PART_MIN = 0.5
SPLIT_REJECTED_PART_MIN = 0.7
# A pair the model rejects whole (a 1 touching a digit often is: tests/kinds.py
# touching_one, 60 images of seed 0, 25 read before) is cut into a 1 and a digit when
# both are read at SPLIT_REJECTED_ONE_MIN or more and the 1 keeps
# SPLIT_REJECTED_ONE_HEIGHT of the region's height (an "n" cut into "1 7" at 0.96/0.97,
# its stem 0.8 of its height: mixed seed 11 frame 71). touching_one 25 -> 35 / 31 / 26
# of 60 at 0.85 / 0.9 / 0.95; at 0.85 mixed seed 5 94 -> 93 % frames exact, at 0.9
# mixed seeds 5/11 and no-digits unchanged; the height 0.85-0.95 alike.
SPLIT_REJECTED_ONE_MIN = 0.9
SPLIT_REJECTED_ONE_HEIGHT = 0.9
# A part to which the model gives SPLIT_PART_REJECT of "not a digit" or more scores 0: a
# piece of a scribble reads as a digit with doubt left in the reject class (no-digits
# seed 5: 0.23 -> 0.12 false digits per frame at 0.1; 0.03 lost 5 % of touching seed 3).
SPLIT_PART_REJECT = 0.1
# A region at least SPLIT_WIDE_MIN_ASPECT as wide as tall is wider than most single
# digits (scenes touching: 95 % of digits are <= 1.06 h): a cut whose weakest part is read
# at SPLIT_WIDE_PART_MIN or more wins even when the whole is read as one digit about as
# confidently ("92" at 1.47 h read as a 2 at 0.946, its parts at 0.974 and 0.986).
# Touching 100 frames, digits/exact %: seed 11 89.5/79 -> 90.4/81 at (1.15, 0.85),
# 89.8/80 at (1.3, 0.9) and (1.3, 0.8); seeds 3 and 5 unchanged; zeros, canvas, crop
# seeds 5/11 unchanged. Such a region is offered cuts even when read whole at
# SPLIT_WHOLE_MAX or more (before, "44" at 1.26 h read as a 4 at 0.95 was never cut, its
# parts read at 0.98): touching seed 5 78 -> 79 % frames, every other condition of seeds
# 3/5/11 and every kind of tests/kinds.py (seeds 0, 1) as before; 400 MNIST test digits
# stretched to 1.15-1.8 h alone on paper: 333 read right, 12 cut, both ways.
SPLIT_WIDE_MIN_ASPECT = 1.15
SPLIT_WIDE_PART_MIN = 0.85
# A region cut into digits, none of them a 1, its weakest part scored SPLIT_SURE or more,
# is no doubtful digit when words are told (``reader._in_words``): its whole read at 0.33
# ("34" cut at 0.92) beside a rejected pair ("41") made the line a word and nothing was
# read. Tuning seeds 3/5/11 touching: +3/+4/+2 digits read with any cut at 0.9 or more,
# +3/+2/+2 with none into a 1 (frames as before: the rejected pair stays unread). Any cut
# that won (no floor): the same digits, but tests/kinds.py printed_text seeds 0/1
# 2.00/2.13 -> 2.40/2.27 false digits a page and receipt 20/25 -> 18/24 of 30 (a word's
# letters cut into digits at 0.7-0.9); at 0.9 and 0.95 every kind reads as before. Cuts
# into a 1 left out: an attack of 3,090 images of words, marks and touching MNIST digits
# of a helper's own making (seeds 21-26) read 11 better and 8 worse with them, false
# digits 2,281 -> 2,304 (a lower-case n read whole as a 7 at 0.34-0.58 was cut into
# "1 7" surely in 5 of the 8); without them 10 better, 2 worse, 2,281 -> 2,287.
# Nor is such a region a letter: two touching runs rejected whole and cut ("09 | 331",
# one cut surely) counted two letters and the line was a word, read as nothing. Tuning
# seeds 3/5/11 touching: exact frames 78/77/84 -> 80/78/84 (+15 digits); mixed and
# no-digits as before; tests/kinds.py seeds 0/1 as before but touching +1 frame.
SPLIT_SURE = 0.9
# Pieces of one digit the segmentation left apart (``reader._join_pieces``): a rejected
# region and another read below LOW_CONFIDENCE sharing JOIN_COLUMNS of the narrower's
# columns, at most JOIN_GAP of the taller's height apart, are one region when the model
# reads their union as a digit at JOIN_MIN or more (an MNIST 5 whose bar was lifted 0.1
# of its height off the belly and reached past it: bar and belly both rejected, scenes
# crop seed 11). 60 MNIST test 5s with their top 30 % lifted 0.15 of their height
# (tests/test_reader.py): 26 -> 45 read; tuning seeds 3/5/11: crop +1 frame, thin-ones
# +2, squared +1, no condition worse.
JOIN_COLUMNS = 0.3
JOIN_GAP = 0.25
JOIN_MIN = 0.9
# A region WIDE_DOUBT_ASPECT as wide as tall or more, read as a digit below WIDE_DOUBT_MAX,
# is read again narrowed to WIDE_READ_ASPECT of its height (``reader._narrowed``): kept
# with that reading when it reads at WIDE_DOUBT_MAX or more, else rejected. The widest
# digits of every hand (Hershey 4s and 5s, square 0s) are ~1.2 as wide as tall and read
# surely; the no-digit frames' false digits are mostly wide scrawls read as 4, 7 or 8 at
# 0.3-0.6 (tuning seeds 3 and 5, 60 frames a condition: 8 of 16). Rejecting them outright
# lost real wide digits (a helper's 1,730 images: 24 worse, 7 better: stretched print,
# long-bar 7s, numbers photographed at a slant). Narrowed first, on tuning seeds 3 / 5 /
# 11 / 13 (100-200 frames a condition): no-digit false digits 8 / 7 / 6 / 12 -> 4 / 3 / 6
# / 7, touching seed 5 +1 frame, page seeds 5 and 11 -1 frame each (a 6 twice as wide as
# tall read right at 0.5, in doubt narrowed); 400 MNIST test digits stretched 2.5 times as
# wide: 277 -> 289 read; two helpers' attacks of 1,730 and 1,913 images: 12 and 14
# better, 2 and 4 worse. WIDE_READ_ASPECT 0.65 instead: 1 frame worse over the seeds.
# Regions rejected whole were narrowed too in a first version (kept at 0.9): +12 wide
# digits of the first attack, but a flat stroke with a hook at its end (a box's corner, a
# "¬") read as a 7 at 0.90-0.99 (the second attack: 40 false 7s).
WIDE_DOUBT_ASPECT = 1.2
WIDE_DOUBT_MAX = 0.6
WIDE_READ_ASPECT = 0.8
# A region read as a digit below LOOPY_DOUBT_MAX whose ink encloses LOOPY_LOOPS holes of
# LOOPY_AREA of its height squared or more is no digit (``reader._loopy_rejected``): a
# digit has two loops at most, three where an 8's rings overlap (a lens between them); a
# scrawl crossing itself has more. Tuning seeds, no-digit false digits: 4 / 3 / 6 (seeds
# 3 / 5 / 11, 100 frames) and 7 / 10 / 8 / 10 (seeds 13 / 17 / 19 / 21, 200 frames) ->
# 2 / 3 / 6 and 5 / 10 / 8 / 10; in the digit conditions no frame changed; 10,000 MNIST
# test digits on paper read as before. At 3 loops: 2 / 2 / 6 and 5 / 10 / 7 / 9, but 4
# of 120 8s drawn as two overlapping rings were lost (tests/test_reader.py).
LOOPY_DOUBT_MAX = 0.9
LOOPY_LOOPS = 4
LOOPY_AREA = 0.005
# Words: regions of one line, each at most WORD_GAP of the taller one's height from its
# neighbour and of heights within WORD_HEIGHT_RATIO, are one run; a run holding
# WORD_MIN_LETTERS regions read as "not a digit" with WORD_REJECT or more is a word, and
# none of its regions is a digit nor is cut (the O of "CORNER" read as 0, the I and S
# of "CROISSANT" as 1 and 5, the "TI" of "TIP" cut into 7s: attack set of the issue 8
# follow-up). One such region is enough when another of the run is a doubtful digit
# (below LOW_CONFIDENCE: "LA" of "LATTE" read as a 4 at 0.66 beside "TTE"); touching
# digits read as "not a digit" stand beside confident digits. Not cutting every region
# read as "not a digit" at 0.9 instead lost touching 78s read so at 0.97 (kinds,
# touching, seed 0). Letters of a printed word are 0.05-0.3 of their height apart,
# small letters 12/17 of the capitals' height; common/scenes.py leaves 0.4-1.0 of a
# digit's height between a word and the number after it, and a number holds no letters.
WORD_GAP = 0.35
WORD_HEIGHT_RATIO = 1.5
WORD_MIN_LETTERS = 2
WORD_REJECT = 0.5
# ...and letters are at least WORD_LETTER_SHARE of its characters (SOLO: one in four): a
# page dense with handwritten digits (an attack: 1,092 MNIST digits 90 px tall, a
# digit's width or less apart) chains each line into one run, and its one or two
# rejected regions made every line a word (176 digits read; 1,064 with this share;
# tuning seeds 3/5/11 and tests/kinds.py's printed words read as before).
WORD_LETTER_SHARE = 0.2
# A region less than SEPARATOR_HEIGHT_SHARE as tall as both its neighbours on a line,
# within SEPARATOR_REACH of their height of each, is a separator (a comma, a point, a
# dash), not a digit: the comma of a handwritten "3,141" was 0.31 of its neighbours'
# height and read as a 1 at 0.97 (attack set, issue 8 follow-up). The shortest digit
# beside its neighbours in the scenes (common/scenes.py) is ~0.7 of their height.
SEPARATOR_HEIGHT_SHARE = 0.5
SEPARATOR_REACH = 1.0
# Reading order: a line of digits each less than RAISED_SHARE of the height of every digit
# of another line, their centres within those digits' rows, all to one side of them and
# at most RAISED_REACH of their height away, is raised beside them and joins their line
# (a price's cents, an exponent, a form's small field number: "1" then a raised "09" was
# read "09" then "1" on a line of its own). Digits of one line differ less (scenes: ~0.7
# of their neighbours at the least); cents and exponents are ~0.4-0.6. Joining a box to
# any line of smaller boxes whose centres it spans, without the side and every-digit
# tests, broke a small line above a number with one taller digit, and ledgers (an attack
# set of 278 mixed-size documents: 21 read exactly were lost). With them: that set 133 ->
# 146 texts exact (prices 2 -> 10 of 14, exponents 2 -> 7), none lost; 2,310 other attack
# inputs 1,149 -> 1,184 read exactly, none lost; scenes seeds 3/5/11: every frame scored
# as before (3 frames already misread list their digits in another order).
RAISED_SHARE = 0.7
RAISED_REACH = 1.0
# Without a "not a digit" class (model.reject_index is None), a region is a digit when
# the model's top probability reaches this (and the caller's min_confidence). Measured
# (every region read at min_confidence 0 on scenes seed 2, 100 frames, and tests/kinds.py
# seed 2: 665 digits, 100 no-digit frames of letters, scribbles, empty grids and forms):
#   threshold            0.3   0.4   0.5   0.6   0.7   0.8
#   true digits lost %   0.45  1.80  2.86  4.36  5.11  7.22
#   false digits/frame   1.33  1.12  0.89  0.66  0.38  0.21
# A 10-class model cannot tell letters from digits by confidence without losing real
# digits; 0.3 keeps the digits, and the reject class (issue 8, item 5) removes the rest.
NO_REJECT_MIN_CONFIDENCE = 0.3
# A 1 in another ink than the frame's other digits, placed as a printed line is, is
# printed structure (a form box's side, a desk's or sheet's edge, a red margin line) that
# the segmentation left: each digit's ink colour is the direction, in BGR, from its
# surroundings' PEN_SURFACE_PERCENTILE (brightest) to its own darkest PEN_INK_PERCENTILE
# of pixels (``reader._ink_colours``), so shading, blur and a stroke's thinness, which
# mix ink with paper, change its length, not its direction. Such a 1 is rejected when
# its ink is more than PEN_ANGLE degrees from the mean of at least two other digits,
# which agree pairwise within PEN_SPREAD (several markers' colours turn the test off),
# and it stands at most PEN_BESIDE_GAP of a digit's height beside one and
# PEN_BESIDE_TALL times as tall (a box is taller than the digit it holds), or is
# PEN_TALL times as tall as every other digit. Scenes seeds 3 and 5, every condition,
# 1s among at least two other digits: true 1s at most 7.1 and 7.4 degrees from the
# others (of 1,091); the 1s left by form boxes, desk and margin lines 13.9-44 degrees
# (of those on seed 3, 18 of 25); a box's side stands 0-0.11 of its digit's height from
# it, 6 of 10 of them 1.25-1.71 times as tall; a line 2.5-15 times as tall as the
# digits. Printed and written 1s beside a digit are about its height (a helper's 1s
# across a shadow's or a highlighter's edge, 13-19 degrees off: 1.0). Without the
# placement test, a helper's attack of 1,200 photo-like numbers lost 41 real 1s and
# gained nothing (a second pen's or a highlighter's "11" beside printed digits, a red
# correction, a calendar's red Sunday); with it, none changed, and its drawn cases lost
# a red margin line read as a 1 beside a number (2 better). What is left of the gain on
# the scenes, frames exact on tuning seeds 3 / 5 / 11: ruled 95 / 97 / 86 -> 95 / 97 /
# 88 %, form 90 / 93 / 90 -> 90 / 93 / 91 %, desk unchanged (without the placement test
# and with the spread taken to the median: ruled 98 / 97 / 91 %, form 94 / 93 / 91 %,
# desk 92 / 91 / 93 %).
PEN_ANGLE = 12.0
PEN_SPREAD = 8.0
PEN_BESIDE_GAP = 0.15
PEN_BESIDE_TALL = 1.15
PEN_TALL = 2.5
# A 1 nearly touching a digit (PEN_TOUCH_GAP of its height) and as thin as a printed
# line (PEN_LINE_WIDTH of it) is structure-shaped too: a form box's side that a digit
# touched was left shorter than the digit, in the box's gray beside a blue digit (scenes
# form, tuning seeds 3 / 5 / 11: 90 / 93 / 91 -> 92 / 93 / 91 % frames exact, every other
# condition as before; such sides lie -1 to 9 px from the digit, 0.02-0.16 of its height
# wide). Within 0.15 of the height form was 93 / 93 / 91 %, but a chalk 1 of a thin pen
# beside a 2 on a blue board was rejected (its thin stroke's colour is diluted by the
# board: a helper's 3,372 images, 1 worse); at 0.1 none of them changes, nor any of the
# 900 photo-like numbers with 1s in one or two pens of the twelfth round's attack.
PEN_TOUCH_GAP = 0.1
PEN_LINE_WIDTH = 0.17
# Other digits whose inks are measured (evenly chosen on a dense page).
PEN_OTHERS = 32
PEN_INK_PERCENTILE = 20
PEN_SURFACE_PERCENTILE = 70
# A box is sampled every n-th row (column) so that its height (width) gives at most this
# many samples, about (3 x 16)^2 with its surroundings: a 12 MP page's digits are
# 100-300 px, and percentiles over all their pixels cost 4.3 ms for 5 boxes of a frame
# (0.2 ms now); a thin 1 keeps every column.
PEN_SAMPLE_SIDE = 16
# A file read as nothing whose brightest level (digits.image.brightest: all but the
# brightest 0.1 % of its samples) is below this is nearly black, and `digits recognize`
# says so: an underexposed 8-bit photo in levels 0-12 read nothing, with nothing said
# (an attack; the same picture in 16 bits reads, scaled from its sample depth).
DARK_LEVEL = 32
# Digits read below this confidence are reported, marked "low_confidence": 0.21 false
# digits per no-digit frame reach it (table above), 7 % of true digits do not.
LOW_CONFIDENCE = 0.8
