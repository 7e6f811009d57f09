"""Links the interview page offers after a decline."""

from flask import current_app, url_for
from werkzeug.routing import BuildError

# Self-booking (offers of other times) is a separate capability; the link shows only where it
# is installed.
OFFER_ENDPOINT = "offers.new"


def offer_urls(answers):
    """{informant id: link to offer them other times} for informants who declined, if the
    self-booking capability is installed; {} otherwise."""
    if OFFER_ENDPOINT not in current_app.view_functions:
        return {}
    urls = {}
    for row in answers:
        if row.is_informant and row.status_value == "declined":
            try:
                urls[row.informant_id] = url_for(OFFER_ENDPOINT, informant=row.informant_id)
            except BuildError:
                return {}
    return urls
