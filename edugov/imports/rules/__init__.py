"""Pure rules of bulk imports: cell parsing and row checks, plain data in and out, no Django."""
