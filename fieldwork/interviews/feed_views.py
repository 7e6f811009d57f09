"""The private calendar feed: answered to its secret token, not a login, since calendar
programs cannot log in; a poll with the ETag it was given gets 304 while nothing changed."""

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.http import is_resource_modified

from ..access import public
from . import feeds

feed_blueprint = Blueprint("calendar_feed", __name__)


@feed_blueprint.get("/calendar/<token>.ics")
@public
def feed(token):
    name = f"{current_app.config['STUDY_NAME']}: interviews"
    base_url = current_app.config["BASE_URL"]
    opened = feeds.open_feed(token, salt=f"{name}\x1f{base_url}") or abort(404)
    # Weak: the file says the same while its DTSTAMP (the time it was written) moves on.
    response = Response(mimetype="text/calendar", headers={
        "Content-Disposition": "inline; filename=interviews.ics",
        "Referrer-Policy": "no-referrer", "Cache-Control": "private, no-cache"})
    response.set_etag(opened.version, weak=True)
    response.last_modified = opened.changed_at
    if not is_resource_modified(request.environ, etag=opened.version,
                                last_modified=opened.changed_at):
        response.status_code = 304
        return response
    response.set_data(feeds.feed_file(opened.user_id, name=name, base_url=base_url))
    return response
