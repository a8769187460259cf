"""Chinese and English: chosen from the browser, switchable, complete.

Completeness is Babel's own: the messages `pybabel extract` finds (same mapping, babel.cfg,
same folders as `make messages`) against the Chinese catalog.
"""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from engine.i18n import catalog_path
from webui.display import action_name, due_text, instance_status, role_name, task_state

ROOT = Path(__file__).parents[2]
SOURCES = ("engine", "webui", "workers")  # the input folders of `make messages`
# Translation calls by name, with the argument that holds the message id (and the context's).
CALLS = {"_": (0, None), "N_": (0, None), "ngettext": (0, None), "pgettext": (1, 0)}


def test_accept_language_picks_the_language(client_for):
    client = client_for("clerk")
    assert "我的任务" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert "My tasks" in english and 'lang="en"' in english
    assert "我的任务" in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_switch_is_remembered_in_a_cookie_and_on_the_user(client_for, env):
    client = client_for("clerk")
    response = client.post("/lang", {"lang": "en", "next": "/?scope=role"},
                           headers={"Accept-Language": "zh"})
    assert response.status_code == 302 and response.headers["Location"] == "/?scope=role"
    page = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "My tasks" in page and 'lang="zh-CN">中文</button>' in page
    from sqlalchemy import select

    from engine.models import User

    with env.session() as s:
        assert s.scalars(select(User.language).where(User.username == "clerk")).one() == "en"
    client.post("/lang", {"lang": "zh", "next": "https://evil.example/"})
    page = client.get("/").get_data(as_text=True)
    assert "我的任务" in page and 'lang="en">English</button>' in page


def test_role_process_and_task_names_in_both_languages(client_for, env):
    env.start()
    client = client_for("senior_manager")
    zh = client.get("/").get_data(as_text=True)
    en = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登记大客户开发申请" in zh and "高级业务经理" in zh and "大客户开发审批" in zh
    assert "Register the development application" in en and "Senior Business Manager" in en
    assert "Key account approval" in en


@pytest.mark.parametrize("delta,zh,en", [
    (timedelta(days=2, hours=3), "2天后到期", "due in 2 days"),
    (timedelta(days=1), "1天后到期", "due in 1 day"),
    (timedelta(hours=5), "5小时后到期", "due in 5 hours"),
    (timedelta(hours=21), "21小时后到期", "due in 21 hours"),
    (timedelta(minutes=20), "20分钟后到期", "due in 20 minutes"),
    (timedelta(hours=-3), "已逾期3小时", "3 hours overdue"),
    (timedelta(days=-4), "已逾期4天", "4 days overdue"),
    (timedelta(seconds=-10), "已逾期1分钟", "1 minute overdue"),
])
def test_relative_due_times(app, delta, zh, en):
    now = datetime(2026, 3, 2, tzinfo=UTC)
    for lang, expected in (("zh", zh), ("en", en)):
        with app.test_request_context(headers={"Accept-Language": lang}):
            assert due_text(now + delta, now) == expected


def test_audit_actions_states_and_roles_have_both_languages(app):
    shown = {}
    for lang in ("zh", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            shown[lang] = [action_name("task_completed"), task_state("ready"),
                           instance_status("error"), role_name("dept_head")]
    assert shown["zh"] == ["完成任务", "待领取", "出错", "大客户服务部部长"]
    assert shown["en"] == ["Task completed", "waiting to be claimed", "failed",
                           "Key Account Department Head"]
    with app.test_request_context():
        assert action_name("something_new") == "something_new"  # unknown codes as they are


def _extracted() -> dict[tuple[str | None, str], tuple[str | tuple[str, ...], set[str]]]:
    """(context, msgid) -> (message as written, where), as `pybabel extract` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[tuple[str | None, str], tuple[str | tuple[str, ...], set[str]]] = {}
    for folder in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
                ROOT / folder, method_map, options_map):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault((context, msgid), (message, set()))[1].add(
                f"{folder}/{filename}:{lineno}")
    return found


def _literal_calls() -> dict[str, tuple[str | None, str]]:
    """Where the code calls a translation function with a literal message, and that message,
    seen by Python's own parser (which also looks inside f-strings, as the extractor cannot)."""
    found = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in CALLS:
                    continue
                at, context_at = CALLS[name]
                args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                if len(args) > at and isinstance(args[at], str):
                    context = args[context_at] if context_at is not None else None
                    found[f"{path.relative_to(ROOT)}:{node.lineno}"] = (context, args[at])
    return found


def _catalog() -> Catalog:
    with catalog_path("zh_CN").open("rb") as po:
        return read_po(po, locale="zh_CN", abort_invalid=True)


def _key(message: Message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _problem(message: Message, written: str | tuple[str, ...], num_plurals: int) -> str | None:
    """Why the Chinese of `message` cannot be shown, or None."""
    if message.fuzzy:
        return "fuzzy: a translator has to confirm it"
    if isinstance(written, tuple) != isinstance(message.id, tuple):
        return "singular in one place, plural in the other: run `make messages`"
    if isinstance(written, tuple) and tuple(message.id) != written:
        return "its plural changed: run `make messages`"
    strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
    if isinstance(message.id, tuple) and len(strings) != num_plurals:
        return f"{len(strings)} plural forms, zh_CN has {num_plurals}"
    if not all(strings):
        return "no Chinese yet"
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    wanted = set().union(*map(_fields, ids))
    for text in strings:
        if _fields(text) != wanted:
            return f"placeholders {sorted(_fields(text))}, the message has {sorted(wanted)}"
    return None


def test_every_message_in_code_and_templates_has_chinese():
    extracted = _extracted()
    catalog = _catalog()
    assert catalog.num_plurals == 1 and catalog.plural_expr == "0"
    assert len(extracted) > 300, "the extraction found too little: is babel.cfg right?"
    problems = {}
    for key, (written, where) in sorted(extracted.items(), key=lambda kv: str(kv[0])):
        message = catalog.get(key[1], context=key[0])
        why = ("not in the catalog: run `make messages`" if message is None
               else _problem(message, written, catalog.num_plurals))
        if why:
            problems[key] = f"{why} ({', '.join(sorted(where))})"
    assert problems == {}


def test_the_extraction_misses_no_translation_call():
    extracted = _extracted()
    missed = {where: key for where, key in _literal_calls().items() if key not in extracted}
    assert missed == {}, "a call the extractor cannot see (inside an f-string?)"


def test_the_catalog_holds_no_message_the_code_lost():
    extracted = _extracted()
    catalog = _catalog()
    kept = {_key(m) for m in catalog if m.id}
    assert sorted(kept - set(extracted), key=str) == [], "run `make messages`"
    assert list(catalog.obsolete) == [], "obsolete (#~) entries: run `make messages`"


def test_the_check_sees_a_missing_fuzzy_or_short_translation():
    catalog = Catalog(locale="zh_CN")
    catalog.add("Hello {name}", "你好 {name}", flags=["fuzzy"])
    catalog.add(("{n} file", "{n} files"), ("",))
    catalog.add("Bye {name}", "再见")
    assert _problem(catalog["Hello {name}"], "Hello {name}", 1).startswith("fuzzy")
    assert _problem(catalog["{n} file"], ("{n} file", "{n} files"), 1) == "no Chinese yet"
    assert _problem(catalog["{n} file"], "{n} file", 1).startswith("singular in one place")
    assert _problem(catalog["Bye {name}"], "Bye {name}", 1).startswith("placeholders")
