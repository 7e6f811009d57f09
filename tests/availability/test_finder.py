"""The finder: free times inside working hours, clear of interviews, busy times, dates away and
the travel buffer, on the grid, and right on the days the clocks change in Oslo."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwork.availability.finder import Availability, Booked, find_free_times, free_times
from fieldwork.availability.models import BusyPeriod, DateAway, WorkingHours
from fieldwork.extensions import db
from fieldwork.interviews.models import InterviewMode
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")
UTC = timezone.utc
SPRING = date(2026, 3, 29)  # Sunday: 02:00 becomes 03:00
AUTUMN = date(2026, 10, 25)  # Sunday: 03:00 becomes 02:00
BUFFER = timedelta(minutes=30)
WEEKDAYS_9_TO_5 = {day: [(time(9), time(17))] for day in range(7)}


def find(interviewers, *, bookings=(), informants=(), need_all=True, duration=60,
         in_person=False, first_day, last_day=None, grid=30, earliest=None):
    return find_free_times(
        interviewers=interviewers, informant_ids=set(informants), bookings=list(bookings),
        need_all=need_all, duration=timedelta(minutes=duration), in_person=in_person,
        first_day=first_day, last_day=last_day or first_day, grid_minutes=grid,
        earliest=earliest or datetime(2000, 1, 1, tzinfo=UTC), buffer=BUFFER, zone=OSLO)


def local(found):
    return [t.starts_at.astimezone(OSLO).strftime("%d.%m %H:%M") for t in found]


def test_working_hours_keep_their_wall_clock_times_across_the_spring_change():
    found = find({1: Availability(hours=WEEKDAYS_9_TO_5)}, first_day=date(2026, 3, 28),
                 last_day=SPRING, grid=60, duration=60)
    assert local(found) == [f"{d}.03 {h:02d}:00" for d in (28, 29) for h in range(9, 17)]
    # The same 09:00 is an hour earlier in UTC once summer time has begun.
    assert found[0].starts_at == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert found[8].starts_at == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert all(t.ends_at - t.starts_at == timedelta(hours=1) for t in found)


def test_night_hours_skip_the_hour_that_does_not_exist_and_any_time_across_the_change():
    hours = {6: [(time(1), time(4))]}  # Sunday night
    found = find({1: Availability(hours=hours)}, first_day=SPRING, grid=30, duration=30)
    # 01:30 + 30 minutes is 03:00 summer time: it crosses the change, so it is not offered.
    assert local(found) == ["29.03 01:00", "29.03 03:00", "29.03 03:30"]


def test_the_hour_that_happens_twice_in_autumn_is_never_offered():
    hours = {6: [(time(1), time(4))]}
    found = find({1: Availability(hours=hours)}, first_day=AUTUMN, grid=30, duration=30)
    # 02:00–02:59 happens twice, so no time starts then; 01:30–02:00 ends at the first 02:00,
    # before the change, so it is offered.
    assert local(found) == ["25.10 01:00", "25.10 01:30", "25.10 03:00", "25.10 03:30"]


def test_interviews_busy_times_and_the_travel_buffer_are_kept_clear():
    day = date(2026, 3, 10)  # Tuesday
    def at(h, m=0):
        return datetime(2026, 3, 10, h, m, tzinfo=OSLO).astimezone(UTC)
    week = Availability(hours={1: [(time(9), time(13))]}, busy=[(at(11), at(11, 30))])
    in_person = Booked(at(9), at(10), True, frozenset({1}))
    # Video: only the in-person interview's own buffer counts, and busy time has none.
    assert local(find({1: week}, bookings=[in_person], first_day=day, duration=30)) == [
        "10.03 10:30", "10.03 11:30", "10.03 12:00", "10.03 12:30"]
    # In person: 30 minutes kept around the busy time too.
    assert local(find({1: week}, bookings=[in_person], first_day=day, duration=30,
                      in_person=True)) == ["10.03 12:00", "10.03 12:30"]


def test_informants_interviews_count_and_all_or_any_interviewer():
    day = date(2026, 3, 10)
    def at(h):
        return datetime(2026, 3, 10, h, tzinfo=OSLO).astimezone(UTC)
    first = Availability(hours={1: [(time(9), time(12))]})
    second = Availability(hours={1: [(time(10), time(13))]})
    informant_busy = Booked(at(11), at(12), False, frozenset({99}), frozenset({7}))
    both = find({1: first, 2: second}, bookings=[informant_busy], informants={7},
                first_day=day, grid=60)
    assert [(local([t])[0], t.interviewer_ids) for t in both] == [("10.03 10:00", (1, 2))]
    either = find({1: first, 2: second}, bookings=[informant_busy], informants={7},
                  first_day=day, grid=60, need_all=False)
    assert [(local([t])[0], t.interviewer_ids) for t in either] == [
        ("10.03 09:00", (1,)), ("10.03 10:00", (1, 2)), ("10.03 12:00", (2,))]


def test_dates_away_and_notice():
    hours = Availability(hours=WEEKDAYS_9_TO_5, away=[(date(2026, 3, 11), date(2026, 3, 12))])
    found = find({1: hours}, first_day=date(2026, 3, 10), last_day=date(2026, 3, 13), grid=60,
                 earliest=datetime(2026, 3, 10, 15, tzinfo=OSLO))
    assert local(found) == ["10.03 15:00", "10.03 16:00"] + [
        f"13.03 {h:02d}:00" for h in range(9, 17)]


def test_no_working_hours_no_times():
    assert find({1: Availability()}, first_day=date(2026, 3, 10)) == []


# ---------------------------------------------------------------------------------------------
# The property, on weeks Hypothesis makes up around both daylight-saving changes

QUARTERS = st.integers(0, 24 * 4 - 1)


@st.composite
def day_ranges(draw):
    points = sorted(set(draw(st.lists(QUARTERS, min_size=0, max_size=4))))
    if len(points) % 2:
        points = points[:-1]
    return [(time(a // 4, a % 4 * 15), time(b // 4, b % 4 * 15))
            for a, b in zip(points[::2], points[1::2])]


@st.composite
def periods(draw, first_day):
    """UTC periods within the days searched, at any minute."""
    start = datetime.combine(first_day, time(0), tzinfo=UTC) - timedelta(hours=6)
    found = []
    for _ in range(draw(st.integers(0, 6))):
        begins = start + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
        found.append((begins, begins + timedelta(minutes=draw(st.integers(1, 8 * 60)))))
    return found


@st.composite
def situations(draw):
    first_day = draw(st.sampled_from([SPRING, AUTUMN])) - timedelta(days=draw(st.integers(0, 2)))
    ids = list(range(1, draw(st.integers(1, 3)) + 1))
    interviewers = {}
    for user_id in ids:
        hours = {day: draw(day_ranges()) for day in range(7)}
        away = [(first_day + timedelta(days=1), first_day + timedelta(days=1))] \
            if draw(st.booleans()) else []
        interviewers[user_id] = Availability(hours=hours, away=away,
                                             busy=draw(periods(first_day)))
    bookings = [Booked(b, e, draw(st.booleans()), frozenset(draw(st.sets(st.sampled_from(ids)))),
                       frozenset(draw(st.sets(st.sampled_from([7, 8])))))
                for b, e in draw(periods(first_day))]
    return {"interviewers": interviewers, "bookings": bookings, "first_day": first_day,
            "last_day": first_day + timedelta(days=3), "informants": {7},
            "need_all": draw(st.booleans()), "in_person": draw(st.booleans()),
            "duration": draw(st.sampled_from([15, 30, 45, 60, 90])),
            "grid": draw(st.sampled_from([15, 20, 30, 60])),
            "earliest": datetime.combine(first_day, time(0), tzinfo=UTC)
            + timedelta(hours=draw(st.integers(0, 48)))}


def overlaps(starts_at, ends_at, begins, finishes, margin):
    return begins < ends_at + margin and finishes > starts_at - margin


@settings(max_examples=300, deadline=None)
@given(situations())
def test_no_free_time_breaks_a_rule(situation):
    found = find(**situation)
    interviewers, in_person = situation["interviewers"], situation["in_person"]
    for slot in found:
        s, e = slot.starts_at, slot.ends_at
        ls, le = s.astimezone(OSLO), e.astimezone(OSLO)
        assert e - s == timedelta(minutes=situation["duration"])
        assert s >= situation["earliest"]
        assert situation["first_day"] <= ls.date() <= situation["last_day"]
        assert (ls.hour * 60 + ls.minute) % situation["grid"] == 0 and ls.second == 0
        # Its wall-clock length is its real length: no clock change inside it.
        assert (le.replace(tzinfo=None) - ls.replace(tzinfo=None)) == e - s
        assert slot.interviewer_ids
        if situation["need_all"]:
            assert slot.interviewer_ids == tuple(sorted(interviewers))
        for booking in situation["bookings"]:
            margin = BUFFER if (in_person or booking.is_in_person) else timedelta(0)
            if booking.informant_ids & situation["informants"] or \
                    booking.interviewer_ids & set(slot.interviewer_ids):
                assert not overlaps(s, e, booking.starts_at, booking.ends_at, margin)
        for user_id in slot.interviewer_ids:
            week = interviewers[user_id]
            assert any(b <= ls.time() and le.time() <= f and ls.date() == le.date()
                       for b, f in week.hours[ls.weekday()])
            assert not any(first <= ls.date() <= last for first, last in week.away)
            for begins, finishes in week.busy:
                assert not overlaps(s, e, begins, finishes, BUFFER if in_person else timedelta(0))


# ---------------------------------------------------------------------------------------------
# From the database

def test_free_times_reads_hours_absences_busy_times_and_interviews(app, now):
    coordinator = factories.make_user(role="coordinator")
    researcher = factories.make_user(role="researcher")
    informant = factories.make_informant()
    day = date(2026, 3, 10)
    for user in (coordinator, researcher):
        db.session.add(WorkingHours(user_id=user.id, weekday=1, starts=time(9), ends=time(12)))
    db.session.add(BusyPeriod(user_id=researcher.id,
                              starts_at=datetime(2026, 3, 10, 9, tzinfo=OSLO),
                              ends_at=datetime(2026, 3, 10, 10, tzinfo=OSLO)))
    db.session.add(DateAway(user_id=coordinator.id, first_day=date(2026, 3, 17),
                            last_day=date(2026, 3, 17)))
    db.session.commit()
    factories.make_interview(informants=[informant], interviewers=[coordinator],
                             start=datetime(2026, 3, 10, 11, tzinfo=OSLO), by=coordinator,
                             now=now, send_invites=False)
    found = free_times(informant_ids=[informant.id],
                       interviewer_ids=[coordinator.id, researcher.id], need_all=True,
                       duration=timedelta(hours=1), mode=InterviewMode.VIDEO, first_day=day,
                       last_day=day + timedelta(days=7), grid_minutes=60,
                       min_notice=timedelta(hours=24), now=now)
    assert local(found) == ["10.03 10:00"]  # the 17th is the coordinator's day away
    assert found[0].interviewer_ids == (coordinator.id, researcher.id)


def test_an_interview_that_began_the_day_before_still_blocks_its_end(app, now):
    """The finder reads only interviews that began at most the longest duration before its
    window: one that runs overnight into the first day still keeps its hours and its travel
    buffer."""
    coordinator = factories.make_user(role="coordinator")
    factories.make_interview(interviewers=[coordinator], by=coordinator, now=now,
                             start=datetime(2026, 3, 9, 21, tzinfo=OSLO), duration=8 * 60,
                             mode="in-person", place="Tønsberg sykehus", send_invites=False)
    # Working hours set afterwards: the night interview needed none.
    db.session.add(WorkingHours(user_id=coordinator.id, weekday=1, starts=time(0),
                                ends=time(7)))
    db.session.commit()
    day = date(2026, 3, 10)
    found = free_times(informant_ids=[], interviewer_ids=[coordinator.id], need_all=True,
                       duration=timedelta(hours=1), mode=InterviewMode.VIDEO, first_day=day,
                       last_day=day, grid_minutes=30, min_notice=timedelta(hours=24), now=now)
    # Busy until 05:00 and its 30 minutes for travel; the working day ends at 07:00.
    assert local(found) == ["10.03 05:30", "10.03 06:00"]
