"""Pure campus-safety policy: plain data in, plain data out, nothing from Django."""
