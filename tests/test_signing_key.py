"""One signing key for every link and session: SECRET_KEY when it is set, else the random
secret kept in the database; a sign-in link signed under one key is refused under another."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.dashboard.tokens import BadLink, make_signin_link, redeem_signin_token
from bot.services import links

KEY = "a-secret-key-of-some-length"


async def test_without_secret_key_the_stored_secret_is_made_once_and_kept(app: App) -> None:
    assert app.settings.secret_key is None
    async with app.database.transaction() as db:
        first = await links.key(db, app.settings, app.clock())
    async with app.database.transaction() as db:
        assert await links.key(db, app.settings, app.clock()) == first
    assert first != KEY and len(first) > 40


async def test_secret_key_when_set_signs_sign_in_links(app: App) -> None:
    keyed = app.settings.model_copy(update={"secret_key": SecretStr(KEY)})
    async with app.database.transaction() as db:
        assert await links.key(db, keyed, app.clock()) == KEY
        link = await make_signin_link(db, keyed, "http://test", 7, app.clock())
    token = link.rsplit("/", 1)[1]
    assert links.verify(KEY, token, "signin", now=app.clock()).subject == {"person": 7}
    async with app.database.transaction() as db:
        with pytest.raises(BadLink) as refused:  # the stored secret is another key
            await redeem_signin_token(db, app.settings, token, app.clock())
    assert refused.value.reason == "forged"
    async with app.database.transaction() as db:
        assert await redeem_signin_token(db, keyed, token, app.clock()) == 7
    async with app.database.transaction() as db:
        with pytest.raises(BadLink) as again:
            await redeem_signin_token(db, keyed, token, app.clock())
    assert again.value.reason == "used"
