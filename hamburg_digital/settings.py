"""Settings for Digitale Räume Hamburg, read from the environment.

Every variable is listed with a safe development default in `.env.example`. Production differs
only by what the environment says (DEBUG off, a real SECRET_KEY, DATABASE_URL, REDIS_URL, ...).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hamburg_digital.layers import APPS
from hamburg_digital.redis_settings import redis_choice

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    # An empty variable counts as unset, so `.env` files can list every name.
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def oidc_origin(issuer: str) -> str:
    """The scheme, host and port of the identity provider's address (its sign-in pages)."""
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example); "
            "only a DEBUG=true development setup may run without one."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

# Secrets stored in the database (the TOTP secrets and recovery-code seeds of the second factor)
# are encrypted with these Fernet keys (core.crypto): the first key encrypts, all of them decrypt,
# so a key is rotated by putting a new one first and running `manage.py rotate_encryption_keys`.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Set it in the environment (see .env.example); "
            "only a DEBUG=true development setup may run without one."
        )
    # Development only: a key derived from the development SECRET_KEY, stable across restarts.
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"field-encryption:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]

# Personal API tokens are stored only as a keyed hash (HMAC-SHA256) with these peppers (tokens
# app): the first hashes new tokens, all of them recognise existing ones, so a pepper is rotated
# by putting a new one first; tokens made under a dropped pepper stop working.
API_TOKEN_PEPPERS = env_list("API_TOKEN_PEPPERS")
if not API_TOKEN_PEPPERS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "API_TOKEN_PEPPERS is not set. Set it in the environment (see .env.example); "
            "only a DEBUG=true development setup may run without one."
        )
    API_TOKEN_PEPPERS = [hashlib.sha256(f"api-token-pepper:{SECRET_KEY}".encode()).hexdigest()]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The portal's own apps, lowest layer first: the one list (hamburg_digital/layers.py).
    *APPS,
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.GermanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Sessions signed in through Django's or allauth's backend move to the portal's own.
    "portal.middleware.SessionBackendMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # What this person has just deleted answers 410 with a link onwards (Back after a delete).
    "core.gone.GoneMiddleware",
    # Security audit: NUL bytes, control characters, invalid UTF-8 -> 400; limits -> 429.
    "core.middleware.RequestSanityMiddleware",
    "core.limits.LimitExceededMiddleware",
    # An account whose access (from invitations) ended is signed out.
    "access.middleware.AccessEndedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "access.middleware.SessionTimeoutMiddleware",
    "access.middleware.MFARequiredMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

# `make bench` only: each response names the number of queries it made (X-Query-Count).
if env_bool("BENCH_QUERY_COUNT", False):
    MIDDLEWARE.insert(0, "core.middleware.QueryCountMiddleware")

# Django's form renderer, with select fields written in Python (core.renderers: the same HTML).
FORM_RENDERER = "core.renderers.FormRenderer"

ROOT_URLCONF = "hamburg_digital.urls"
WSGI_APPLICATION = "hamburg_digital.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.navigation",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# Database: PostgreSQL in every real deployment and in the tests; a SQLite file is only the
# embedded default of `make run`, so a newcomer needs nothing but Python.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` has three processes on the one file (web, worker, beat): write-ahead logging
    # lets them read while one writes, a transaction takes the write lock when it begins (so two
    # never wait on each other's upgrade), and a writer waits up to 20 s instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Behind PgBouncer in transaction mode (pool_mode = transaction) a client's statements outside
