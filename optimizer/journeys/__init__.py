"""Customer journeys: event logs and path tables to paths (in DuckDB), attribution models, statistics."""
