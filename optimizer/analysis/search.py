"""A time bound on the searches around an infeasible plan (the conflict and its repairs).

Finding the smallest conflict costs a solve per constraint, and each repair a bisection of
solves; on a large or mixed-integer model that adds up (57 s on one MILP variant). The
search runs inside `bounded(seconds)`; the loops ask `out_of_time()` and, when the bound is
reached, stop with what they have: a conflict that still conflicts (maybe not the smallest)
and repairs that are each proven to work (maybe not the smallest change). `stopped()` then
says so, for the note shown with the repairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .repair import Suggestion

SEARCH_SECONDS = 5.0  # default bound on one plan's conflict and repair search
BISECTION_STEPS = 40  # halvings of a repair's bisection (2^-40 of the range)


@dataclass
class _Search:
    deadline: float
    seconds: float
    stopped: bool = False


_SEARCH: ContextVar[_Search | None] = ContextVar("chanopt_search", default=None)


@contextmanager
def bounded(seconds: float | None) -> Iterator[_Search | None]:
    """Bound the searches inside the block to `seconds` (None: no bound). A bound already
    running (a repair search inside a plan's) keeps its own deadline."""
    outer = _SEARCH.get()
    if outer is not None or seconds is None:
        yield outer
        return
    search = _Search(time.monotonic() + seconds, seconds)
    token = _SEARCH.set(search)
    try:
        yield search
    finally:
        _SEARCH.reset(token)


def out_of_time() -> bool:
    """Whether the running search has reached its bound (and is now stopping)."""
    search = _SEARCH.get()
    if search is None or time.monotonic() < search.deadline:
        return False
    search.stopped = True
    return True


def stopped_note(search: _Search | None, what: str) -> str | None:
    """The note for a search (`what`: "conflict" or "repair") that stopped at its bound,
    else None."""
    if search is None or not search.stopped:
        return None
    found = ("these constraints conflict, but a smaller set of them may already"
             if what == "conflict" else "each repair shown works, but a smaller change may "
             "exist")
    return (f"the {what} search stopped at its {search.seconds:g} s limit: {found} (raise "
            "--search-time to look further)")


class Repairs(tuple["Suggestion", ...]):
    """The ranked repairs (a tuple of Suggestion), and `note`: why the list may be
    incomplete (the search stopped at its time limit), else None."""

    note: str | None

    def __new__(cls, items: tuple[Suggestion, ...] | list[Suggestion] = (),
                note: str | None = None) -> Repairs:
        made = super().__new__(cls, items)
        made.note = note
        return made


def bisect(feasible: Callable[[float], bool], good: float, bad: float) -> float:
    """The feasible end of [good, bad] closest to `bad` (the value the user wrote)."""
    for _ in range(BISECTION_STEPS):
        if out_of_time():  # `good` is feasible: a repair, maybe not the smallest
            break
        mid = 0.5 * (good + bad)
        if feasible(mid):
            good = mid
        else:
            bad = mid
    return good
