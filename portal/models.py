"""Imports every package's models so the platform metadata is complete (migrations, tests)."""


def load_all_models() -> None:
    import catalog.models  # noqa: F401
    import onboarding.compliance.models
    import onboarding.models
    import onboarding.probes.models
    import onboarding.satisfaction.models  # noqa: F401
    import portal.accounts.models  # noqa: F401
