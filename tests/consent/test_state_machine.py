"""A Hypothesis state machine over the consent services: request, give, give partly, decline,
withdraw, schedule, conduct, follow up and deliver mail, in any order and at any pace.

Invariants: the consent history only grows (nothing in it changes); no interview is marked
conducted unless every informant's participation consent held at that moment; and once an
informant has withdrawn, the only emails that still reach them are the cancellations of their
interviews and the confirmation of the withdrawal.
"""

import tempfile
from datetime import datetime, time, timedelta, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)
from sqlalchemy import func, select

from fieldwork.consent import services as consent
from fieldwork.consent.gates import consent_summaries
from fieldwork.consent.models import ConsentEvent, ConsentRecord
from fieldwork.errors import DomainError
from fieldwork.extensions import db
from fieldwork.interviews import afterwards
from fieldwork.interviews import services as interviews
from fieldwork.interviews.models import Interview, InterviewStatus
from fieldwork.outbox import services as outbox
from fieldwork.outbox.models import OutboxMessage, OutboxStatus
from tests import factories

START = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)
# What may still go to someone who has withdrawn.
AFTER_WITHDRAWAL = {"cancel", "consent-withdrawn"}


class ConsentMachine(RuleBasedStateMachine):
    app = None
    mail_dir = None

    @initialize()
    def setup(self):
        self.now = START
        self.coordinator = factories.make_user()
        if consent.active_version("nb") is None:
            factories.make_consent_form("nb", by=self.coordinator)
        self.people = [factories.make_informant() for _ in range(3)]
        self.interview_ids = []
        self.history = []
        self.conducted = set()
        self.queued_before_withdrawal = {}

    def attempt(self, action):
        try:
            return action()
        except DomainError:
            db.session.rollback()
            return None

    # Steps

    @rule(hours=st.integers(min_value=1, max_value=24 * 9))
    def wait(self, hours):
        self.now += timedelta(hours=hours)

    @rule(who=st.integers(0, 2))
    def request(self, who):
        self.attempt(lambda: consent.request_consent(self.people[who], by=self.coordinator,
                                                     now=self.now))

    @rule(who=st.integers(0, 2), optional=st.fixed_dictionaries({
        "audio_recording": st.booleans(), "direct_quotation": st.booleans(),
        "re_contact": st.booleans()}))
    def give(self, who, optional):
        self.attempt(lambda: consent.give_consent(
            self.people[who], {"participation": True, **optional}, method="signed-paper",
            by=self.coordinator, now=self.now))

    @rule(who=st.integers(0, 2))
    def give_without_participation(self, who):
        before = consent_summaries([self.people[who].id])[self.people[who].id]
        self.attempt(lambda: consent.give_consent(
            self.people[who], {"participation": False, "audio_recording": True},
            method="signed-paper", by=self.coordinator, now=self.now))
        assert consent_summaries([self.people[who].id])[self.people[who].id] == before

    @rule(who=st.integers(0, 2))
    def decline(self, who):
        self.attempt(lambda: consent.decline_consent(self.people[who], method="oral-recording",
                                                     by=self.coordinator, now=self.now))

    @rule(who=st.integers(0, 2))
    def withdraw(self, who):
        last_id = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        done = self.attempt(lambda: consent.withdraw_consent(self.people[who], by=self.coordinator,
                                                             now=self.now))
        if done is not None:
            self.queued_before_withdrawal[self.people[who].id] = last_id

    @rule(who=st.sets(st.integers(0, 2), min_size=1, max_size=2),
          days=st.integers(1, 20), invite=st.booleans())
    def schedule(self, who, days, invite):
        local_day = (self.now + timedelta(days=days)).date()
        start = datetime.combine(local_day, time(10 + len(self.interview_ids) % 6),
                                 tzinfo=timezone.utc)
        values = factories.interview_values(
            informants=[self.people[i] for i in sorted(who)], interviewers=[self.coordinator],
            start=start, guide_version=self.guide_version())
        interview = self.attempt(lambda: interviews.schedule_interview(
            values, by=self.coordinator, now=self.now, send_invites=invite))
        if interview is not None:
            self.interview_ids.append(interview.id)

    @precondition(lambda self: self.interview_ids)
    @rule(pick=st.integers(0, 50))
    def conduct(self, pick):
        interview = interviews.get_interview(self.interview_ids[pick % len(self.interview_ids)])
        self.now = max(self.now, interview.starts_at + timedelta(minutes=5))
        was_open = interview.status in (InterviewStatus.PLANNED, InterviewStatus.INVITED,
                                        InterviewStatus.CONFIRMED)
        summaries = consent_summaries(i.id for i in interview.informants)
        allowed = all(s.may_participate for s in summaries.values())
        done = self.attempt(lambda: afterwards.mark_conducted(interview, by=self.coordinator,
                                                              now=self.now))
        assert (done is not None) == (was_open and allowed)
        if done is not None:
            self.conducted.add(interview.id)

    @rule()
    def follow_up(self):
        consent.send_consent_follow_ups(now=self.now)

    @rule()
    def send_mail(self):
        outbox.dispatch_pending(now=self.now, mail_url=f"file://{self.mail_dir}")

    # Invariants

    def guide_version(self):
        if not hasattr(self, "_guide_version"):
            self._guide_version = factories.published_version(by=self.coordinator)
        return self._guide_version

    @invariant()
    def history_only_grows(self):
        if not hasattr(self, "people"):
            return
        rows = db.session.execute(
            select(ConsentEvent.id, ConsentEvent.action, ConsentEvent.status, ConsentEvent.items,
                   ConsentEvent.occurred_at)
            .join(ConsentRecord).where(ConsentRecord.informant_id.in_([p.id for p in self.people]))
            .order_by(ConsentEvent.id)).all()
        current = [tuple(r) for r in rows]
        assert current[:len(self.history)] == self.history
        self.history = current

    @invariant()
    def conducted_interviews_stay_conducted(self):
        if not hasattr(self, "people") or not self.conducted:
            return
        statuses = db.session.scalars(select(Interview.status)
                                      .where(Interview.id.in_(self.conducted))).all()
        assert set(statuses) == {InterviewStatus.CONDUCTED}

    @invariant()
    def nothing_reaches_the_withdrawn_but_their_cancellations(self):
        if not hasattr(self, "people"):
            return
        for informant_id, last_id in self.queued_before_withdrawal.items():
            withdrawn_at = db.session.scalar(select(ConsentRecord.withdrawn_at).where(
                ConsentRecord.informant_id == informant_id))
            for message in db.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.informant_id == informant_id)):
                if message.purpose in AFTER_WITHDRAWAL:
                    continue
                # Queued before the withdrawal, and then either sent before it or never.
                assert message.id <= last_id, message.purpose
                assert message.status in (OutboxStatus.CANCELLED, OutboxStatus.SENT,
                                          OutboxStatus.FAILED), message.status
                if message.status is OutboxStatus.SENT:
                    assert message.sent_at <= withdrawn_at


def test_consent_state_machine(app):
    ConsentMachine.app = app
    ConsentMachine.mail_dir = tempfile.mkdtemp(prefix="consent-mail-")
    run_state_machine_as_test(ConsentMachine, settings=settings(
        max_examples=40, stateful_step_count=15, deadline=None,
        suppress_health_check=list(HealthCheck)))
