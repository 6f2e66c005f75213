"""Settings of the staff console, read from the environment only (docs/production.md).

Required: CONSOLE_SECRET_KEY (>= 32 characters). For the handoff actions: RASA_URL and
RASA_API_TOKEN (the token Rasa was started with, --auth-token). Everything else has a default
fit for one machine: SQLite files under var/, next to Rasa's own tracker store.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PROJECT = Path(__file__).resolve().parent.parent
VAR = PROJECT / "var"


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def _secret_key() -> str:
    key = os.environ.get("CONSOLE_SECRET_KEY", "")
    if len(key) < 32:
        raise ImproperlyConfigured("CONSOLE_SECRET_KEY must be set, at least 32 characters")
    return key


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = os.environ.get("CONSOLE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

# --- the two databases -------------------------------------------------------------------
# The console's own tables (accounts, claims, reviews, audit log, conversation index).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("CONSOLE_DATABASE_URL", f"sqlite:///{VAR / 'console.db'}"),
        conn_max_age=60,
    )
}
# Rasa's SQL tracker store, read (and, for retention and erasure, deleted from) with
# SQLAlchemy like Rasa itself: the same URL shape as Rasa's endpoints, e.g.
# postgresql://rasa@db/rasa in production.
TRACKER_DATABASE_URL = os.environ.get("TRACKER_DATABASE_URL", f"sqlite:///{VAR / 'tracker.db'}")

# Rasa's HTTP API, reached only from here (server side) to write into a conversation.
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
RASA_API_TOKEN = os.environ.get("RASA_API_TOKEN", "")

# Conversations whose last message is older than this are deleted by purge_conversations.
RETENTION_DAYS = int(os.environ.get("CONSOLE_RETENTION_DAYS", "90"))

# More unclaimed urgent requests than this from one source fold into one queue row (queue.py).
QUEUE_FLOOD_THRESHOLD = int(os.environ.get("CONSOLE_QUEUE_FLOOD_THRESHOLD", "3"))

# --- application -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "console",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]
ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "fr"
TIME_ZONE = os.environ.get("CONSOLE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# One stylesheet: WhiteNoise serves it from console/static, with no collectstatic step.
WHITENOISE_USE_FINDERS = True

# --- sign-in -----------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "queue"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out accounts
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out: 5 failed sign-ins for one account FROM ONE ADDRESS lock that account from that
# address for 15 minutes (an admin can unlock). Per account alone, anyone outside could lock
# any staff member out by typing their name; per address alone, one mistyping colleague
# behind the hospital's proxy would lock out the whole team.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And an address with this many failed sign-ins over any accounts within the same 15 minutes
# may not try again (signin.py): trying passwords across accounts stops there too.
ADDRESS_FAILURE_LIMIT = int(os.environ.get("CONSOLE_ADDRESS_FAILURE_LIMIT", "30"))
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Cookies: HTTPS only (CONSOLE_SECURE_COOKIES=false only for plain http on loopback), never
# readable by scripts, not sent from other sites, gone after a working day.
SECURE_COOKIES = _flag("CONSOLE_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = int(timedelta(hours=10).total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "console_session"
CSRF_COOKIE_NAME = "console_csrftoken"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CONSOLE_TRUSTED_ORIGINS", "").split(",") if o]
# Behind a TLS-terminating proxy (issue 6), it tells Django the request was HTTPS, and the
# client's address is the last of X-Forwarded-For (signin.py).
BEHIND_PROXY = _flag("CONSOLE_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "console.signin.client_address"

# --- headers -----------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No JavaScript at all: the console is server-rendered HTML and one stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "style-src": [SELF],
        "img-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Request lines carry sender ids (pseudonyms) only; bodies (messages) are never logged.
    "loggers": {"axes": {"level": "WARNING"}},
}
