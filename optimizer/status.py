"""One status vocabulary for every backend."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    LIMIT_REACHED = "limit_reached"  # stopped at a time/iteration limit: never called optimal
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        """CLI exit code: 0 optimal, 1 infeasible or no plan."""
        return 0 if self is Status.OPTIMAL else 1
