"""The feedback service's web half (Flask): survey pages, dashboards, admin, Bale webhook."""
