"""The service's pages: plain server-rendered HTML, no JavaScript, readable at 390 px.

Every sentence comes from messages.py through `t()`, in the language of the request at hand
(web.py chooses it), and every page starts with the language switch. Small on purpose (a slow
connection): one inline style sheet, no images, no fonts, no scripts.
"""
from __future__ import annotations

from urllib.parse import urlencode

from tornado.escape import xhtml_escape as esc

from .. import language
from ..messages import languages, t
from .languages import name as language_name

STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:0 auto;padding:1em;color:#111}"
         "h1{font-size:1.4em}label{display:block;margin:.8em 0 .2em;font-weight:600}"
         "select,input,button{font:inherit;max-width:100%}button{padding:.5em 1.2em;margin-top:1em}"
         ".msg{padding:.6em .8em;border-left:4px solid #1a7f37;background:#eef8f0}"
         ".err{border-color:#b3261e;background:#fdeceb}table{border-collapse:collapse;width:100%}"
         "td,th{text-align:left;padding:.3em .4em;border-bottom:1px solid #ccc;vertical-align:top}"
         "a{color:#0b57d0}:focus{outline:3px solid #f4b400;outline-offset:2px}"
         ".lang{text-align:right;margin:-.5em 0 0}.lang a,.lang strong{display:inline-block;padding:.5em .3em}")


