"""What each agency runs today: data centers, workloads, their components and assessments."""