# one transaction may each run on another server connection. `.iterator()` on PostgreSQL reads
# through a named cursor declared WITH HOLD in one statement and fetched in the next ones: the
# fetch can land where the cursor does not exist. Set true there: Django then reads with a
# client-side cursor (the rows of a chunk at a time still, but the whole result is sent at once).
# DATABASE_CONN_MAX_AGE then keeps the connection to PgBouncer, not a server connection.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL (one server) or REDIS_SENTINELS (a master and its
# replicas behind Redis Sentinel, hamburg_digital/redis_settings.py) is set; otherwise a
# local-memory cache and tasks that run in-process (CELERY_TASK_ALWAYS_EAGER). The cache holds
# nothing that cannot be computed again: while Redis cannot be reached, core.cache answers like
# an empty cache (pages and the sign-in from the database, only /healthz says 503), and the
# timeouts keep an unreachable host from holding a request for long.
REDIS_URL = env_str("REDIS_URL")
REDIS_SETUP = redis_choice(os.environ)
if REDIS_SETUP:
    CACHES = {"default": {**REDIS_SETUP.cache, "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hd")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The layout's fixed parts ({% cache %} in base.html: the navigation, the footer's links, the
# style sheets), rendered once per process for each language and set of navigation entries.
# They depend on nothing in the database, only on the code and the translations, which change
# only with a new release, i.e. new processes: memory of the process, no server, no time-out.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# `make run` sets CELERY_BROKER_URL=filesystem://: kombu's file-system transport, no server, one
# file per message in CELERY_FILESYSTEM_DIR (the real worker and beat of `make run`).
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL", REDIS_SETUP.broker_url if REDIS_SETUP else "") or "memory://"
)
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_URL = "filesystem://localhost/"  # kombu warns of a URL without a host name
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (env_str("CELERY_BROKER_URL") or REDIS_SETUP)
CELERY_FILESYSTEM_DIR = Path(env_str("CELERY_FILESYSTEM_DIR", str(BASE_DIR / "var" / "celery")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/Berlin"
# A task is acknowledged when it has run, and handed back to the queue if its worker dies, so
# a killed worker loses nothing; the tasks check state under a row lock, so one that runs twice
# does its work once (notifications.services.deliver).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: a long report does not hold back mails queued behind
# it in the same process, and a killed process takes at most one unacknowledged task with it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Limits: a mail takes seconds; a report of the whole programme a few minutes.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 10 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 12 * 60)
# With Redis as broker an unacknowledged task is redelivered after the visibility timeout. It
# must be longer than the longest task plus the longest retry countdown (1 hour), or a task
# would run a second time while the first still runs.
#
# `max_retries: 0`: handing a task to a broker that is down fails at once instead of after
# seconds of reconnecting. The web request does not wait (the notice is in the outbox; the
# requeue job hands it out when the broker is back); the worker reconnects on its own terms
# (broker_connection_max_retries).
#
# With Sentinel the transport also needs the master's name (and the Sentinels' password).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
    "max_retries": 0,
    **(REDIS_SETUP.broker_options if REDIS_SETUP else {}),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Producers and consumers share one folder of messages (a message is taken, not leased:
    # this transport has no visibility timeout, so late acknowledgement protects nothing here;
    # the outbox's and the reports' requeue jobs still hand out what a killed worker held).
    # The folders are made here: every process that reads the settings can publish at once.
    _messages, _control = CELERY_FILESYSTEM_DIR / "messages", CELERY_FILESYSTEM_DIR / "control"
    _messages.mkdir(parents=True, exist_ok=True)
    _control.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_messages),
            "data_folder_out": str(_messages),
            "control_folder": str(_control),
        }
    )
# Several portals (or a test run) can share one Redis with queues of their own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Beat's schedule lives in the database (django-celery-beat): a restart keeps it, and ITD can
# change the times in the admin. The entries below are written there when beat starts.
#
# Any number of beats may run: core.beat's scheduler sends only while it holds the lease row
# (core.models.BeatLease, renewed every few seconds); the others stand by and take over when
# the lease runs out (BEAT_LEASE_SECONDS after the holder's last renewal). The schedule's state
# (last run, one-off done) is written after every job sent, so the next holder goes on from it.
CELERY_BEAT_SCHEDULER = "core.beat:LeasedDatabaseScheduler"
CELERY_BEAT_SYNC_EVERY = 1
BEAT_LEASE_SECONDS = env_int("BEAT_LEASE_SECONDS", 30)
DJANGO_CELERY_BEAT_TZ_AWARE = True


