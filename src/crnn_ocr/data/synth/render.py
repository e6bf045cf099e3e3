"""Render one text line with a font into a degraded grayscale or RGB image."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageFont

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.data.synth import degrade
from crnn_ocr.data.synth.fonts import FontSpec
from crnn_ocr.errors import DataError

X_HEIGHT_SHARE = 0.5
"""Font sizes are set so that the x-height is this share of the sampled size: script fonts with
tiny x-heights (Great Vibes, Comforter) come out as readable as the others."""

THIN_MIN_SIZE = 28
"""Strokes are thinned only at this size and above (px); smaller text would be erased."""


@lru_cache(maxsize=64)
def _x_height_ratio(path: str) -> float:
    font = ImageFont.truetype(path, 100)
    left, top, right, bottom = font.getbbox("ох", anchor="ls")
    return max(0.25, min(0.7, -top / 100.0))


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class RenderedLine:
    """A finished line image (uint8, HxW or HxWx3 RGB) and the file format to store it in."""

    image: np.ndarray
    ext: str  # "png" or "jpg"
    jpeg_quality: int


def _check_covers(text: str, font: FontSpec) -> None:
    missing = font.missing(text)
    if missing:  # the registry never asks for this; refuse rather than draw tofu boxes
        raise DataError(f"{font.path.name}: cannot draw {''.join(sorted(missing))!r}")


def _margin_and_stroke(mask: np.ndarray, size: int, stroke: int) -> np.ndarray:
    """A few pixels of margin, then strokes thickened or thinned by ``stroke``."""
    margin = 3 + max(0, stroke)
    mask = cv2.copyMakeBorder(mask, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)
    if stroke > 0 or (stroke < 0 and size >= THIN_MIN_SIZE):  # thinning small text erases it
        mask = degrade.change_stroke(mask, stroke)
    return mask


def draw_mask(text: str, font: FontSpec, size: int, stroke: int) -> np.ndarray:
    """The ink of ``text`` as a uint8 mask (255 = ink) with a few pixels of margin."""
    _check_covers(text, font)
    # getmask2 lays out and rasterises in one call (ImageDraw.text would lay out twice).
    core, _ = _font(str(font.path), size).getmask2(text, mode="L", anchor="ls")
    return _margin_and_stroke(np.asarray(Image.Image()._new(core)), size, stroke)


def draw_jittered_mask(text: str, font: FontSpec, size: int, stroke: int,
                       rng: np.random.Generator, amount: float) -> np.ndarray:
    """Like ``draw_mask``, letter by letter, each with its own size, baseline and spacing.

    A font repeats every letter identically on a ruler-straight baseline; hands do not. Without
    this, neat hand-printing fonts (Pangolin, Neucha, ...) render as clean as print, and the
    handwritten/printed classes overlap. The baseline offset is a damped random walk (letters
    bob, words drift); cursive joins survive because spacing jitter mostly tightens.
    """
    _check_covers(text, font)
    pieces: list[tuple[np.ndarray, int, int]] = []
    x = offset = 0.0
    for ch in text:
        glyph_font = _font(str(font.path), max(6, round(size * (1 + 0.1 * amount
                                                                 * rng.uniform(-1, 1)))))
        offset = 0.6 * offset + rng.normal(0.0, 0.035 * size * amount)
        if not ch.isspace():
            core, (dx, dy) = glyph_font.getmask2(ch, mode="L", anchor="ls")
            if core.size[0] and core.size[1]:
                pieces.append((np.asarray(Image.Image()._new(core)), round(x + dx),
                               round(offset + dy)))
        x += glyph_font.getlength(ch) * (1 + amount * rng.uniform(-0.06, 0.04))
    if not pieces:  # only spaces: fall back to the font's own (empty) rendering
        return draw_mask(text, font, size, stroke)
    return _margin_and_stroke(_compose(pieces), size, stroke)


def draw_spaced_mask(text: str, font: FontSpec, size: int, stroke: int, spacing: float
                     ) -> np.ndarray:
    """Like ``draw_mask`` with ``spacing`` x ``size`` px of extra room after every character
    (tracking, or the letter-spaced emphasis of older Russian print, "р а з р я д к а"): the
    label keeps its spelling, so the model learns that wide gaps between letters are no spaces.
    """
    _check_covers(text, font)
    glyph_font = _font(str(font.path), size)
    pieces: list[tuple[np.ndarray, int, int]] = []
    x = 0.0
    for ch in text:
        if not ch.isspace():
            core, (dx, dy) = glyph_font.getmask2(ch, mode="L", anchor="ls")
            if core.size[0] and core.size[1]:
                pieces.append((np.asarray(Image.Image()._new(core)), round(x + dx), dy))
        x += glyph_font.getlength(ch) + spacing * size
    if not pieces:
        return draw_mask(text, font, size, stroke)
    return _margin_and_stroke(_compose(pieces), size, stroke)


def _compose(pieces: list[tuple[np.ndarray, int, int]]) -> np.ndarray:
    """Glyph masks placed at their (x, y) offsets on one canvas just large enough."""
    left = min(px for _, px, _ in pieces)
    top = min(py for _, _, py in pieces)
    width = max(px + m.shape[1] for m, px, _ in pieces) - left
    height = max(py + m.shape[0] for m, _, py in pieces) - top
    mask = np.zeros((height, width), np.uint8)
    for m, px, py in pieces:
        region = mask[py - top : py - top + m.shape[0], px - left : px - left + m.shape[1]]
        np.maximum(region, m, out=region)
    return mask


def _crop_pad(mask: np.ndarray, rng: np.random.Generator, padding: tuple[int, int]
              ) -> np.ndarray:
    """Crop to the ink, then add a random margin on each side (as line segmenters do)."""
    ys, xs = np.nonzero(mask > 16)
    if len(ys) == 0:
        return mask
    mask = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    top, bottom, left, right = (int(v) for v in rng.integers(padding[0], padding[1] + 1, 4))
    return cv2.copyMakeBorder(mask, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)


def _letter_spacing(rng: np.random.Generator, fraction: float, bounds: tuple[float, float]
                    ) -> float:
    """Extra spacing (share of the font size) for a printed line; no draw when ``fraction`` is 0,
    so datasets made before the option keep their bytes."""
    if fraction <= 0 or rng.random() >= fraction:
        return 0.0
    return float(rng.uniform(*bounds)) if bounds[1] > bounds[0] else float(bounds[0])


def render_line(text: str, font: FontSpec, cls: int, rng: np.random.Generator,
                params: SynthParams) -> RenderedLine:
    """Draw ``text`` in ``font`` and degrade it like a scan or photo of class ``cls``."""
    r, d = params.render, params.degrade
    handwritten = cls == 1
    nominal = int(rng.integers(r.font_size[0], r.font_size[1] + 1))
    size = max(6, round(nominal * X_HEIGHT_SHARE / _x_height_ratio(str(font.path))))
    stroke = int(rng.integers(r.stroke[0], r.stroke[1] + 1))
    if stroke < 0 and nominal < THIN_MIN_SIZE:  # by x-height: script fonts' large em sizes
        stroke = 0                               # hide hairlines that thinning would erase
    jitter = rng.uniform(*r.glyph_jitter) if handwritten and r.glyph_jitter[1] > 0 else 0.0
    spacing = (_letter_spacing(rng, r.letter_spacing_fraction, r.letter_spacing)
                if not handwritten else 0.0)
    if jitter > 0:
        mask = draw_jittered_mask(text, font, size, stroke, rng, jitter)
    elif spacing > 0:
        mask = draw_spaced_mask(text, font, size, stroke, spacing)
    else:
        mask = draw_mask(text, font, size, stroke)
    mask = degrade.warp(mask, rng, d, handwritten)
    lo, hi = d.wobble_px
    amplitude = rng.uniform(lo, hi) if handwritten else rng.uniform(lo, lo + (hi - lo) * 0.3)
    mask = degrade.wobble(mask, rng, float(amplitude) * size / 32)
    mask = _crop_pad(mask, rng, r.padding)
    rgb = bool(rng.random() < r.rgb_fraction)
    image = degrade.compose(mask, rng, d, rgb, handwritten)
    image = degrade.scan_artefacts(image, rng, d, scale=min(1.5, max(0.5, size / 32)))
    if not handwritten and rng.random() < d.binarize_fraction:
        lo, hi = d.binarize_shift
        shift = int(rng.integers(lo, hi + 1)) if hi > lo else lo  # (0, 0): no draw, same bytes
        image, rgb = degrade.binarize(image, shift), False
    jpeg = bool(rng.random() < r.jpeg_fraction)
    quality = int(rng.integers(r.jpeg_quality[0], r.jpeg_quality[1] + 1))
    return RenderedLine(image=image, ext="jpg" if jpeg else "png", jpeg_quality=quality)


def encode(line: RenderedLine) -> bytes:
    """PNG or JPEG bytes of the line (JPEG artefacts come from real compression)."""
    img = line.image
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if line.ext == "jpg":
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, line.jpeg_quality])
    else:
        ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise DataError(f"could not encode a {img.shape} image as {line.ext}")
    return buf.tobytes()
