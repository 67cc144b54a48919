"""Server-rendered pages on the one web app (Jinja2, the bot's catalogs, no script needed)."""
