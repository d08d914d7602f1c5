"""Flask extensions shared by the core and plugins (init_app style, no app at import time)."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same way
    on SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SepCSRFProtect(CSRFProtect):
    """CSRF on every cookie-authenticated write; a call authenticated with an API token
    (``sep_core.tokens``) carries no ambient credential a forged cross-site request could use,
    so it needs none."""

    def protect(self, apply_exemptions=False):
        from flask import g

        if g.get("sep_api_token") is not None:
            return None
        return super().protect(apply_exemptions=apply_exemptions)


db = SQLAlchemy(model_class=Base)
csrf = SepCSRFProtect()
login_manager = LoginManager()
babel = Babel()
