"""Runs: a workload's move into its tenant space, step by step, durable, resumable and reversible."""
