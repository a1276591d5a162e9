"""The tenant landing zone: Kubernetes manifests rendered from Jinja2 templates and validated."""
