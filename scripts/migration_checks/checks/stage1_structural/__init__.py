"""Stage 1: structural validation of the migration PR directory."""
