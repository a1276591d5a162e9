"""Scoped dashboards of the feedback service: who sees which scope, and the numbers read from rollups."""
