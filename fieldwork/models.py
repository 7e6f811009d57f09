"""Every model, imported in one place for Alembic and for relationships by name."""

from .audit.models import AuditEvent  # noqa: F401
from .auth.models import LoginThrottle, User, UserSession  # noqa: F401
from .guides.models import Guide, GuideVersion, guide_target_role  # noqa: F401
from .informants.models import Informant, InformantImport, PseudonymCounter  # noqa: F401
from .organisations.models import Organisation, Role  # noqa: F401
from .interviews.models import CalendarFeed, Interview, TranscriptStatusChange  # noqa: F401
from .outbox.models import OutboxMessage  # noqa: F401
from .documents.models import Document, Theme  # noqa: F401
from .dashboard.models import SamplingTarget  # noqa: F401
from .consent.models import (ConsentEvent, ConsentEvidence, ConsentFormVersion,  # noqa: F401
                             ConsentItem, ConsentRecord, ConsentRecordItem, ConsentToken, DataTask)
from .jobs.models import JobRun, SchedulerLock  # noqa: F401
from .reminders.models import InterviewReminder  # noqa: F401
from .digest.models import StaffNotice  # noqa: F401
from .retention.models import AuditRedaction  # noqa: F401
from .aggregates.models import StudyVersion  # noqa: F401
from .coverage.models import QuestionCoverage  # noqa: F401
from .availability.models import BusyCalendar, BusyPeriod, DateAway, WorkingHours  # noqa: F401
from .replies.models import (AttendeeAnswer, CounterProposal, MailboxMessage)  # noqa: F401
from .offers.models import Offer, OfferLink, OfferSlot, offer_interviewer  # noqa: F401
from .memberchecks.models import MemberCheckLink, MemberCheckRequest, Quote  # noqa: F401
