"""digits: train a handwritten-digit classifier, export it behind parity gates, read digits
off a webcam or files with onnxruntime."""

__version__ = "0.1.0"
