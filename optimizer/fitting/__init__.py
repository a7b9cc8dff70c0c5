"""Response curves fitted from per-period history, and synthetic history from known curves."""
