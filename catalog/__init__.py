"""Agencies (a hierarchy), their e-services and inquiries, cloud plans and tenant services."""
