"""Geometric distortions of the ink mask, paper and ink composition, and scan artefacts.

All functions take the line's ``rng`` and are cheap (a few small OpenCV calls) because the
generator must render about 200 lines/s on 2 cores.
"""

from __future__ import annotations

import cv2
import numpy as np

from crnn_ocr.config.synth import DegradeParams

MIN_CONTRAST = 90.0
"""Ink is kept at least this much darker than the mean paper tone, so lines stay legible."""


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1])) if bounds[1] > bounds[0] else float(bounds[0])


def warp(mask: np.ndarray, rng: np.random.Generator, p: DegradeParams, handwritten: bool
         ) -> np.ndarray:
    """Rotate, shear and tilt the ink mask; the canvas grows so nothing is clipped."""
    h, w = mask.shape
    angle = np.deg2rad(rng.uniform(-p.rotation_deg, p.rotation_deg))
    shear = rng.uniform(-p.shear, p.shear) * (1.0 if handwritten else 0.3)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    pts = src.copy()
    pts[:, 0] += shear * (h / 2 - pts[:, 1])  # slant: top moves right for positive shear
    jitter = p.perspective * min(h, w)
    pts += rng.uniform(-jitter, jitter, size=(4, 2)).astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    center = np.array([w / 2, h / 2], dtype=np.float32)
    pts = (pts - center) @ np.array([[c, s], [-s, c]], dtype=np.float32) + center
    pts -= pts.min(axis=0)
    out_w, out_h = (int(np.ceil(v)) + 1 for v in pts.max(axis=0))
    matrix = cv2.getPerspectiveTransform(src, pts.astype(np.float32))
    return cv2.warpPerspective(mask, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR,
                               borderValue=0)


def wobble(mask: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Smooth random displacement (baseline drift, uneven strokes) of at most ``amplitude`` px."""
    if amplitude <= 0.05:
        return mask
    h, w = mask.shape
    gw = max(2, w // 24)
    field = rng.normal(0.0, amplitude / 2, size=(2, 3, gw)).astype(np.float32)
    dx = cv2.resize(field[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(field[1], (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def change_stroke(mask: np.ndarray, delta: int) -> np.ndarray:
    """Thicken (``delta > 0``) or thin (``delta < 0``) strokes by about ``|delta|`` pixels."""
    if delta == 0:
        return mask
    kernel = np.ones((abs(delta) + 1, abs(delta) + 1), np.uint8)
    return cv2.dilate(mask, kernel) if delta > 0 else cv2.erode(mask, kernel)


def paper(shape: tuple[int, int], rng: np.random.Generator, p: DegradeParams) -> np.ndarray:
    """Float32 paper brightness with a low-frequency blotch texture (grain comes with noise)."""
    h, w = shape
    tone = rng.uniform(p.paper_gray[0], p.paper_gray[1] + 1)
    amp = _uniform(rng, p.texture)
    coarse = rng.normal(0, 1, size=(max(2, h // 16), max(2, w // 16))).astype(np.float32)
    texture = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) * amp
    return texture + np.float32(tone)


def compose(mask: np.ndarray, rng: np.random.Generator, p: DegradeParams, rgb: bool,
            handwritten: bool) -> np.ndarray:
    """Lay the ink (mask 0..255) on paper; returns float32 HxW or HxWx3 in 0..255."""
    alpha = mask.astype(np.float32) / 255.0
    alpha *= rng.uniform(0.8, 1.0)
    bg = paper(mask.shape, rng, p)
    ink = float(rng.integers(p.ink_gray[0], p.ink_gray[1] + 1))
    ink = max(0.0, min(ink, float(bg.mean()) - MIN_CONTRAST))
    if not rgb:
        return bg * (1 - alpha) + ink * alpha
    # Yellowish paper.
    tint = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 1.0)], dtype=np.float32)
    if handwritten and rng.random() < 0.5:  # blue or violet pen
        ink_rgb = np.array([ink * 0.3, ink * 0.4, ink + rng.uniform(60, 140)], dtype=np.float32)
    else:
        ink_rgb = np.array([ink, ink * 0.95, ink * 0.9], dtype=np.float32)
    a = alpha[..., None]
    return (bg[..., None] * tint) * (1 - a) + ink_rgb * a


def scan_artefacts(img: np.ndarray, rng: np.random.Generator, p: DegradeParams,
                   scale: float = 1.0) -> np.ndarray:
    """Blur (sigma times ``scale``, so small text is not wiped out) and noise; returns uint8."""
    sigma = _uniform(rng, p.blur_sigma) * scale
    if sigma > 0.2:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = _uniform(rng, p.noise_sigma)
    if noise > 0.5:
        img = img + rng.standard_normal(size=img.shape, dtype=np.float32) * np.float32(noise)
    return np.clip(img, 0, 255).astype(np.uint8)


MIN_INK_KEPT = 0.25
"""A shifted threshold that keeps less of Otsu's ink than this is not applied: the line would
be nearly blank under its text (1 in 30 binarized lines at ``binarize_shift`` [-60, 10])."""


def binarize(img: np.ndarray, shift: int = 0) -> np.ndarray:
    """Black/white at Otsu's threshold plus ``shift``, like binarized scans (OCRopus-style
    lines); a negative shift drops the grey edges of thin strokes, so hairlines break, unless
    it would keep less than :data:`MIN_INK_KEPT` of Otsu's ink (then Otsu's threshold is used)."""
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    otsu, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if shift:
        _, shifted = cv2.threshold(gray, float(np.clip(otsu + shift, 1, 254)), 255,
                                   cv2.THRESH_BINARY)
        if np.count_nonzero(shifted == 0) >= MIN_INK_KEPT * np.count_nonzero(bw == 0):
            bw = shifted
    return bw
