"""Onboarding: programs and compliance, inventory, migration plans and runs, landing zones."""