def _at(value: str, default: str) -> tuple[str, str]:
    """ "07:00" -> ("7", "0") for crontab(hour, minute)."""
    text = value or default
    try:
        hour, minute = text.split(":")
        return str(int(hour)), str(int(minute))
    except ValueError as exc:
        raise ImproperlyConfigured(f"expected HH:MM, not {text!r}") from exc


NOTIFICATION_DAILY_DIGEST_AT = _at(env_str("NOTIFICATION_DAILY_DIGEST_AT"), "07:00")
NOTIFICATION_WEEKLY_DIGEST_AT = _at(env_str("NOTIFICATION_WEEKLY_DIGEST_AT"), "07:00")
NOTIFICATION_WEEKLY_DIGEST_DAY = env_str("NOTIFICATION_WEEKLY_DIGEST_DAY", "monday")
# Meetings (meetings app): the reminder of tomorrow's meetings goes out at this time.
MEETING_REMINDER_AT = _at(env_str("MEETING_REMINDER_AT"), "08:00")
# Strategy (strategy app): the reminder of reports due in three days and today.
STRATEGY_REMINDER_AT = _at(env_str("STRATEGY_REMINDER_AT"), "08:30")
# A notice still pending this many seconds after it was handed to a worker goes out again.
NOTIFICATION_REQUEUE_AFTER = env_int("NOTIFICATION_REQUEUE_AFTER", 5 * 60)
# SMTP failures: this many retries, 30 s, 1, 2, 4 ... minutes apart, then "failed" for ITD.
NOTIFICATION_MAX_RETRIES = env_int("NOTIFICATION_MAX_RETRIES", 8)
NOTIFICATION_RETRY_BASE = env_int("NOTIFICATION_RETRY_BASE", 30)

CELERY_BEAT_SCHEDULE = {
    # Memberships and project invitations past their end are closed; whoever's access depended
    # on them is signed out everywhere.
    "end-expired-access": {
        "task": "access.tasks.end_expired_access",
        "schedule": crontab(hour="0", minute="15"),
    },
    "anonymise-guests-after-retention": {
        "task": "access.tasks.anonymise_guests_after_retention",
        "schedule": crontab(hour="2", minute="30"),
    },
    "purge-security-log": {
        "task": "core.tasks.purge_security_log",
        "schedule": crontab(hour="3", minute="0"),
    },
    # The outbox: lost publishes and killed workers delay a mail by minutes, never drop it.
    "notifications-requeue-pending": {
        "task": "notifications.tasks.requeue_pending",
        "schedule": crontab(minute="*"),
    },
    "notifications-due-and-ending": {
        "task": "notifications.tasks.notify_due_and_ending",
        "schedule": crontab(hour="6", minute="30"),
    },
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(
            hour=NOTIFICATION_DAILY_DIGEST_AT[0], minute=NOTIFICATION_DAILY_DIGEST_AT[1]
        ),
    },
    # Reports: handed out again when lost, removed after retention, written when scheduled.
    "reports-requeue-stale": {
        "task": "reports.tasks.requeue_stale_reports",
        "schedule": crontab(minute="*/5"),
    },
    "reports-purge-expired": {
        "task": "reports.tasks.purge_expired_reports",
        "schedule": crontab(hour="3", minute="30"),
    },
    # Documents: files of deleted documents removed after DOCUMENT_RETENTION_DAYS.
    "documents-purge-deleted": {
        "task": "documents.tasks.purge_deleted_documents",
        "schedule": crontab(hour="4", minute="0"),
    },
    "reports-run-schedules": {
        "task": "reports.tasks.run_report_schedules",
        "schedule": crontab(hour="5", minute="45"),
    },
    # Meetings: the reminder the day before, to the invitees who have not declined.
    "meetings-reminders": {
        "task": "meetings.tasks.send_meeting_reminders",
        "schedule": crontab(hour=MEETING_REMINDER_AT[0], minute=MEETING_REMINDER_AT[1]),
    },
    # Strategy: officers with reports still to submit, three days before the deadline and on it.
    "strategy-deadline-reminders": {
        "task": "strategy.tasks.send_deadline_reminders",
        "schedule": crontab(hour=STRATEGY_REMINDER_AT[0], minute=STRATEGY_REMINDER_AT[1]),
    },
    "notifications-weekly-digest": {
        "task": "notifications.tasks.send_weekly_digests",
        "schedule": crontab(
            day_of_week=NOTIFICATION_WEEKLY_DIGEST_DAY,
            hour=NOTIFICATION_WEEKLY_DIGEST_AT[0],
            minute=NOTIFICATION_WEEKLY_DIGEST_AT[1],
        ),
    },
}

