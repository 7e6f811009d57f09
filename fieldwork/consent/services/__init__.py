"""Consent: form versions, requests, consent given or declined, withdrawal, follow-ups.

One module per part, named after it; this package gathers their public functions, so callers
write `consent.services.request_consent(...)` without knowing the split.

Every public change commits once, with its history entry (ConsentEvent, append-only), its audit
event and the emails it causes (outbox rows, delivered after the commit by
fieldwork.outbox.delivery). `by` is a User, or `INFORMANT_LINK` when the informant acted through
their personal link.
"""

from ..tokens import Links, TokenProblem, find_token, informant_links
from .answers import answer_through_link, decline_consent, give_consent
from .links import LinkContext, open_link
from .overview import (OverviewFilter, consent_panel, evidence_file, overview_count,
                       overview_query, overview_rows)
from .records import INFORMANT_LINK, history_of, record_of
from .requests import (
                       re_consent_candidates,
                       request_consent,
                       request_re_consent_all,
                       send_consent_follow_ups,
)
from .versions import (
                       STANDARD_WORDING,
                       activate_form_version,
                       active_version,
                       create_form_version,
                       form_versions,
                       get_form_version,
                       retire_form_version,
                       update_form_version,
)
from .withdrawal import (
                       Withdrawal,
                       complete_data_task,
                       data_tasks_of,
                       future_open_interviews,
                       open_data_tasks,
                       withdraw_consent,
                       withdraw_through_link,
)

__all__ = [
    "INFORMANT_LINK", "STANDARD_WORDING", "LinkContext", "Links", "OverviewFilter", "TokenProblem",
    "Withdrawal", "activate_form_version", "active_version", "answer_through_link",
    "complete_data_task", "consent_panel", "create_form_version", "data_tasks_of",
    "decline_consent", "evidence_file", "find_token", "form_versions", "future_open_interviews",
    "get_form_version", "give_consent", "history_of", "informant_links", "open_data_tasks",
    "open_link", "overview_count", "overview_query", "overview_rows", "re_consent_candidates",
    "record_of",
    "request_consent", "request_re_consent_all", "retire_form_version", "send_consent_follow_ups",
    "update_form_version", "withdraw_consent", "withdraw_through_link",
]
