"""Pure rules of the data center: the formula language, equity coefficients, rankings."""
