"""Migration plans: waves of workloads with target dates, ordered by their dependencies."""
