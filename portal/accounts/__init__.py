"""Accounts, roles and API tokens: who may sign in to the portal and act for which agency."""
