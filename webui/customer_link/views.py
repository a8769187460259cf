"""GET shows the page (mail scanners may fetch it harmlessly); only POST spends the link."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request

from engine.customer_links import (
    CustomerAnswer,
    LinkPage,
    LinkRefused,
    LinkSigner,
    link_key,
    link_page,
)
from engine.errors import Conflict, InvalidData
from engine.i18n import LANGUAGES

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


def _language(link_language: str) -> str:
    """The page's language: the customer's own choice on the page (`lang`), else the one the
    link was made in (the customer's, Chinese by default)."""
    chosen = request.values.get("lang", "")
    return chosen if chosen in LANGUAGES else link_language


def _company(lang: str) -> str:
    settings = app_settings()
    if lang == "en":
        return settings.company_name_en or settings.company_name
    return settings.company_name or settings.company_name_en


def _human_errors(err: InvalidData, page: LinkPage, lang: str) -> list[str]:
    """What the customer reads about a refused answer: sentences, never field names."""
    words = WORDS[lang]
    details = dict(err.details or {})
    messages = [words["not_offered"]] if "" in details else []
    fields = [key for key in details if key]
    if page.date_field in fields:
        messages.append(words["bad_date"])
    elif fields:
        messages.append(words["bad_data"])
    return messages or [words["bad_data"]]


def _refused(err: LinkRefused) -> Response:
    languages = [err.language] if err.language in WORDS else ["zh", "en"]
    html = render_template("customer_link/refused.html", reason=err.reason,
                           texts=[WORDS[lang] for lang in languages], lang=languages[0],
                           company=_company(languages[0]))
    return _private(make_response(html, STATUS.get(err.reason, 404)))


@bp.route("/c/<int:task_id>/<token>", methods=["GET", "POST"])
@csrf_exempt  # the unguessable, single-use token in the URL is what authorises the POST
def answer(task_id: int, token: str) -> Response:
    """Show the customer's task, or take their answer and complete it."""
    session = db()
    refused: InvalidData | None = None
    try:
        if request.method == "POST":
            answer = CustomerAnswer(request.form.get("action", ""),
                                    request.form.get("proposed_date") or None,
                                    request.form.get("comment") or None)
            try:
                link = workflow_engine().complete_via_link(session, signer(), task_id, token,
                                                           answer)
                session.commit()
                lang = _language(link.language)
                words = WORDS[lang]
                return _private(make_response(render_template(
                    "customer_link/done.html", w=words, lang=lang, company=_company(lang),
                    message=words.done(answer.action))))
            except InvalidData as err:
                session.rollback()
                refused = err
        page = link_page(session, workflow_engine(), signer(), task_id, token)
    except LinkRefused as err:
        session.rollback()
        return _refused(err)
    except Conflict:
        session.rollback()
        return _refused(LinkRefused("busy"))
    lang = _language(page.link.language)
    errors = _human_errors(refused, page, lang) if refused is not None else []
    html = render_template("customer_link/page.html", w=WORDS[lang], lang=lang, page=page,
                           errors=errors, company=_company(lang), languages=LANGUAGES,
                           values=request.form if refused is not None else {})
    return _private(make_response(html, 422 if errors else 200))
