"""The web dashboard for coordinators: server-rendered pages under /dashboard."""
