"""Every parser and writer: numbers, dates and flags in one way each; text tables; atomic, escaped outputs."""
