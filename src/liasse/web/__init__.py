"""The web app (FastAPI + Jinja2, server-rendered). Handlers are thin over services."""
