"""Questions asked of a scenario beyond its optimum: `compare` (side by side), `frontier`
(across budgets), `ranging` (exact sensitivity), `infeasibility` (conflicts), `repair`
(smallest fixes), `risk` (plans on sampled inputs), `robust` (plans that survive them).
Each takes the solve options (`SolveOptions`) and honours the backend they name, or
refuses one it cannot use and says why."""
