"""Onboarding: programs and compliance, inventory of data centers and workloads, migration plans,
landing zones, cloud backends and the runs that move workloads into the shared government cloud."""
