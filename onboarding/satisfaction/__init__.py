"""Citizens' satisfaction per agency, read from the feedback tenant's public aggregates."""
