"""Evidence that services answer: HTTP probes of e-services and inquiries, with daily aggregates."""
