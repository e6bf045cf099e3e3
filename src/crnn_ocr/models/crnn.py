"""The CRNN recogniser: conv blocks -> sequence -> BiLSTM x N -> softmax over alphabet + blank.

The input is the preprocessed line rotated 90 degrees clockwise, ``(width, height, 1)``, so the
first spatial axis is the time axis of the sequence: pooling ``[t, h]`` shortens time by ``t``
and collapses height by ``h``. Layer widths come from ``train.ocr.model`` (presets are data).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from crnn_ocr.config.ocr import CrnnModelParams
from crnn_ocr.models import BN_MOMENTUM

if TYPE_CHECKING:
    import keras


def build_crnn(
    cfg: CrnnModelParams, input_shape: tuple[int, int, int], num_classes: int, name: str = "crnn"
) -> keras.Model:
    """Build the CRNN for rotated images of ``input_shape`` = (width, height, 1).

    ``num_classes`` = ``len(alphabet) + 1``; the last index is the CTC blank. The output is
    softmax probabilities ``[batch, time_steps, num_classes]``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for i, block in enumerate(cfg.conv_blocks):
        if x.shape[1] % block.stride[0] or x.shape[2] % block.stride[1]:
            raise ValueError(f"conv block {i}: stride {list(block.stride)} does not divide "
                             f"{tuple(x.shape[1:3])}")
        x = layers.Conv2D(
            block.filters, block.kernel, strides=block.stride, padding="same", activation="relu",
            name=f"conv{i}",
        )(x)
        if block.batch_norm:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
        if block.pool is not None:
            if x.shape[1] < block.pool[0] or x.shape[2] < block.pool[1]:
                raise ValueError(
                    f"conv block {i}: pool {list(block.pool)} on {tuple(x.shape[1:3])} pools "
                    f"input {input_shape} down to nothing"
                )
            x = layers.MaxPooling2D(pool_size=block.pool, name=f"pool{i}")(x)
        if block.dropout:
            x = layers.Dropout(block.dropout, name=f"drop{i}")(x)
    time_steps, height, channels = x.shape[1], x.shape[2], x.shape[3]
    x = layers.Reshape((time_steps, height * channels), name="to_sequence")(x)
    for i in range(cfg.lstm_layers):
        lstm = layers.LSTM(cfg.lstm_units, return_sequences=True, dropout=cfg.lstm_dropout)
        x = layers.Bidirectional(lstm, name=f"bilstm{i}")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="char_probs")(x)
    return keras.Model(inputs, outputs, name=name)


def time_steps(model: keras.Model) -> int:
    """Length of the model's output sequence (the most CTC frames a line can use)."""
    return int(model.output_shape[1])


def with_width(model: keras.Model, width: int | None) -> keras.Model:
    """The recogniser ``model`` rebuilt for rotated inputs ``width`` columns wide (None: any
    width, for width-bucketed training), with a copy of its weights.

    Only the input shape and the conv-to-sequence reshape depend on the width (the time axis);
    every weight is shared by all widths, so weights move freely between the copies.
    """
    import keras

    full = int(model.input_shape[1])
    if width == full:
        return model
    config = copy.deepcopy(model.get_config())
    for layer in config["layers"]:
        _resize(layer, width, full)
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _resize(layer: dict[str, Any], width: int | None, full: int) -> None:
    settings = layer["config"]
    if layer["class_name"] == "InputLayer":
        settings["batch_shape"] = [settings["batch_shape"][0], width, *settings["batch_shape"][2:]]
    elif layer["class_name"] == "Reshape":
        steps, features = settings["target_shape"]
        settings["target_shape"] = [-1 if width is None else steps * width // full, features]
