"""Long lines are cut into pieces at blank columns; texts join with a space at word gaps."""

from __future__ import annotations

import numpy as np

from crnn_ocr.inference.pieces import Piece, join_texts, split_line, widest_blank_run

H = 20


def words_line(widths: list[int], gaps: list[int]) -> np.ndarray:
    """Paper (230) with solid dark words of ``widths`` separated by blank ``gaps`` (px)."""
    width = sum(widths) + sum(gaps) + 10
    image = np.full((H, width), 230, np.uint8)
    x = 5
    for i, w in enumerate(widths):
        image[4:-4, x : x + w] = 20
        x += w + (gaps[i] if i < len(gaps) else 0)
    return image


def test_narrow_lines_and_no_limit_give_the_whole_line() -> None:
    image = words_line([100, 100], [10])
    assert split_line(image, 14.0, 21, 10) == [Piece(0, image.shape[1])]
    wide = words_line([200] * 5, [10] * 4)
    assert split_line(wide, None, 21, 10) == [Piece(0, wide.shape[1])]


def test_cuts_go_through_blank_columns_and_pieces_tile_the_line() -> None:
    image = words_line([60, 45, 70, 30, 80, 55, 40, 90, 35], [12, 2, 9, 12, 3, 12, 2, 12])
    pieces = split_line(image, 8.0, 21, 10)
    assert len(pieces) >= 3
    assert pieces[0].start == 0 and pieces[-1].stop == image.shape[1]
    assert all(a.stop == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    assert all(p.stop - p.start <= 8 * H for p in pieces[:-1])
    ink = np.asarray((image < 128).any(axis=0))
    assert not any(ink[p.start] for p in pieces[1:])  # never through a word
    # 12-px gaps (>= 0.25 * 20) are word gaps, 2-3 px ones are not; the first piece has none
    assert not pieces[0].space_before
    for p in pieces[1:]:
        run = widest_blank_run(~ink, p.start - 6, p.start + 7)
        assert run is not None
        assert p.space_before == (run[1] >= 5)


def test_a_line_without_blank_columns_is_cut_hard_at_the_window() -> None:
    rng = np.random.default_rng(0)  # ink specks in every column: no gap anywhere
    image = np.where(rng.random((H, 40 * H)) < 0.5, 20, 230).astype(np.uint8)
    pieces = split_line(image, 10.0, 21, 10)
    assert [(p.start, p.stop) for p in pieces] == [(0, 200), (200, 400), (400, 600), (600, 800)]
    assert not any(p.space_before for p in pieces)


def test_widest_run_is_the_rightmost_of_equals() -> None:
    blank = np.array([0, 1, 1, 0, 1, 1, 0, 1, 0], bool)
    assert widest_blank_run(blank, 0, 9) == (5, 2)
    assert widest_blank_run(blank, 0, 1) is None
    assert widest_blank_run(blank, 7, 9) == (7, 1)


def test_join_adds_single_spaces_only_at_word_gaps() -> None:
    pieces = [Piece(0, 5), Piece(5, 9, True), Piece(9, 12, False), Piece(12, 20, True)]
    assert join_texts(pieces, ["при", "вет", "ствую", "вас"]) == "при ветствую вас"
    assert join_texts(pieces, ["один ", "два", "", "три"]) == "один два три"
