"""An HTTP server on 127.0.0.1 that publishes one calendar file at a secret address, as Outlook
or Google publish an interviewer's calendar."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_PATH = "/owa/calendar/0123456789abcdef/secret-token-4f2a/reachcalendar.ics"


class CalendarHost:
    """An HTTP server on 127.0.0.1 publishing one calendar file, as Outlook or Google do, with
    an ETag and Last-Modified, answering 304 to a conditional GET that matches."""

    def __init__(self):
        self.body, self.etag, self.status = b"", '"v1"', 200
        self.requests = []  # (path, If-None-Match, If-Modified-Since)
        self.release = threading.Event()  # a stalled answer waits for this
        self.stall = False
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                host.requests.append((self.path, self.headers.get("If-None-Match"),
                                      self.headers.get("If-Modified-Since")))
                if host.stall:
                    host.release.wait(30)
                    return
                if host.status != 200:
                    self.send_error(host.status)
                    return
                if self.headers.get("If-None-Match") == host.etag:
                    self.send_response(304)
                    self.send_header("ETag", host.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", host.etag)
                self.send_header("Last-Modified", "Mon, 02 Mar 2026 07:00:00 GMT")
                self.end_headers()
                self.wfile.write(host.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}{SECRET_PATH}"

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
