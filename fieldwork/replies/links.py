"""Links the interview page offers after a decline."""

from flask import url_for


def offer_urls(answers):
    """{informant id: link to offer them other times (fieldwork.offers)} for informants who
    declined."""
    return {row.informant_id: url_for("offers.new", informant=row.informant_id)
            for row in answers if row.is_informant and row.status_value == "declined"}
