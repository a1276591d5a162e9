"""The Celery side of the platform: the app, queue names, the beat schedule and thin task modules."""
