"""Every caller's budget of requests (RATELIMIT_DEFAULT) on each route, counted in the
`limits` library's storage: in memory for one process, in Redis across processes.

A caller is its verified token's subject, else its address (`http.rate_limit_key`). Each
metered response says the budget (X-RateLimit-Limit, -Remaining, -Reset); a spent one is
a 429 with Retry-After. Probes and the docs are not metered. This is all Engage used
Flask-Limiter for; its general machinery (decorators, conditional deductions, meta limits)
cost 0.2-0.3 ms of CPU on every request, a sixth of an authenticated no-op.
"""

import time
from collections.abc import Callable

import limits
from flask import Flask, Response, current_app, g, request
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from api.http import rate_limit_key

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class RateLimiter:
    def __init__(self, app: Flask, *, unmetered_blueprints: set[str]):
        config = app.config
        self.storage = storage_from_string(config["RATELIMIT_STORAGE_URI"])
        self.limiter = FixedWindowRateLimiter(self.storage)  # also the login throttles'
        # RATELIMIT_ENABLED=False (the benchmarks') meters nothing; login throttles still count.
        enabled = config.get("RATELIMIT_ENABLED", True)
        self.budgets = limits.parse_many(config["RATELIMIT_DEFAULT"]) if enabled else []
        self.prefix = config.get("RATELIMIT_KEY_PREFIX", "")
        self.unmetered_blueprints = unmetered_blueprints
        self.exempt_views: set[Callable] = set()
        app.before_request(self.meter)
        app.after_request(self.add_headers)

    def exempt(self, view: Callable) -> Callable:
        """Leave a view unmetered (usable as a decorator)."""
        self.exempt_views.add(view)
        return view

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self.storage.reset()

    def meter(self) -> None:
        """Count the request against each budget of its caller on its route; a 429 as soon
        as one is spent. The headers report the first budget."""
        if not self._metered():
            return
        key = (self.prefix, rate_limit_key(), request.endpoint)
        g.rate_limit = key
        for budget in self.budgets:
            if not self.limiter.hit(budget, *key):
                reset_at = self.limiter.get_window_stats(budget, *key).reset_time
                raise TooManyRequests(
                    f"At most {budget} on this operation for each caller; wait as long as "
                    "Retry-After says.",
                    retry_after=max(1, int(reset_at - time.time())),
                )

    def add_headers(self, response: Response) -> Response:
        key = g.get("rate_limit")
        if key is None:
            return response
        budget = self.budgets[0]  # metered, so there is one
        stats = self.limiter.get_window_stats(budget, *key)
        values = (budget.amount, stats.remaining, int(stats.reset_time))
        response.headers.update(zip(RATE_LIMIT_HEADERS, map(str, values), strict=True))
        return response

    def _metered(self) -> bool:
        if not self.budgets or request.endpoint is None:  # nothing matched: a 404 or 405
            return False
        if request.blueprint in self.unmetered_blueprints:
            return False
        return current_app.view_functions.get(request.endpoint) not in self.exempt_views
