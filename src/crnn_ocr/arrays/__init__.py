"""The cached array store: bit-packed binary images in memory-mapped shards, read by tf.data.

``ArrayStore`` and the shard code import only NumPy/OpenCV; ``make_dataset`` imports
TensorFlow when called.
"""

from __future__ import annotations

from crnn_ocr.arrays.store import ArrayStore, ShardArrays, ShardInfo
from crnn_ocr.arrays.tfdata import Batch, make_dataset, numpy_batches

__all__ = ["ArrayStore", "Batch", "ShardArrays", "ShardInfo", "make_dataset", "numpy_batches"]
