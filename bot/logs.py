"""Logging set-up: ids and event names in logs, never message bodies or phone numbers."""

from __future__ import annotations

import logging
import sys


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Libraries that log request URLs (which hold bot tokens) stay quiet.
    for noisy in ("httpx", "httpcore", "telegram.ext", "twilio.http_client",
                  "twilio.async_http_client", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
