"""Plans under uncertainty: draws of uncertain inputs, how sure a plan is, and risk-aware plans."""
