"""Telegram through python-telegram-bot, used as transport only: conversations are ours."""

import os

# Opt in to python-telegram-bot's coming time types (timedelta, not int seconds, e.g.
# for a 429's retry_after): without it the library warns each time it builds one.
os.environ.setdefault("PTB_TIMEDELTA", "true")
