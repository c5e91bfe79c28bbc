"""Pages shared by everyone: login, logout, language, the staff home and the org tree."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from flowmember.accounts import services as accounts
from flowmember.accounts.services import end_page_sessions
from flowmember.core.errors import AuthenticationError
from flowmember.core.transaction import keep_changes
from flowmember.extensions import limiter
from flowmember.orgs import services as orgs
from flowmember.stats.services import overview
from flowmember.web import pages

bp = pages.blueprint("web", __name__)


def home_for(user) -> str:
    return url_for("web.me_home") if user.role == "member" else url_for("web.dashboard")


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("web.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method == "POST":
        login_name = request.form.get("login", "")
        try:
            user = accounts.authenticate(login_name, request.form.get("password", ""))
        except AuthenticationError:
            keep_changes()  # the audit entry of the failed attempt stays
            flash(_("Wrong login or password."), "error")
            return render_template("web/login.html", login=login_name), 401
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        login_user(user)
        return redirect(pages.safe_next(request.args.get("next"), home_for(user)))
    return render_template("web/login.html", login="")


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # The user's sessions end everywhere, not only in this browser (a copied cookie too).
        end_page_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("web.login"))


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the interface language; a logged-in user keeps it as their setting."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    return redirect(pages.safe_next(request.args.get("next"), url_for("web.index")))


@bp.route("/dashboard")
@pages.staff_required
def dashboard():
    root = current_user.org
    tree = orgs.build_tree(orgs.subtree(root))
    return render_template("web/dashboard.html", tree=tree, stats=overview(current_user))


@bp.route("/m")
def me_home():
    """The member's phone home page (filled by the member pages)."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login", next="/m"))
    return render_template("web/me_home.html")
