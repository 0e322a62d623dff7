"""Stage 5: a read-only dry run against the source database the migration config names."""
