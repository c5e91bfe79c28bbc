"""Interface language and time zone: zh_CN by default, en available; a user's own setting wins
over the browser's Accept-Language. Formatting (dates, numbers, yuan) through Babel at the edge."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
)
from flask_login import current_user

from flowmember.core.money import from_fen
from flowmember.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        return wanted
    user = g.get("actor")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    if user is not None and getattr(user, "locale", None) in languages:
        return user.locale
    if session.get("lang") in languages:
        return session["lang"]
    best = request.accept_languages.best_match(list(languages) + ["zh", "zh-CN", "en-US", "en-GB"])
    if best is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return "en" if best.startswith("en") else "zh_CN"


def yuan(fen: int | None) -> str:
    """Integer fen -> localised currency text (¥12.50)."""
    if fen is None:
        return ""
    return format_currency(from_fen(fen), "CNY")


def number(value: int | Decimal) -> str:
    return format_decimal(value)


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path) + "/translations",
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters.update(
        yuan=yuan, number=number, date=format_date, datetime=format_datetime
    )
