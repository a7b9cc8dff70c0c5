"""Solving a program: closed form, refined LPs or MILPs, Dinkelbach, solver backends, certificate, diagnosis."""