# Documents (documents app): files outside the web root and STATIC_ROOT, behind the storage API
# (STORAGES["documents"]; an S3-compatible store is configured there, see the README). A
# deleted document's file is kept this many days, then the retention job removes it.
DOCUMENTS_ROOT = Path(env_str("DOCUMENTS_ROOT", str(BASE_DIR / "var" / "documents")))
DOCUMENT_RETENTION_DAYS = env_int("DOCUMENT_RETENTION_DAYS", 30)
DOCUMENT_MAX_SIZE = env_int("DOCUMENT_MAX_SIZE", 25 * 1024 * 1024)

# Open data (opendata app): the contact point of every dataset in the DCAT-AP.de catalog, a
# functional mailbox of the office, never a person's address.
OPEN_DATA_CONTACT_EMAIL = env_str("OPEN_DATA_CONTACT_EMAIL", "digitalisierung@sk.hamburg.de")

# Leichte Sprache and DGS (inclusion app): where the videos are kept, the largest upload, and
# how many wishes for a translation one network address may send in an hour.
INCLUSION_VIDEOS_ROOT = Path(env_str("INCLUSION_VIDEOS_ROOT", str(BASE_DIR / "var" / "videos")))
INCLUSION_VIDEO_MAX_SIZE = env_int("INCLUSION_VIDEO_MAX_SIZE", 200 * 1024 * 1024)
INCLUSION_REQUEST_LIMIT = env_int("INCLUSION_REQUEST_LIMIT", 30)

# Reports (reports app): files outside the web root, kept this many days, then removed.
REPORTS_ROOT = Path(env_str("REPORTS_ROOT", str(BASE_DIR / "var" / "reports")))
REPORT_RETENTION_DAYS = env_int("REPORT_RETENTION_DAYS", 30)
# A report whose worker died this many times is given up (marked failed).
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3)
# Exports answered inside the web request up to this many rows; above it, and always for the
# budget-lines XLSX, the page offers the background report instead.
EXPORT_SYNC_LIMIT = env_int("EXPORT_SYNC_LIMIT", 5000)

# Accounts: one custom user model, e-mail login via django-allauth, no open sign-up.
AUTH_USER_MODEL = "contacts.User"
# Django's and allauth's backends, each reading the signed-in account together with its
# profile, roles and unread notices in one query (portal.backends, portal.facts).
AUTHENTICATION_BACKENDS = [
    "portal.backends.ModelBackend",
    "portal.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The portal's account adapter (contacts.adapters) with its mails through the outbox.
ACCOUNT_ADAPTER = "notifications.adapters.OutboxAccountAdapter"
# Security notices (password changed, new sign-in method, e-mail address changed).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Digitale Räume] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Digitale Räume Hamburg"

# --- Single sign-on with the city's identity provider (identity app, docs/single-sign-on.md) --
# OpenID Connect, authorization code with PKCE. Without OIDC_ISSUER the sign-in page offers only
# the password form. The local provider of `make idp` is http://127.0.0.1:9000.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env_list("OIDC_SCOPES", ["openid", "email", "profile", "groups"])
# The provider's name in the portal's addresses (/accounts/oidc/fhh/...).
OIDC_PROVIDER_ID = env_str("OIDC_PROVIDER_ID", "fhh")
# Accounts are linked or created only for verified addresses in these domains (and subdomains).
OIDC_ALLOWED_DOMAINS = [d.lower() for d in env_list("OIDC_ALLOWED_DOMAINS", ["hamburg.de"])]
# The claim that lists the person's groups (ITD's table maps them to roles).
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# A sign-in counts as done with a second factor when `amr` holds one of these, or `acr` is one
# of OIDC_MFA_ACR (RFC 8176 names; Keycloak and the city's provider may send their own).
OIDC_MFA_AMR = env_list("OIDC_MFA_AMR", ["mfa", "otp", "hwk", "swk", "sms"])
OIDC_MFA_ACR = env_list("OIDC_MFA_ACR")
# A back-channel logout token older than this (seconds, by its `iat`) is refused.
OIDC_LOGOUT_TOKEN_MAX_AGE = env_int("OIDC_LOGOUT_TOKEN_MAX_AGE", 120)
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")

SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "SCOPE": OIDC_SCOPES,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": "Dienstkonto der FHH",
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_ISSUER, "token_auth_method": "client_secret_basic"},
            }
        ]
        if OIDC_ISSUER
        else [],
    }
}
# The provider's e-mail address is trusted only as the identity adapter allows (verified, in
# an allowed domain); allauth's own linking by address stays off.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
# allauth keeps no access or refresh token: the portal needs only who signed in.
SOCIALACCOUNT_STORE_TOKENS = False

