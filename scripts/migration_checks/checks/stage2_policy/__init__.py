"""Stage 2: policy compliance of the migration against the policy read from outside the PR."""
