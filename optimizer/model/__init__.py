"""The model: channels and their curves, settings and every fixed choice, limits, rules, the program."""
