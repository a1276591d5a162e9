"""Shared foundations: settings, database plumbing, Jalali dates, Persian text, errors.

`core` imports nothing else of ours, so every package (and the separately deployed
feedback service) can stand on it.
"""
