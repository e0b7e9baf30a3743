"""The runtime stage: onnxruntime model, segmentation, sources, recognize, serve.

Never imports torch (tests/test_imports.py). The decode pixel limit is set when the
``digits`` package itself is imported (common/__init__.py), before any cv2 import.
"""
