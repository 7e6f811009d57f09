"""A throwaway PostgreSQL cluster for the tests, started from Debian's `postgresql` binaries.

PostgreSQL refuses to run as root, so as root (CI) the server runs as the `postgres` user.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir():
    """The newest installed PostgreSQL's bin directory, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    for bindir in reversed(candidates):
        if os.access(os.path.join(bindir, "initdb"), os.X_OK):
            return bindir
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    def __init__(self, bindir):
        self.bindir = bindir
        self.port = _free_port()
        self.directory = tempfile.mkdtemp(prefix="fieldwork-pg-")
        self.data = os.path.join(self.directory, "data")
        self._as_postgres = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args):
        subprocess.run([*self._as_postgres, *args], check=True, capture_output=True, text=True)

    def start(self):
        self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "fieldwork",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        # Another process (an xdist worker starting its own cluster) may take the free port
        # between the probe and the start: try another one.
        for attempt in range(3):
            try:
                self._start_server()
                return self
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
                self.port = _free_port()

    def _start_server(self):
        # Durability settings off: this cluster lives only as long as the test run.
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.directory} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-o", options, "-w",
                  "-l", os.path.join(self.directory, "server.log"), "start")

    def url(self, database):
        return f"postgresql+psycopg://fieldwork@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=fieldwork dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self):
        try:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
