"""The build step setuptools cannot express in pyproject.toml: compile the catalogs.

Everything else is configured in pyproject.toml. A wheel (or `pip install .`)
gets every language's ``.mo`` compiled from ``locales/*/LC_MESSAGES/messages.po``
into ``flows/data/locales``; an editable install reads the checkout's catalogs
directly (``./dev`` compiles them there, and a stale ``.mo`` falls back to the
``.po``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path(__file__).resolve().parent / "locales"


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            self.compile_catalogs()

    def compile_catalogs(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(self.build_lib) / "flows" / "data" / "locales"
        sources = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
        if not sources:
            raise SystemExit(f"no catalogs found under {LOCALES}")
        for po in sources:
            mo = target / po.relative_to(LOCALES).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parents[1].name)
            with mo.open("wb") as out:
                write_mo(out, catalog)
            self.announce(f"compiled {po.relative_to(LOCALES)}", level=2)


setup(cmdclass={"build_py": BuildWithCatalogs})
