"""The runtime stage: onnxruntime model, segmentation, sources, recognize, serve.

OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, when cv2 is first imported, so it is set
here, before any runtime module imports cv2: the decode limit for formats whose header
`sources` does not parse (WebP, TIFF...), where a few KB can declare gigapixels.
"""

import os

MAX_PIXELS = 50_000_000  # larger images are refused before decoding: no memory blow-up
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