# Sessions are recorded at sign-in (so they can be listed and ended); tracking every request
# would cost two writes per page view, the idle timeout keeps its own cheaper timestamp.
USERSESSIONS_TRACK_ACTIVITY = False

# Security log: how long sign-ins, failures, role changes, exports and deletions are kept.
SECURITY_LOG_RETENTION_DAYS = env_int("SECURITY_LOG_RETENTION_DAYS", 365)

# --- Issue 4, invitations and data protection ------------------------------------------------
# The longest access a guest gets (membership, project guest, invitation): one rule for every
# path that grants it (core.dates), backed by a CHECK constraint in PostgreSQL.
GUEST_ACCESS_MAX_DAYS = 365
# Guest accounts whose last access ended more than this many days ago are anonymised.
GUEST_RETENTION_DAYS = env_int("GUEST_RETENTION_DAYS", 180)
# Absolute address of the portal, for links in e-mails (invitations).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# Contacts named on the legal pages: placeholders until the operator sets the real ones.
PORTAL_CONTACT_EMAIL = env_str("PORTAL_CONTACT_EMAIL", "digitale-raeume@example.org")
PORTAL_FEEDBACK_EMAIL = env_str("PORTAL_FEEDBACK_EMAIL", "barrierefreiheit@example.org")
PORTAL_PRIVACY_EMAIL = env_str("PORTAL_PRIVACY_EMAIL", "datenschutz@example.org")
PORTAL_CONTACT_IS_PLACEHOLDER = "example.org" in PORTAL_CONTACT_EMAIL
# Invitation links: how often they may be opened or posted (allauth's rate limit, in Redis);
# added to ACCOUNT_RATE_LIMITS below, after the sign-in limits.
INVITATION_ACCEPT_RATE_LIMIT = env_str("INVITATION_ACCEPT_RATE_LIMIT", "20/m/ip,10/m/key")

