"""The short-code box (`/e`): a typed code leads to its survey (`/e/<token>`, in survey.py).

The token is a bearer capability in the URL: it is never logged (metrics label by endpoint) and
the page shows only what is printed on the desk sheet anyway; never the national code.
"""

from __future__ import annotations

import math

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from core.errors import NotFound
from core.ratelimit import Check, RateLimiter, parse_limits
from core.web import get_session, public
from feedback.codes import short_codes
from feedback.codes.services import token_for_short_code
from feedback.web.security import SHORT_CODE_LIMIT, client_network, limiter, network_key

bp = Blueprint("codes", __name__)

# A network's well-formed misses: after 3 it waits up to a minute, after 6 up to ten, after 10 an
# hour, after 20 a day. A citizen who mistypes is caught by the check digit, not counted here.
NETWORK_MISS_LIMITS = parse_limits("3 per minute;6 per 10 minutes;10 per hour;20 per day")
# Every network's misses together: a hit is about one guess in 36,000, so at most about one code a
# day can be found by guessing, however many addresses guess.
CODE_SPACE_MISS_LIMITS = parse_limits("600 per minute;10000 per hour;40000 per day")


@bp.get("/e")
@public
def lookup_form() -> str:
    return render_template("feedback/codes/lookup.html", error="", typed="")


def _miss_checks() -> list[Check]:
    """Misses (well-formed codes no desk has) per network, with a wait that grows as they add up,
    and across the whole code space, so that no number of addresses harvests codes quickly."""
    return [
        (f"code-miss:{client_network(request.remote_addr)}", NETWORK_MISS_LIMITS),
        ("code-miss:space", CODE_SPACE_MISS_LIMITS),
    ]


@bp.post("/e")
@public
@limiter.limit(SHORT_CODE_LIMIT)
@limiter.limit(SHORT_CODE_LIMIT, key_func=network_key)
def lookup() -> Response | tuple[str, int]:
    typed = request.form.get("code", "")
    misses: RateLimiter = current_app.extensions["survey_rate_limiter"]
    # asked before the lookup: no oracle; with Redis down, per process (`check`), never a 500
    waiting, _degraded = misses.check(_miss_checks(), record=False)
    if waiting is not None:
        raise TooManyRequests(retry_after=math.ceil(waiting.retry_after))
    try:
        token = token_for_short_code(get_session(), typed)
    except NotFound:
        if short_codes.is_well_formed(short_codes.normalize(typed)):
            misses.check(_miss_checks())  # a typo fails its check digit and probes nothing
        error = _("No desk has this code. Check the digits under the QR code and try again.")
        return render_template("feedback/codes/lookup.html", error=error, typed=typed), 404
    return redirect(url_for("survey.form", token=token), code=303)
