"""Missing-code reports: a citizen tells us a desk has no feedback code posted, through Bale or the web.

Domain only (no Flask, no Celery): the report and its status workflow, the Bale conversation state
machine, and the outbox of messages to the Bot API that a task sends later.
"""
