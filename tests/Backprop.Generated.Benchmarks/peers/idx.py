"""Reading the gzipped IDX files of (Fashion-)MNIST into NumPy arrays, for the peer scripts."""
import gzip

import numpy as np


def read_images(path):
    """The images of an IDX3 file as float32 rows in [0, 1]: count × (rows · columns)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, rows * cols).astype(np.float32) / 255


def read_labels(path):
    """The labels of an IDX1 file as uint8."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    count = int.from_bytes(data[4:8], "big")
    return np.frombuffer(data, np.uint8, count, 8)
