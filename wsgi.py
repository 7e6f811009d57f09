"""WSGI entry point: `flask --app wsgi ...` and production servers load `app` from here."""

from config import config_from_environment
from fieldwork import create_app

app = create_app(config_from_environment())
