"""The employee-feedback tenant service: its own app, database, workers and dashboards.

A separate deployable: it imports nothing of the platform but `core`.
"""
