"""Exceptions the package raises on purpose, each carrying everything needed to act on it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, what was found, and how to fix it."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        at = f"{self.path}: " if self.path else ""
        return f"{where}{at}{self.message}"


class ChanoptError(Exception):
    """Base class of every error this package raises deliberately."""


class ScenarioError(ChanoptError, ValueError):
    """A scenario (file or mapping) is invalid. Lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head} in the scenario input:\n{lines}")


class InfeasiblePlanError(ChanoptError):
    """Raised by `PlanResult.raise_for_status()` when no plan satisfies every constraint."""

    def __init__(self, scenario: str, conflicts: tuple[str, ...]) -> None:
        self.scenario = scenario
        self.conflicts = conflicts
        lines = "\n".join(f"  - {c}" for c in conflicts)
        super().__init__(f"No plan for '{scenario}' satisfies every constraint:\n{lines}")


class SolverError(ChanoptError):
    """The solver failed for a reason other than infeasibility (numerical trouble, a limit)."""


class OutputError(ChanoptError):
    """An output could not be written safely: it would overwrite an input file
    (`overwrites_input`), a link stands in the way, or the folder is read-only or full."""

    def __init__(self, message: str, *, overwrites_input: bool = False) -> None:
        super().__init__(message)
        self.overwrites_input = overwrites_input
