"""WSGI entry point for gunicorn (`shnor serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
application = get_wsgi_application()
