"""GET shows the page (mail scanners may fetch it harmlessly); only POST spends the link."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request

from engine.customer_links import CustomerAnswer, LinkRefused, LinkSigner, link_key, link_page
from engine.errors import Conflict, InvalidData

from ..auth import csrf_exempt
from ..config import app_settings
from ..context import db, workflow_engine
from . import bp
from .words import STATUS, WORDS


def signer() -> LinkSigner:
    """The signer the workers use too: same KEYFLOW_SECRET_KEY, or the same var/ secret."""
    key = current_app.config.get("CUSTOMER_LINK_KEY") or link_key(app_settings())
    return LinkSigner(key if isinstance(key, bytes) else str(key).encode())


def _private(response: Response) -> Response:
    """The token is in the URL: never cache the page, index it, or send it as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(err: LinkRefused) -> Response:
    languages = [err.language] if err.language in WORDS else ["zh", "en"]
    html = render_template("customer_link/refused.html", reason=err.reason,
                           texts=[WORDS[lang] for lang in languages], lang=languages[0])
    return _private(make_response(html, STATUS.get(err.reason, 404)))


@bp.route("/c/<int:task_id>/<token>", methods=["GET", "POST"])
@csrf_exempt  # the unguessable, single-use token in the URL is what authorises the POST
def answer(task_id: int, token: str) -> Response:
    """Show the customer's task, or take their answer and complete it."""
    session = db()
    errors: dict[str, str] = {}
    try:
        if request.method == "POST":
            answer = CustomerAnswer(request.form.get("action", ""),
                                    request.form.get("proposed_date") or None,
                                    request.form.get("comment") or None)
            try:
                link = workflow_engine().complete_via_link(session, signer(), task_id, token,
                                                           answer)
                session.commit()
                words = WORDS[link.language]
                done = words[f"done_{answer.action}"]
                return _private(make_response(render_template(
                    "customer_link/done.html", w=words, lang=link.language, message=done)))
            except InvalidData as err:
                session.rollback()
                errors = dict(err.details or {}) or {"": err.message}
        page = link_page(session, workflow_engine(), signer(), task_id, token)
    except LinkRefused as err:
        session.rollback()
        return _refused(err)
    except Conflict:
        session.rollback()
        return _refused(LinkRefused("busy"))
    lang = page.link.language
    html = render_template("customer_link/page.html", w=WORDS[lang], lang=lang, page=page,
                           errors=errors)
    return _private(make_response(html, 422 if errors else 200))
