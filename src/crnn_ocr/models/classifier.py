"""Handwritten (1) / printed (0) line classifier: conv blocks and a dense head, from config."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crnn_ocr.config.train import ClassifierParams
from crnn_ocr.models import BN_MOMENTUM

if TYPE_CHECKING:
    import keras

NUM_CLASSES = 2
CLASS_NAMES = ("printed", "handwritten")  # index = class id in labels.csv


def build_classifier(cfg: ClassifierParams, input_shape: tuple[int, int]) -> keras.Model:
    """An optional crop to the canvas's first ``cfg.input_columns`` columns, an optional
    patchify stem (Conv(s x s, stride s) -> BatchNorm -> ReLU, ``cfg.stem_*``), then
    Conv(k x k) -> BatchNorm -> ReLU -> MaxPool per ``cfg.conv_filters`` entry, then flatten
    or global pooling (``cfg.pooling``), Dense(``dense_units``, relu), Dropout, Dense(2,
    softmax).

    Args:
        cfg: the ``train.classifier`` section (layer widths come from the preset).
        input_shape: ``(height, width)`` of the preprocessed images (the array store's
            ``image_shape``); the model takes ``float32 [B, H, W, 1]`` in {0, 1}.
    """
    import keras
    from keras import layers

    height, width = input_shape
    inputs = keras.Input((height, width, 1), name="image")
    x = inputs
    if cfg.input_columns is not None and cfg.input_columns < width:
        x = layers.Cropping2D(((0, 0), (0, width - cfg.input_columns)), name="first_columns")(x)
        width = cfg.input_columns
    if cfg.stem_stride > 1:
        if height % cfg.stem_stride or width % cfg.stem_stride:
            raise ValueError(f"train.classifier.stem_stride={cfg.stem_stride} must divide the "
                             f"input size {height}x{width}")
        x = layers.Conv2D(cfg.stem_filters, cfg.stem_stride, strides=cfg.stem_stride,
                          use_bias=False, name="stem")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
        x = layers.ReLU(name="stem_relu")(x)
    for i, filters in enumerate(cfg.conv_filters):
        x = layers.Conv2D(filters, cfg.kernel_size, padding="same", use_bias=False,
                          name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        # Keep at least one row/column: the cpu preset is only 32 px high.
        pool = (2 if x.shape[1] >= 2 else 1, 2 if x.shape[2] >= 2 else 1)
        x = layers.MaxPooling2D(pool, name=f"pool{i}")(x)
    if cfg.pooling == "flatten":
        x = layers.Flatten(name="flatten")(x)
    else:  # max pooling keeps a telling stroke shape that averaging over white padding dilutes
        pooled = []
        if cfg.pooling in ("global_avg", "global_avg_max"):
            pooled.append(layers.GlobalAveragePooling2D(name="gap")(x))
        if cfg.pooling in ("global_max", "global_avg_max"):
            pooled.append(layers.GlobalMaxPooling2D(name="gmp")(x))
        x = pooled[0] if len(pooled) == 1 else layers.Concatenate(name="pooled")(pooled)
    x = layers.Dense(cfg.dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(cfg.dropout, name="dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="class_probs")(x)
    return keras.Model(inputs, outputs, name="classifier")


def compile_classifier(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
    """Sparse categorical cross-entropy on int labels, accuracy metric."""
    import keras

    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
