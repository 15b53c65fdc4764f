"""Find the header of a table file and match its columns to a schema's fields.

The documents' forms put a title above the table and use two or three header rows
with merged cells (附件2: 无组织排放整治情况 spans seven columns, 生产车间尘点封闭及
除尘设施建设 spans two). :func:`locate_header` finds the block of header rows by
how many cells name known fields; each column is then labelled by its cells from
top to bottom, and :func:`match_columns` matches the most specific cell first.

Matching is on normalised text (:func:`geoair.io.normalize.header_key`): full-width
folded, case and spaces ignored, and parenthesised notes such as ``(是/否)`` dropped
when the exact text does not match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geoair.io.normalize import clean_text, header_core, header_key

__all__ = [
    "HeaderBlock",
    "is_blank_template_row",
    "is_note_row",
    "locate_header",
    "match_columns",
    "match_score",
]


_MAX_SCAN_ROWS = 25
_MAX_HEADER_ROWS = 4
_NOTE_PREFIXES = ("备注", "注:", "注：", "说明", "填表", "填报", "制表", "审核", "note")


@dataclass(frozen=True)
class HeaderBlock:
    """Where a table's header is, and each column's header cells (top to bottom)."""

    rows: tuple[int, ...]
    labels: tuple[tuple[str, ...], ...]

    @property
    def last_row(self) -> int:
        return self.rows[-1]

    def label(self, column: int) -> str:
        """A readable name for a column: its cells joined with '/' (``第5列`` when empty:
        it heads that column in the rejects file, which clerks read)."""
        cells = self.labels[column] if column < len(self.labels) else ()  # a row wider than it
        return "/".join(cells) or f"第{column + 1}列"


def match_score(cell: str, header: str) -> int:
    """How well a header cell names a field header: 4 exact, 3 without notes,
    2 the cell starts with it, 1 the cell is a truncation of it (Shapefile names); 0 not."""
    cell_key, header_k = header_key(cell), header_key(header)
    if not cell_key or not header_k:
        return 0
    if cell_key == header_k:
        return 4
    cell_core, header_c = header_core(cell), header_core(header)
    if cell_core and cell_core == header_c:
        return 3
    if len(header_c) >= 2 and cell_core.startswith(header_c):
        return 2
    if len(cell_core) >= 2 and header_c.startswith(cell_core):
        return 1
    return 0


def _best_score(cell: str, vocabulary: Mapping[str, Sequence[str]]) -> int:
    return max(
        (match_score(cell, h) for headers in vocabulary.values() for h in headers), default=0
    )


def _looks_like_data(row: pd.Series) -> bool:
    first = next((clean_text(v) for v in row if clean_text(v) is not None), None)
    return first is not None and first.replace(".", "", 1).isdigit()


def locate_header(grid: pd.DataFrame, vocabulary: Mapping[str, Sequence[str]]) -> HeaderBlock:
    """Find the header rows of a grid read with :func:`geoair.io.readers.read_grid`.

    Parameters
    ----------
    grid : DataFrame
        Cells, index = the file's row numbers.
    vocabulary : mapping
        Field name -> every header that names it.

    Returns
    -------
    HeaderBlock
        The header rows (file row numbers) and each column's header cells. When no
        row names at least two fields (one for a one-field vocabulary), the first
        row is taken as the header, as a plain CSV has it.
    """
    if grid.empty:
        from geoair.errors import InputFileError
        from geoair.messages import t

        raise InputFileError(t("error.io.no_header"))
    scan = grid.head(_MAX_SCAN_ROWS)
    counts = [
        sum(_best_score(str(v), vocabulary) >= 3 for v in row if clean_text(v) is not None)
        for _, row in scan.iterrows()
    ]
    needed = 1 if len(vocabulary) <= 2 else 2
    best = max(counts, default=0)
    start = counts.index(best) if best >= needed else 0
    positions = [start]
    for offset in range(start + 1, min(start + _MAX_HEADER_ROWS, len(scan))):
        row = scan.iloc[offset]
        if _looks_like_data(row):
            break
        # A header continues below only under merged cells: the new row names a field
        # in a column where the row above is empty (附件2's 物料堆场… under 无组织排放…).
        above = scan.iloc[positions[-1]]
        if not any(
            clean_text(above.iloc[c]) is None
            and clean_text(v) is not None
            and _best_score(str(v), vocabulary) >= 2
            for c, v in enumerate(row)
        ):
            break
        positions.append(offset)
    block = grid.iloc[positions]
    labels = tuple(
        tuple(text for text in (clean_text(v) for v in block.iloc[:, column]) if text)
        for column in range(grid.shape[1])
    )
    return HeaderBlock(tuple(int(grid.index[p]) for p in positions), labels)


def match_columns(
    labels: Sequence[Sequence[str]], vocabulary: Mapping[str, Sequence[str]]
) -> dict[int, str]:
    """Match columns (each a list of header cells, top to bottom) to fields.

    The deepest (most specific) cell is tried first; each field takes at most one
    column and each column at most one field, best matches first.

    Returns
    -------
    dict
        Column position -> field name, for the columns that name a field.
    """
    candidates = []
    for column, cells in enumerate(labels):
        for depth, cell in enumerate(reversed(cells)):
            for field_name, headers in vocabulary.items():
                score = max((match_score(cell, h) for h in headers), default=0)
                if score:
                    candidates.append((-score, depth, column, field_name))
    candidates.sort()
    taken_columns: set[int] = set()
    mapping: dict[int, str] = {}
    for _, _, column, field_name in candidates:
        if column in taken_columns or field_name in mapping.values():
            continue
        mapping[column] = field_name
        taken_columns.add(column)
    return mapping


def is_note_row(row: pd.Series) -> bool:
    """A footnote or signature line under a form (one text cell: 备注：…, 填表人：…)."""
    texts = [t for t in (clean_text(v) for v in row) if t]
    return len(texts) == 1 and texts[0].lower().startswith(_NOTE_PREFIXES)


def is_blank_template_row(row: pd.Series) -> bool:
    """An empty numbered row of a form (only 序号 filled) or an ellipsis row (……)."""
    texts = [t for t in (clean_text(v) for v in row) if t]
    if not texts:
        return True
    if all(set(t) <= set(".。…") for t in texts):
        return True
    return (
        len(texts) == 1 and texts[0].replace(".", "", 1).isdigit() and bool(clean_text(row.iloc[0]))
    )
