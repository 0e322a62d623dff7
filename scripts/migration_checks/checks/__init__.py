"""The checks, one module each, grouped by stage."""
