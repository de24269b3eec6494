"""A small dependency-free table: named columns of equal length with an index of labels.

Results are kept as these (arrays, not DataFrames) so that the CLI renders them without
loading pandas; `to_frame` gives the DataFrame a notebook user expects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Table:
    index: tuple[Any, ...]
    index_name: str | None
    columns: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        for name, values in self.columns.items():
            if len(values) != len(self.index):
                raise ValueError(f"column {name!r} has {len(values)} values for "
                                 f"{len(self.index)} rows")

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def __len__(self) -> int:
        return len(self.index)

    def get(self, column: str, default: np.ndarray | None = None) -> np.ndarray | None:
        return self.columns.get(column, default)

    def with_column(self, name: str, values: Sequence[Any] | np.ndarray) -> Table:
        return Table(self.index, self.index_name, {**self.columns, name: _array(values)})

    def rows(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        """(index label, {column: value}) per row, values as Python scalars."""
        lists = {k: v.tolist() for k, v in self.columns.items()}
        for k, label in enumerate(self.index):
            yield label, {name: values[k] for name, values in lists.items()}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        data = {k: (pd.Series(list(v), dtype=object) if v.dtype == object else v)
                for k, v in self.columns.items()}
        frame = pd.DataFrame(data)
        if self.index_name is not None:
            frame.index = pd.Index(list(self.index), name=self.index_name)
        return frame


def _array(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if any(isinstance(v, str) or v is None for v in values):
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        return out
    return np.asarray(values)


def table(index: Sequence[Any], index_name: str | None, **columns: Any) -> Table:
    return Table(tuple(index), index_name, {k: _array(v) for k, v in columns.items()})
