"""Talking to GitHub Actions (workflow commands, summary, outputs)."""
