"""Programs, milestones and compliance: every agency measured against the mandate's deadlines."""
