"""Fire several requests at the same moment, each from its own thread and test client.

Every client is prepared first (logged in, say); then each thread waits at a barrier, which
releases them all together, so the requests really overlap in the app and in the database. A
request that raises (an IntegrityError the app did not handle) comes back as a 500 with its
traceback, so a race test can assert "never 500" rather than die in a thread.
"""

import threading
import traceback
from dataclasses import dataclass


@dataclass
class Outcome:
    status_code: int
    text: str


def fire_at_once(app, requests, *, prepare=None, timeout=60):
    """Send `requests` (callables taking a test client and returning a response) all at once;
    returns their Outcomes in the same order. `prepare(client, i)` runs first, one client after
    another in the test's own thread and app context (a login, for example)."""
    clients = [app.test_client() for _ in requests]
    if prepare is not None:
        for i, client in enumerate(clients):
            prepare(client, i)
    barrier = threading.Barrier(len(requests))
    outcomes = [None] * len(requests)

    def run(i, send):
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            return
        try:
            response = send(clients[i])
            outcomes[i] = Outcome(response.status_code, response.get_data(as_text=True))
        except Exception:  # reported like a server error, with its traceback
            outcomes[i] = Outcome(500, traceback.format_exc())

    threads = [threading.Thread(target=run, args=(i, send), daemon=True)
               for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a request did not finish in time"
    assert None not in outcomes, "the barrier broke before every request was sent"
    return outcomes


def statuses(outcomes):
    """The status codes, sorted, for a compact assertion message."""
    return sorted(outcome.status_code for outcome in outcomes)
