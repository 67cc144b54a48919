"""Arabic and Urdu read right to left on WhatsApp and in the simulator as on Telegram: every
line starts with a right-to-left mark, a list line or one that opens with a reference."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.channels import plain
from tests.support.chat import Chat, joined, t

pytestmark = pytest.mark.usefixtures("programme")

RLM = "\u200f"  # the right-to-left mark


def sent(chat: Chat) -> str:
    """The last message to ``chat`` as WhatsApp and the simulator send it, marks and all
    (``Chat.replies`` holds what a person reads)."""
    return plain.render(chat.recorder.to(chat.address)[-1].reply)


@pytest.mark.parametrize("code", ["ar", "ur"])
async def test_a_concern_opened_from_my_concerns_reads_right_to_left_line_by_line(
    app: App, code: str
) -> None:
    layla = await joined(app, "layla", code)
    for answer in ["/concern", "4", "Damp in every flat of the block", "3", "1", "2", "1", "1"]:
        await layla.says(answer)
    await layla.says("/concerns")
    await layla.says("1")
    detail = sent(layla)
    first = detail.split("\n")[0]
    assert first == f"{RLM}C-1001 · {t(code, 'Housing and damp')}"  # a reference first
    for line in detail.split("\n"):
        assert not line or line.startswith(RLM), repr(line)


async def test_left_to_right_languages_get_no_marks(app: App) -> None:
    amina = await joined(app, "amina", "en")
    for answer in ["/concern", "4", "Damp in every flat of the block", "3", "1", "2", "1", "1"]:
        await amina.says(answer)
    await amina.says("/concerns")
    await amina.says("1")
    detail = sent(amina)
    assert detail.startswith("C-1001 · Housing and damp") and RLM not in detail
