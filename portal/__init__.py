"""The platform's Flask app: factory, accounts and roles, pages, the /api/v1 API, templates, i18n."""
