"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`)."""

from api.app import create_app, freeze_startup_heap

app = create_app()
freeze_startup_heap()
