"""Per-day aggregates of counted responses, from one employee up to the nation."""