# E-mail
# In development (DEBUG) every mail goes to the console and, one .eml file each, to
# EMAIL_FILE_PATH (core.mail; LOCAL_MAIL_REFUSE lets it refuse addresses like a mail server).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "core.mail.LocalMailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# For core.mail.LocalMailBackend and django.core.mail.backends.filebased: one file per mail.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
LOCAL_MAIL_REFUSE = env_list("LOCAL_MAIL_REFUSE")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Digitale Räume Hamburg <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
# Dates in the reader's language: 31.12.2026 and 31 Dec 2026 (templates and core.dates use
# SHORT_DATE_FORMAT and SHORT_DATETIME_FORMAT, never a fixed pattern).
FORMAT_MODULE_PATH = ["hamburg_digital.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# Static files: KERN design system vendored under static/vendor, served by whitenoise.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Documents and reports: the local disk under DOCUMENTS_ROOT and REPORTS_ROOT, no URL
    # (documents/storage.py, reports/models.py), unless an object store is configured below.
    "documents": {"BACKEND": "documents.storage.DocumentStorage"},
    "reports": {"BACKEND": "reports.models.ReportStorage"},
    # Videos in German Sign Language (inclusion app): outside the web root, served by a view.
    "inclusion_videos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(INCLUSION_VIDEOS_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Files in object storage (core/object_storage.py, README): with a bucket named, documents and
# reports go to an S3-compatible store, each under its own prefix (a document's name begins with
# "documents/" already). Objects are private and have no address: downloads pass through the
# portal's permission check. Short timeouts and one retry: a dead store fails an upload in
# seconds with a clear message instead of holding the request.
OBJECT_STORAGE_BUCKET = env_str("OBJECT_STORAGE_BUCKET")
if OBJECT_STORAGE_BUCKET:
    from botocore.config import Config as _BotoConfig

    OBJECT_STORAGE_ENDPOINT_URL = env_str("OBJECT_STORAGE_ENDPOINT_URL")

    def _object_store(location: str) -> dict[str, object]:
        return {
            "BACKEND": "core.object_storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": OBJECT_STORAGE_BUCKET,
                "endpoint_url": OBJECT_STORAGE_ENDPOINT_URL or None,
                "region_name": env_str("OBJECT_STORAGE_REGION", "eu-central-1"),
                "access_key": env_str("OBJECT_STORAGE_ACCESS_KEY_ID") or None,
                "secret_key": env_str("OBJECT_STORAGE_SECRET_ACCESS_KEY") or None,
                "location": location,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "client_config": _BotoConfig(
                    connect_timeout=env_int("OBJECT_STORAGE_TIMEOUT", 5),
                    read_timeout=env_int("OBJECT_STORAGE_TIMEOUT", 5) * 2,
                    retries={"max_attempts": 2, "mode": "standard"},
                    # A store of one's own (MinIO, Ceph, moto) is addressed by path.
                    s3={"addressing_style": "path" if OBJECT_STORAGE_ENDPOINT_URL else "auto"},
                ),
            },
        }

    STORAGES["documents"] = _object_store("")
    STORAGES["reports"] = _object_store("reports")
    STORAGES["inclusion_videos"] = _object_store("videos")

# Security: safe defaults that hold everywhere; TLS-related ones switch on outside DEBUG.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment of the whole domain (hstspreload.org), the operator's decision to
# make with SECURE_HSTS_PRELOAD; the deploy check's reminder is therefore not an error here.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, the row read with a prepared statement (core.sessions).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads: up to 2.5 MB in memory, larger ones streamed to a temporary file; a file over
# DOCUMENT_MAX_SIZE is skipped while it streams (core/uploads.py), never kept whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Without a broker every task runs in the request; one line per task is noise there.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# Demo data: `manage.py seed_demo` uses this password for every demo account.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "Hamburg-Demo-2026!")

PORTAL_ITD_AUTHORITY_CODE = "ITD"

# --- Sign-in hardening, sessions and security headers (issue 4) -----------------------------
# A second factor is required for ITD staff, coordinators and officers (access.middleware).
# One step of tolerance either side absorbs clock drift; allauth refuses a code used twice.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "contacts.adapters.MFAAdapter"
USERSESSIONS_ADAPTER = "contacts.adapters.UserSessionsAdapter"
# Security keys and passkeys (WebAuthn) as second factor. Browsers allow WebAuthn only over HTTPS
# or on localhost; plain-HTTP development needs this switch (never in production).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG)
MFA_RECOVERY_CODE_COUNT = 10
# Changing e-mail addresses or MFA needs a fresh password (or code) after this many seconds.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
# Rate limits (allauth, counted in the cache = Redis): exceeding one answers 429 naming it. Every
# password check (sign-in, admin, re-authentication, invitation link, account deletion) counts
# failures in one counter per address: five lock that address for 15 minutes
# ("login_failed"), and ten a minute from one network address stop it ("login_failed_ip").
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/15m/key",
    "login_failed_ip": "10/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
