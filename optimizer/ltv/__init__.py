"""Lifetime value per acquisition channel: transactions, BG/NBD + Gamma-Gamma, cohort and simple estimates."""
