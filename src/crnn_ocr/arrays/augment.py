"""On-the-fly augmentation of binary training lines: squeeze, slant, shift, thicker strokes.

The recogniser overfits a 16k-line training split (train CTC loss 8 vs val 19); every pass now
sees each line slightly differently. Per-image draws come from NumPy in the batch generator, from
the same ``(seed, pass)`` as the shuffle, so a run is reproducible; the warp is TensorFlow's
batched projective transform, in the tf.data graph. Geometry keeps the text inside the canvas:
lines sit at the left, vertically centred (``core.preprocessing``), so the warp only squeezes
(scale <= 1) and the slant's shift is paid for by the squeeze. Val and test are never augmented.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crnn_ocr.config.train import AugmentParams

DRAWS = 9  # 8 projective-transform coefficients + the dilation flag per image


def draw(params: AugmentParams, count: int, height: int, width: int,
         rng: np.random.Generator) -> np.ndarray:
    """``float32 [count, 9]``: output->input projective transforms and a dilate flag per image.

    Output pixel ``(x, y)`` samples the input at ``x / sx + k (y - cy) - |k| cy`` and
    ``(y - cy - ty) / sy + cy``: a horizontal squeeze ``sx`` anchored at the left edge, a slant
    ``k`` that only moves ink rightwards (by at most ``2 |k| cy``, which the squeeze leaves free),
    a vertical squeeze ``sy`` about the centre line and a shift ``ty`` within the freed rows.
    """
    cy = (height - 1) / 2
    k = rng.uniform(-params.shear, params.shear, count)
    slant_room = 1.0 - 2.0 * np.abs(k) * cy / width
    low, high = params.width_scale
    sx = np.minimum(rng.uniform(low, high, count), slant_room)
    sy = rng.uniform(*params.height_scale, count)
    ty = rng.uniform(-1.0, 1.0, count) * (1.0 - sy) * cy
    out = np.zeros((count, DRAWS), np.float32)
    out[:, 0] = 1.0 / sx
    out[:, 1] = k
    out[:, 2] = -k * cy - np.abs(k) * cy
    out[:, 4] = 1.0 / sy
    out[:, 5] = cy - (cy + ty) / sy
    out[:, 8] = rng.random(count) < params.dilate_fraction
    return out


def apply(images: Any, draws: Any) -> Any:
    """Warp ``float32 [B, H, W, 1]`` binary images by ``draws`` (``[B, 9]``); still {0, 1}."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    static = images.shape[1:3]
    shape = tf.constant(static.as_list(), tf.int32) if static.is_fully_defined() else (
        tf.shape(images)[1:3])
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=draws[:, :8], output_shape=shape, fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT",
    )
    # Below 0.5: a 1-px stroke sampled between two pixels (0.5 each, or 0.375 at the strongest
    # squeeze) must not vanish.
    binary = tf.cast(warped > 0.3, tf.float32)
    # A 2x2 max filter adds about one pixel of stroke width (ink is 1).
    thick = tf.nn.max_pool2d(binary, ksize=2, strides=1, padding="SAME")
    dilate = draws[:, 8][:, None, None, None] > 0.5
    return tf.where(dilate, thick, binary)
