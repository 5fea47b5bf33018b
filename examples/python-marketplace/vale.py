"""The one place the marketplace talks to Vale's API.

The platform's secret key stays on this server: it goes to Vale and nowhere else (never
to a browser, never into a log line). Standard library only.
"""

import json
import time
import urllib.error
import urllib.request

from config import CONFIG


class ValeError(Exception):
    """An error answer from Vale: its HTTP status and the contract's code and param."""

    def __init__(self, status, error=None):
        error = error or {}
        super().__init__(error.get("message") or f"Vale answered {status}")
        self.status = status
        self.code = error.get("code")
        self.param = error.get("param")


def call(method, path, body=None, idempotency_key=None, account=None, raw=False):
    """Calls Vale with the platform's secret key; answers the JSON body (or the text when
    `raw`), or raises ValeError.

    `account` sends `Vale-Account`: the platform acting for that seller.

    A request is sent again (at most 3 times in all) only when that is safe: a GET, or a
    POST with an Idempotency-Key, after a network error, a 409 (the same key is still
    being worked on), a 429 or a 5xx. The body is serialised ONCE, before the first try:
    Vale compares a repeated key's body byte for byte, and the same dict serialised twice
    is not guaranteed to give the same bytes in every language (key order, spacing,
    escapes). A different body under the same key is a 422, not a replay.
    """
    headers = {"Authorization": f"Bearer {CONFIG.secret_key}"}
    data = None
    if body is not None:
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    if account:
        headers["Vale-Account"] = account
    retryable = method == "GET" or bool(idempotency_key)
    for attempt in range(1, 4):
        request = urllib.request.Request(
            CONFIG.vale_api + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return text if raw else json.loads(text or "null")
        except urllib.error.HTTPError as answer:
            text = answer.read().decode()
            again = answer.code in (409, 429) or answer.code >= 500
            if retryable and again and attempt < 3:
                time.sleep(0.5 * attempt)
                continue
            try:
                error = json.loads(text).get("error")
            except ValueError:
                error = None
            raise ValeError(answer.code, error) from None
        except (urllib.error.URLError, TimeoutError):
            if retryable and attempt < 3:
                time.sleep(0.5 * attempt)
                continue
            raise
    raise AssertionError("unreachable")
