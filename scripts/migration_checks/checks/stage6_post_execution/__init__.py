"""Stage 6: post-execution, the parallel runs that compare source and target after the migration."""
