"""What-ifs: scenario files and their schema, adjustments, batches of scenarios, the efficient frontier."""
