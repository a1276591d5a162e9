"""Queue names live here and only here; the chart runs a worker deployment per queue group."""

DEFAULT = "default"
MIGRATIONS = "migrations"
COMPLIANCE = "compliance"

ALL = (DEFAULT, MIGRATIONS, COMPLIANCE)
