"""One-time links already used: a link's nonce, kept until the link would have expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class UsedLink(Base):
    __tablename__ = "used_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # may be deleted after this