# Issue 4 (invitations): opening and accepting invitation links (INVITATION_ACCEPT_RATE_LIMIT).
ACCOUNT_RATE_LIMITS["invitation_accept"] = INVITATION_ACCEPT_RATE_LIMIT
MFA_RATE_LIMITS = {"webauthn_login": "10/m/ip"}
# Sessions end after 30 minutes without activity and 12 hours after sign-in, whatever happens.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
# The demo ITD account (seed_demo) is enrolled with this authenticator secret (base32).
DEMO_TOTP_SECRET = env_str("DEMO_TOTP_SECRET", "HAMBURGDIGITALERAUMDEMOTOTPXKEYS")

# Content-Security-Policy (django-csp): no inline scripts or styles; KERN's icons are data: URIs,
# and so is the QR code of the authenticator enrolment.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # A form posts here only; its answer may lead on to the identity provider (the sign-in
        # with the staff account redirects there, and browsers hold redirects to form-action).
        "form-action": [SELF, *([oidc_origin(OIDC_ISSUER)] if OIDC_ISSUER else [])],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Browser features the portal never uses are switched off (core.middleware).
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}
# Pages under these paths, and every page shown to a signed-in person, are never cached.
NO_STORE_PATH_PREFIXES = ("/accounts/", "/my-data/", "/contacts/", "/admin/")

# --- The REST API (api app; docs/api.md) ------------------------------------------------------
# One API over the pages' scopes, rules and services: every list starts from the rule tables'
# scope, every write calls the pages' service. Personal tokens (tokens app) or the session.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
# What is to go, by address prefix (api/deprecation.py): {"/api/v1/x/": {"deprecated":
# "2027-01-01", "sunset": "2027-07-01", "successor": "/api/v2/x/"}}. Nothing yet.
API_DEPRECATIONS: dict[str, dict[str, str]] = {}
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerToken", "api.throttling.Anonymous"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_TOKEN", "600/min"),
        "anonymous": env_str("API_RATE_ANONYMOUS", "60/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATE_INPUT_FORMATS": ["iso-8601"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Digitale Räume Hamburg API",
    "DESCRIPTION": (
        "Projects, budget lines, milestones, meetings, the strategy and reports of the portal "
        "Digitale Räume Hamburg, as the caller may see them. See /api/ for the rules."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.Project.Status",
        "ReportStatusEnum": "reports.models.Status",
        "ReportKindEnum": "reports.models.Kind",
        "AuthorityKindEnum": "contacts.models.Authority.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

# Provisioning by SCIM 2.0 at /scim/v2/ (provisioning app, docs/single-sign-on.md): the city's
# identity management authenticates with a bearer token of its own; only the SHA-256 digests
# (hex) of the accepted tokens are configured here. Empty: SCIM is off (every request 401).
SCIM_TOKEN_DIGESTS = [d.lower() for d in env_list("SCIM_TOKEN_DIGESTS")]
# Accounts are provisioned only for addresses in these domains (and subdomains).
SCIM_ALLOWED_DOMAINS = [d.lower() for d in env_list("SCIM_ALLOWED_DOMAINS", OIDC_ALLOWED_DOMAINS)]
SCIM_SERVICE_PROVIDER = {
    "USER_MODEL_GETTER": "provisioning.filters.user_model",
    "USER_ADAPTER": "provisioning.scim.UserAdapter",
    "GROUP_MODEL": "provisioning.models.ScimGroup",
    "GROUP_ADAPTER": "provisioning.scim.GroupAdapter",
    "USER_FILTER_PARSER": "provisioning.filters.UserFilter",
    "GROUP_FILTER_PARSER": "provisioning.filters.GroupFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "provisioning.scim.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "provisioning.scim.base_location",
    "SCHEMAS_GETTER": "provisioning.scim.schemas",
    "AUTH_CHECK_MIDDLEWARE": "provisioning.permissions.TokenCheck",
    "AUTHENTICATION_SCHEMES": [{"type": "oauthbearertoken", "name": "Bearer token"}],
    "NETLOC": "unused",  # locations come from BASE_LOCATION_GETTER
}
