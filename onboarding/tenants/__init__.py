"""Tenant services on the cloud: the first one (employee feedback) onboarded, and their status."""
