"""A real IMAP server for the tests: Debian's Dovecot, started from a temporary folder.

The configuration is generated: 127.0.0.1 only, one port for IMAP with STARTTLS and one for
IMAPS, a self-signed certificate made with `openssl` (its file is the client's `cafile`), a
passwd-file with one test user, and Maildir storage in the folder. Nothing of the system's
Dovecot configuration is read, and the system service is never started.

As root (CI) the login and mail processes run as Dovecot's own unprivileged users (`dovenull`,
`nobody`); as anyone else, everything runs as that user.
"""

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "study", "s3cret-imap-pass"


def available():
    return os.access(DOVECOT, os.X_OK) and shutil.which("openssl") is not None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="fieldwork-dovecot-"))
        self.imap_port, self.imaps_port = _free_port(), _free_port()
        self.cafile = str(self.directory / "cert.pem")
        self.process = None

    # URLs the app is given (the password as FIELDWORK_IMAP_URL would carry it).
    def url(self, *, tls="starttls", folder="INBOX"):
        if tls == "imaps":
            return (f"imaps://{USER}:{PASSWORD}@127.0.0.1:{self.imaps_port}/{folder}"
                    f"?cafile={self.cafile}")
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.imap_port}/{folder}?cafile={self.cafile}"

    def start(self):
        d = self.directory
        for name in ("run", "state", "mail"):
            (d / name).mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(d / "key.pem"), "-out", self.cafile],
            check=True, capture_output=True)
        (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.geteuid() == 0:
            login_user, internal_user = "dovenull", "dovecot"
            mail_user = pwd.getpwnam("nobody")
            os.chmod(d, 0o755)
            os.chown(d / "mail", mail_user.pw_uid, mail_user.pw_gid)
        else:
            me = pwd.getpwuid(os.geteuid())
            login_user = internal_user = me.pw_name
            mail_user = me
        (d / "dovecot.conf").write_text(f"""
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = {d}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(d / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot did not start: {self.process.stderr.read()!r} "
                                   f"{self._log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)  # the server is still starting: there is nothing to await yet
        raise RuntimeError(f"dovecot did not answer in time {self._log()}")

    def _log(self):
        path = self.directory / "dovecot.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)

    # The test's own IMAP client (stdlib), to set up and inspect the mailbox.
    def client(self):
        imap = imaplib.IMAP4("127.0.0.1", self.imap_port)
        imap.starttls(ssl.create_default_context(cafile=self.cafile))
        imap.login(USER, PASSWORD)
        return imap

    def append(self, *raws, folder="INBOX"):
        """Add messages to `folder` with IMAP APPEND, as a mail server delivers them."""
        with _session(self) as imap:
            for raw in raws:
                _ok(imap.append(folder, None, None, raw))

    def message_ids(self, folder="INBOX"):
        """The Message-IDs in `folder`, in mailbox order ([] for a folder that does not exist)."""
        with _session(self) as imap:
            typ, _ = imap.select(_quoted(folder), readonly=True)
            if typ != "OK":
                return []
            _, data = imap.search(None, "ALL")
            ids = []
            for number in data[0].split():
                _, parts = imap.fetch(number, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                header = parts[0][1].decode().strip()
                ids.append(header.split(":", 1)[1].strip() if ":" in header else "")
            return ids

    def flags(self, folder="INBOX"):
        with _session(self) as imap:
            imap.select(_quoted(folder), readonly=True)
            _, data = imap.fetch("1:*", "(FLAGS)")
            return [item.decode() for item in data if item]

    def empty(self):
        """Every folder emptied and every folder but INBOX deleted, between tests."""
        with _session(self) as imap:
            _, folders = imap.list()
            for line in folders or []:
                name = line.decode().split(' "." ', 1)[-1].strip() if line else ""
                if name.startswith('"'):
                    name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                if name and name.upper() != "INBOX":
                    imap.delete(_quoted(name))
            _, count = imap.select("INBOX")
            if int(count[0]):
                imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                imap.expunge()


class _session:
    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.imap = self.server.client()
        return self.imap

    def __exit__(self, *exc):
        try:
            self.imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result):
    typ, data = result
    if typ != "OK":
        raise RuntimeError(f"IMAP: {typ} {data!r}")
    return data
