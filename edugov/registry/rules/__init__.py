"""Pure policy rules of the registry: plain data in, plain data out, no Django."""
