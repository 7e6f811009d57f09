"""Locust scenario: the study's people at work, and their calendars polling their feeds.

Coordinators browse the lists, open interviews and schedule new ones; researchers read the
consent overview; calendar programs poll private feeds, sending back the ETag they were given as
real clients do. bench/load.py builds the data, starts gunicorn and runs this file; the people
and feed links it made are read from the JSON file named by FIELDWORK_LOAD_PEOPLE.
"""

import json
import os
import random
import re
from datetime import date, timedelta

from locust import HttpUser, between, tag, task

PEOPLE = json.loads(open(os.environ["FIELDWORK_LOAD_PEOPLE"]).read())
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# A time someone else took first is refused with a message, as it should be; nothing else is.
SCHEDULING_REFUSALS = (400, 409, 422)


def csrf_token(response):
    found = _CSRF.search(response.text)
    return found.group(1) if found else ""


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    accounts = ()

    def on_start(self):
        email = random.choice(self.accounts)
        form = self.client.get("/login", name="/login")
        response = self.client.post("/login", name="/login", allow_redirects=False, data={
            "email": email, "password": PEOPLE["password"], "csrf_token": csrf_token(form)})
        if response.status_code != 302:
            response.failure(f"login refused ({response.status_code})")

    def page(self, path, name=None):
        return self.client.get(path, name=name or path)


class Coordinator(Person):
    weight = 3
    accounts = PEOPLE["coordinators"]

    @task(3)
    def informants(self):
        sort = random.choice(["", "?sort=organisation", "?sort=code", "?sort=status"])
        self.page(f"/informants/{sort}", "/informants/?sort=...")

    @task(2)
    def informants_next_pages(self):
        self.page(f"/informants/?page={random.randint(2, 20)}", "/informants/?page=N")

    @task(3)
    def interviews(self):
        self.page(random.choice(["/interviews/", "/interviews/?when=all"]), "/interviews/")

    @task(3)
    def interview(self):
        interview_id = random.randint(1, PEOPLE["interviews"])
        self.page(f"/interviews/{interview_id}", "/interviews/<id>")

    @task(2)
    def dashboard(self):
        self.page("/")

    @task(1)
    def calendar(self):
        self.page(random.choice(["/interviews/calendar", "/interviews/calendar?view=month"]),
                  "/interviews/calendar")

    @task(1)
    def pipeline(self):
        self.page("/interviews/pipeline")

    @tag("scheduling")  # bench/load.py --exclude-tags scheduling runs without it
    @task(1)
    def schedule(self):
        informant_id = random.choice(PEOPLE["informants"])
        form = self.page(f"/interviews/new?informant={informant_id}", "/interviews/new")
        # Far ahead, on a random weekday quarter hour: the seeded interviews end two months on.
        day = date.today() + timedelta(days=random.randint(100, 900))
        with self.client.post("/interviews/new", name="/interviews/new (save)",
                              allow_redirects=False, catch_response=True, data={
                                  "csrf_token": csrf_token(form),
                                  "informant_ids": [str(informant_id)],
                                  "interviewer_ids": [str(PEOPLE["user_ids"][self.email])],
                                  "start_date": day.isoformat(),
                                  "start_time": f"{random.randint(8, 15):02d}:"
                                                f"{random.choice([0, 15, 30, 45]):02d}",
                                  "duration_minutes": "60", "mode": "video", "place": "",
                                  "meeting_url": "https://meet.example.org/load",
                                  "guide_version_id": str(PEOPLE["guide_version_id"]),
                                  "language": "nb", "notes": "", "send_invites": "y"},
                              ) as response:
            if response.status_code == 302:
                response.success()
            elif (response.status_code in SCHEDULING_REFUSALS
                  and "already booked" in response.text):
                response.success()  # someone took the time first: the form says so
            else:
                message = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,120})', response.text)
                response.failure(f"scheduling answered {response.status_code}: "
                                 f"{message.group(1).strip() if message else ''}")

    def on_start(self):
        self.email = random.choice(self.accounts)
        self.accounts = (self.email,)
        super().on_start()


class Researcher(Person):
    weight = 1
    accounts = PEOPLE["researchers"]

    @task(3)
    def consent_overview(self):
        self.page("/consent/")

    @task(1)
    def at_risk(self):
        self.page("/consent/?within_days=14", "/consent/?within_days=14")

    @task(1)
    def interviews(self):
        self.page("/interviews/")


class Calendar(HttpUser):
    """A calendar program subscribed to one feed: fetches it, then polls with its ETag."""

    weight = 1
    wait_time = between(2, 6)

    def on_start(self):
        self.path = random.choice(PEOPLE["feeds"])
        self.etag = None

    @task
    def poll(self):
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(self.path, name="/calendar/<token>.ics", headers=headers,
                             catch_response=True) as response:
            if response.status_code == 200:
                self.etag = response.headers.get("ETag")
            elif response.status_code == 304:
                response.success()
