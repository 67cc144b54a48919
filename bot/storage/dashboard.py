"""What the dashboard keeps: its signing secret and the sign-in links already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class AppSecret(Base):
    """A random secret made on first use, shared by every process through the database."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class UsedSigninToken(Base):
    """A one-time sign-in link that has been used (kept until it would have expired)."""

    __tablename__ = "used_signin_tokens"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int]
    used_at: Mapped[datetime]
