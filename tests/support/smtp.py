"""A real SMTP server on 127.0.0.1 for the tests: aiosmtpd in a thread, keeping what it receives.

It can be told to answer the next MAIL, RCPT or DATA with a given reply (`451 ...`, `550 ...`)
or to drop the connection there without a word (`reply_next("DATA", DROP)`),
to take its time over each message (`delay` after DATA, `rcpt_delay` before any data), to ask
for a login, to offer STARTTLS, to hold every message until several clients are connected (two
sender processes that must overlap), and it can be
stopped and started again on the same port, as a mail server that goes down and comes back.
"""

import asyncio
import socket
import threading
from collections import deque
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


# A scripted "reply" that closes the client's connection instead of answering.
DROP = "DROP"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message as the server took it: the envelope and the bytes after DATA."""

    mail_from: str
    rcpt_tos: list
    raw: bytes
    peer: tuple = None  # the client's (address, port): which connection brought it

    @property
    def message(self):
        return BytesParser(policy=policy.default).parsebytes(self.raw)

    @property
    def message_id(self):
        return self.message["Message-ID"]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # Hold every message until that many connections are open (or 30 s have passed): two
        # sender processes then both have a batch in hand before either can send it all.
        deadline = asyncio.get_running_loop().time() + 30
        while (self.sink.connections < self.sink.hold_until_connections
               and asyncio.get_running_loop().time() < deadline):
            await asyncio.sleep(0.01)
        reply = self.sink._scripted("MAIL", server)
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sink.rcpt_delay:
            # A client killed while waiting here never reaches DATA: nothing is delivered.
            self.sink.waiting_in_rcpt += 1
            try:
                await asyncio.sleep(self.sink.rcpt_delay)
            finally:
                self.sink.waiting_in_rcpt -= 1
        reply = self.sink._scripted("RCPT", server)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        reply = self.sink._scripted("DATA", server)
        if reply:
            return reply
        with self.sink._arrived:
            self.sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                               bytes(envelope.original_content),
                                               tuple(session.peer)))
            self.sink._arrived.notify_all()
        return "250 2.0.0 Queued"


class SmtpSink:
    """`url` to send to, `messages` received. Use as a context manager or start()/stop()."""

    def __init__(self, port=None, *, delay=0.0, rcpt_delay=0.0, login=None, tls_context=None,
                 hold_until_connections=0):
        self.port = port or free_port()
        # Counted as `connections` is: the controller's own probe is the first.
        self.hold_until_connections = hold_until_connections
        self.delay = delay
        self.rcpt_delay = rcpt_delay  # seconds to wait before answering each RCPT
        self.waiting_in_rcpt = 0
        self.login = login  # (user, password) the server insists on, or None
        self.tls_context = tls_context  # offer STARTTLS with this server context
        self.messages = []
        self.connections = 0
        self.dropped = 0
        self._replies = {"MAIL": deque(), "RCPT": deque(), "DATA": deque()}
        self._lock = threading.Lock()
        self._arrived = threading.Condition()
        self._controller = None

    @property
    def url(self):
        credentials = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def reply_next(self, stage, reply, times=1):
        """Answer the next `times` commands of `stage` (MAIL, RCPT, DATA) with `reply`."""
        with self._lock:
            self._replies[stage].extend([reply] * times)

    def _scripted(self, stage, server):
        with self._lock:
            reply = self._replies[stage].popleft() if self._replies[stage] else None
        if reply == DROP:
            server.transport.close()  # the client waits for a reply that never comes
            self.dropped += 1
            return "421 4.4.2 dropped"  # written to a closed connection: nobody reads it
        return reply

    def message_ids(self):
        return [m.message_id for m in self.messages]

    def wait_for(self, count, timeout=10):
        """Wait until `count` messages have arrived (woken by each arrival, no polling); True
        if they did within `timeout` seconds."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and (auth_data.login.decode(), auth_data.password.decode()) == tuple(self.login))
        return AuthResult(success=ok, handled=False)

    def start(self):
        options = {}
        if self.login:
            options.update(authenticator=self._authenticate, auth_required=True,
                           auth_require_tls=False)
        if self.tls_context:
            options.update(tls_context=self.tls_context, require_starttls=True)
        self._controller = _CountingController(self, _Handler(self), hostname="127.0.0.1",
                                               port=self.port, **options)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _CountingController(Controller):
    """Counts the connections clients open (the first one is the controller's own probe)."""

    def __init__(self, sink, *args, **kwargs):
        self.sink = sink
        super().__init__(*args, **kwargs)

    def factory(self):
        self.sink.connections += 1
        return super().factory()
