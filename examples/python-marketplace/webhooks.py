"""Events from Vale, verified per Standard Webhooks v1 with the standard library.

The `standardwebhooks` package does the same in two lines, if you may install from PyPI:

    from standardwebhooks.webhooks import Webhook
    event = Webhook(secret).verify(raw_body, headers)   # raw_body: the bytes, untouched

Either way, verify the body EXACTLY as it arrived (the bytes, before any json.loads):
the signature covers those bytes, and a re-serialised dict is different bytes.
"""

import base64
import hashlib
import hmac
import json
import time

TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """Not signed with our secret, or too old: not from Vale (answer 400)."""


def verify(secret, raw_body, headers, now=None):
    """Answers the event (a dict) when `raw_body` is signed by `secret` ("whsec_…").

    `headers` maps lower-case names to values. Several `v1,` signatures may be present
    (during a secret rotation Vale signs with both): any one matching is enough. Compared
    in constant time (hmac.compare_digest).
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not msg_id or not stamp.isdigit() or not signatures:
        raise InvalidSignature("missing webhook headers")
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{stamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(raw_body)
    raise InvalidSignature("no signature matches")
