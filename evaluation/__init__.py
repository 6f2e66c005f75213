"""Evaluation of the assistant on text written outside the team (eval/, make evaluate)."""
