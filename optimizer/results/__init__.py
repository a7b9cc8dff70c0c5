"""Results: the typed result, the plan table, its explanation and sensitivities."""
