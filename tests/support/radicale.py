"""A real CalDAV server for tests: Radicale (from PyPI) served over HTTP on 127.0.0.1 at a free
port, with its own storage folder and one user who logs in with a password.

Calendars are made and filled over CalDAV itself (MKCALENDAR, PUT), as a calendar app would."""

import base64
import http.client
import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server


class RadicaleServer:
    user, password = "interviewer", "calendar-password-7"

    def __init__(self, folder):
        self.folder = Path(folder)
        self.server = self.thread = None

    def start(self):
        import radicale
        import radicale.config

        self.folder.mkdir(parents=True, exist_ok=True)
        users = self.folder / "users"
        users.write_text(f"{self.user}:{self.password}\n")
        configuration = radicale.config.load()
        configuration.update({
            "auth": {"type": "htpasswd", "htpasswd_filename": str(users),
                     "htpasswd_encryption": "plain", "delay": "0"},
            "rights": {"type": "owner_only"},
            "storage": {"filesystem_folder": str(self.folder / "storage")},
            "logging": {"level": "warning"}, "web": {"type": "none"}}, "test")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", 0, radicale.Application(configuration),
                                  threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def calendar_url(self, name):
        return f"{self.url}/{self.user}/{name}/"

    def request(self, method, url, body=b"", headers=None, password=None):
        parts = urlsplit(url)
        login = base64.b64encode(f"{self.user}:{password or self.password}".encode()).decode()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.request(method, parts.path, body=body,
                           headers={"Authorization": f"Basic {login}", **(headers or {})})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    def make_calendar(self, name):
        status = self.request("MKCALENDAR", self.calendar_url(name))
        assert status == 201, status
        return self.calendar_url(name)

    def put(self, name, item, ics):
        status = self.request("PUT", self.calendar_url(name) + f"{item}.ics",
                              body=ics.encode(), headers={"Content-Type": "text/calendar"})
        assert status in (201, 204), status

    def delete(self, name, item):
        assert self.request("DELETE", self.calendar_url(name) + f"{item}.ics") in (200, 204)