def page(title: str, body: str, *, refresh: int = 0, switch: str = "") -> str:
    """A whole page, its <html lang> the language its sentences are written in."""
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return (f'<!doctype html><html lang="{esc(language.current())}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">{meta}'
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>{switch}<main>{body}</main></body></html>")


def language_switch(base: str, here: str, current: str) -> str:
    """English · Svenska · Українська: plain links (no script), each language named in itself and
    marked as written in it; the one the page is in is not a link. A link goes to
    BASE/language?lang=..&next=HERE, which sets the choice and comes back to `here`."""
    items = []
    for code in languages():
        label = esc(language_name(code))
        if code == current:
            items.append(f'<strong aria-current="true" lang="{code}">{label}</strong>')
        else:
            href = esc(f"{base}language?{urlencode({'lang': code, 'next': here})}")
            items.append(f'<a href="{href}" lang="{code}" hreflang="{code}">{label}</a>')
    return f'<nav class=lang aria-label="{esc(t("service.language"))}">{"<span aria-hidden=true> · </span>".join(items)}</nav>'


def message(text: str, error: bool = False) -> str:
    return f'<p class="msg{" err" if error else ""}" role="{"alert" if error else "status"}">{esc(text)}</p>'


def signin(action: str, xsrf: str, error: str = "") -> str:
    return (f"<h1>{esc(t('service.signin.title'))}</h1>{message(error, True) if error else ''}"
            f"<p>{esc(t('service.signin.intro'))}</p><form method=post action=\"{esc(action)}\">{xsrf}"
            f'<label for=token>{esc(t("service.signin.label"))}</label>'
            f'<input id=token name=token type=password autocomplete=current-password required size=30 autofocus>'
            f"<br><button>{esc(t('service.signin.button'))}</button></form>")


def when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def status_text(sub) -> str:
    if sub.status == "graded":
        return t("service.status.graded", score=sub.score or 0, max_score=sub.max_score or 0)
    return t(f"service.status.{sub.status}")


def home(user, base: str, xsrf: str, assignments: list[str], submissions: list, limit_mb: float,
         notice: str = "", error: str = "", *, switch: str = "") -> str:
    parts = [f"<h1>{esc(t('service.title'))}</h1>",
             f"<p>{esc(t('service.signed_in_as', user=user.name))} "
             f'<form method=post action="{esc(base)}logout" style="display:inline">{xsrf}'
             f"<button style=\"margin:0\">{esc(t('service.signout'))}</button></form></p>"]
    if notice:
        parts.append(message(notice))
    if error:
        parts.append(f"<h2>{esc(t('service.refused.title'))}</h2>" + message(error, True))
    if assignments:
        options = "".join(f"<option>{esc(a)}</option>" for a in assignments)
        parts.append(f"<p>{esc(t('service.upload.intro'))}</p>"
                     f'<form method=post action="{esc(base)}upload" enctype="multipart/form-data">{xsrf}'
                     f'<label for=assignment>{esc(t("service.upload.assignment"))}</label>'
                     f"<select id=assignment name=assignment required>{options}</select>"
                     f'<label for=notebook>{esc(t("service.upload.file", limit=limit_mb))}</label>'
                     f'<input id=notebook name=notebook type=file accept=".ipynb" required>'
                     f"<br><button>{esc(t('service.upload.button'))}</button></form>")
    else:
        parts.append(message(t("service.upload.none")))
    parts.append(f"<h2>{esc(t('service.list.all' if user.instructor else 'service.list.title'))}</h2>")
    parts.append(table(submissions, base, user.instructor) if submissions else f"<p>{esc(t('service.list.empty'))}</p>")
    return page(t("service.title"), "".join(parts), switch=switch)


def table(submissions: list, base: str, with_learner: bool) -> str:
    head = (f"<th>{esc(t('service.list.learner'))}</th>" if with_learner else "") + \
        f"<th>{esc(t('service.upload.assignment'))}</th><th>{esc(t('service.list.when'))}</th><th>{esc(t('service.list.status'))}</th>"
    rows = []
    for sub in reversed(submissions):
        learner = f"<td>{esc(sub.student)}</td>" if with_learner else ""
        rows.append(f'<tr>{learner}<td><a href="{esc(base)}submissions/{sub.id}">{esc(sub.assignment)}</a></td>'
                    f"<td>{when(sub.received_at)}</td><td>{esc(status_text(sub))}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def late_text(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    if hours:
        return t("service.late.hours", hours=hours, minutes=rest // 60)
    return t("service.late.minutes", minutes=max(1, rest // 60))


# Sentences of ours that the grading queue stores with a submission, in the language spoken
# where it was written: shown again in the reader's own.
STORED = ("service.status.not_graded", "service.status.too_slow")


def stored_message(text: str, grading_timeout: float | None = None) -> str:
    """`text` (a submission's stored message) in the reader's language, if it is one of STORED
    in any language; else as it is."""
    values = {"seconds": grading_timeout} if grading_timeout is not None else {}
    for key in STORED:
        for lang in languages():
            with language.speaking(lang):
                try:
                    stored = t(key, **values)
                except (KeyError, IndexError, ValueError):
                    break
            if stored == text:
                return t(key, **values)
    return text


def submission(sub, base: str, feedback: list[str], refresh: int, notice: str = "", *, switch: str = "",
               grading_timeout: float | None = None) -> str:
    pending = sub.status in ("queued", "grading")
    parts = [f"<h1>{esc(sub.assignment)}</h1>"]
    if notice and pending:
        parts.append(message(notice))
    parts.append(f"<p>{esc(sub.student)} · {when(sub.received_at)}</p>")
    parts.append(message(status_text(sub), error=sub.status == "failed"))
    if sub.message:
        parts.append(f"<p>{esc(stored_message(sub.message, grading_timeout))}</p>")
    if sub.late_seconds:
        parts.append(f"<p>{esc(t('service.status.late', late=late_text(sub.late_seconds)))}</p>")
    if pending:
        parts.append(f"<p>{esc(t('service.status.refresh', seconds=refresh))}</p>")
    for name in feedback:
        parts.append(f'<p><a href="{esc(base)}submissions/{sub.id}/feedback/{esc(name)}">'
                     f"{esc(t('service.feedback.link', notebook=name))}</a></p>")
    parts.append(f'<p><a href="{esc(base)}">{esc(t("service.back"))}</a></p>')
    return page(sub.assignment, "".join(parts), refresh=refresh if pending else 0, switch=switch)
