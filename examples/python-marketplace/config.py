"""The environment the marketplace reads (see README.md)."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    vale_api: str
    secret_key: str
    port: int
    store_url: str
    webhook_secret: str


def _load():
    port = int(os.environ.get("PORT") or "3100")
    return Config(
        vale_api=(os.environ.get("VALE_API") or "http://127.0.0.1:8787").rstrip("/"),
        secret_key=os.environ.get("VALE_SECRET_KEY") or "sk_test_platform",
        port=port,
        store_url=(os.environ.get("STORE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        webhook_secret=os.environ.get("VALE_WEBHOOK_SECRET") or "",
    )


CONFIG = _load()
