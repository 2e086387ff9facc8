"""Finsam settings: one module, configured from the environment.

Development defaults work on our machines (PostgreSQL and Redis on loopback).
`FINSAM_PRODUCTION=1` switches on everything `check --deploy` asks for.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("FINSAM_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="" if PRODUCTION else "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz",
)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "finsam.apps.FinsamAdminConfig",  # django.contrib.admin with Finsam's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes for a lost authenticator
    "axes",
    "forbund",
    "insatser",
    "deltagare",
    "rapporter",
    "konton",
    "portal",
]
if not PRODUCTION:
    INSTALLED_APPS.append("dev")  # demo data, generate_data, benchmarks, load test

MIDDLEWARE = [
    # /halsa/ for the container health checks, which call on loopback (see the class).
    "portal.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the user is known, so that the 404 page shows the user's navigation.
    "finsam.lib.middleware.RejectControlCharactersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "forbund.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finsam.urls"
WSGI_APPLICATION = "finsam.wsgi.application"

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
                "django.template.context_processors.csp",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/finsam"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A restarted PostgreSQL must not cost the next request a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The planner's cost of a random page read. PostgreSQL's default (4) is for spinning disks;
# on SSD, or with the data in memory, it makes the planner scan a whole table where an
# index finds one förbund's rows (bench_pages: the förbund's deltaganden 124 → 57 ms).
# Empty leaves the server's setting (needed behind PgBouncer, which refuses startup options).
if random_page_cost := env.str("PG_RANDOM_PAGE_COST", default="1.1"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={float(random_page_cost)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# Short socket timeouts so a stopped Redis fails fast instead of hanging a request.
_REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
CACHES = {
    "default": {
        # Django's RedisCache, except that a stopped Redis is a miss instead of an error.
        "BACKEND": "finsam.lib.cache.ForgivingRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": _REDIS_OPTIONS,
    }
}

# Login must work while Redis is down: sessions live in PostgreSQL, with their account
# (forbund.sessions: the user lists and ends their sessions, deactivation ends them all).
SESSION_ENGINE = "forbund.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_USER_MODEL = "forbund.User"
# Argon2id tuned for our machines (finsam/lib/hashers.py); older PBKDF2 hashes still verify
# and are upgraded at the next login.
PASSWORD_HASHERS = [
    "finsam.lib.hashers.FinsamArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "konto:login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "konto:login"

# django-ratelimit (the live personnummer check): counts in the cache. With Redis down the
# count is lost and the check answers unthrottled rather than refusing everyone.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
# The report API's limits per user (rapporter/api.py), each rate counted on its own: a
# script fetching a year's reports stays well within them.
FINSAM_API_RATES = env.list("FINSAM_API_RATES", default=["30/m", "600/h"])

# django-axes, with three limits per cool-off period (forbund/throttle.py): the (address,
# username) pair, the username from any address, and the address for any username (sparing
# accounts that have signed in from that address before: a kommun's NAT is not locked out).
AXES_HANDLER = "forbund.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=10)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME_HOURS", default=0.25)
# What a successful login resets: the pair only.
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Finsam"

# One-time links sent by e-mail (forbund.models.Engangslank), in hours.
FINSAM_AKTIVERING_GILTIG_TIMMAR = env.int("FINSAM_AKTIVERING_GILTIG_TIMMAR", default=72)
FINSAM_NYTT_LOSENORD_GILTIG_TIMMAR = env.int("FINSAM_NYTT_LOSENORD_GILTIG_TIMMAR", default=2)

# E-mail through SMTP (Django 6.1's MAILERS). The defaults suit `make run`, whose local
# SMTP server (scripts/run-demo.sh, aiosmtpd) writes every mail to var/mail/.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.str("EMAIL_HOST", default="127.0.0.1"),
            "port": env.int("EMAIL_PORT", default=8025),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env.str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        },
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Finsam <noreply@finsam.example.se>")

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Built-in CSP: no inline scripts anywhere; htmx is served from our own origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Error reports hide what views mark sensitive (personnummer, passwords), DEBUG or not.
DEFAULT_EXCEPTION_REPORTER_FILTER = "finsam.lib.error_reports.AlwaysSafeExceptionReporterFilter"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_HTTPONLY = True

# Personal data: the key for authenticated encryption of personnummer and the
# separate key for the keyed look-up hash. Both must be set in production.
FINSAM_PNR_KEYS = env.list(
    "FINSAM_PNR_KEYS",
    default=[] if PRODUCTION else ["ZGV2LW9ubHktcG5yLWtleS0wMTIzNDU2Nzg5YWJjZGU="],
)
FINSAM_PNR_HMAC_KEY = env.str(
    "FINSAM_PNR_HMAC_KEY", default="" if PRODUCTION else "dev-only-pnr-hmac-key"
)


def _production_problems() -> list[str]:
    """What keeps a production server from starting, each with how to put it right."""
    from cryptography.fernet import Fernet

    random_text = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    fernet = (
        "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
    )
    problems = []
    if DEBUG:
        problems.append("DEBUG=1 visar felsidor med inställningar och anrop. Sätt DEBUG=0.")
    if len(SECRET_KEY) < 50:
        problems.append(
            f"SECRET_KEY saknas eller är kortare än 50 tecken. Skapa en med: {random_text}"
        )
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS saknas. Ange serverns domännamn, t.ex. finsam.kommun.se.")
    try:
        if not FINSAM_PNR_KEYS:
            raise ValueError
        for key in FINSAM_PNR_KEYS:
            Fernet(key)
    except ValueError:
        problems.append(
            "FINSAM_PNR_KEYS saknas eller är inte Fernet-nycklar (44 tecken, kommaseparerade, "
            f"nyast först). Skapa en med: {fernet}"
        )
    if len(FINSAM_PNR_HMAC_KEY) < 32:
        problems.append(
            f"FINSAM_PNR_HMAC_KEY saknas eller är kortare än 32 tecken. Skapa en med: {random_text}"
        )
    return problems


# Production refuses to start half-configured, and says what to set.
if PRODUCTION and (_problems := _production_problems()):
    raise environ.ImproperlyConfigured(
        "Finsam startar inte med FINSAM_PRODUCTION=1:\n- " + "\n- ".join(_problems)
    )

# Retention (gallring): erase personal data this many years after a person's last
# deltagande ended. 0 turns it off (the default); set it from the förbund's
# informationshanteringsplan.
FINSAM_GALLRING_AR = env.int("FINSAM_GALLRING_AR", default=0)

# Återrapportering: counts of persons below this are suppressed in aggregated output.
FINSAM_UNDERTRYCK_GRANS = env.int("FINSAM_UNDERTRYCK_GRANS", default=5)

# Celery: Redis as broker only; every state a user sees lives in PostgreSQL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message whose worker died is handed out again after this long. Report and import
    # jobs do not wait for it: beat finds them by their heartbeat (FINSAM_JOB_*, below), and
    # a claim on the job's row keeps a late redelivery from running a job twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
# Redis down: a publish fails within about a second instead of blocking the request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=10 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=9 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
# Report and import jobs (finsam/lib/jobs.py): the running worker stamps the job's row
# this often; a job not stamped for FINSAM_JOB_STALE_SECONDS has lost its worker, and beat
# looks for such jobs every FINSAM_JOB_CHECK_SECONDS and enqueues them again. With the
# defaults a killed worker's job is taken up again at most 45 + 30 s after it died.
FINSAM_JOB_HEARTBEAT_SECONDS = env.float("FINSAM_JOB_HEARTBEAT_SECONDS", default=10)
FINSAM_JOB_STALE_SECONDS = env.float("FINSAM_JOB_STALE_SECONDS", default=45)
FINSAM_JOB_CHECK_SECONDS = env.float("FINSAM_JOB_CHECK_SECONDS", default=30)
# The report's stored deltagande facts (rapporter/fakta.py): used by reports when current
# (off: every report counts live), kept for this many years back, looked at this often (a
# look costs one query while nothing changed; the facts follow a write within this and the
# recount, `manage.py bench_aktuell`).
FINSAM_RAPPORTFAKTA = env.bool("FINSAM_RAPPORTFAKTA", default=True)
FINSAM_RAPPORTFAKTA_AR = env.int("FINSAM_RAPPORTFAKTA_AR", default=12)
FINSAM_RAPPORTFAKTA_SEKUNDER = env.float("FINSAM_RAPPORTFAKTA_SEKUNDER", default=10)
CELERY_BEAT_SCHEDULE = {
    "rapportfakta": {
        "task": "rapporter.tasks.uppdatera_fakta",
        "schedule": FINSAM_RAPPORTFAKTA_SEKUNDER,
        "options": {"expires": FINSAM_RAPPORTFAKTA_SEKUNDER},
    },
    "jobb-utan-arbetare": {
        "task": "finsam.lib.jobs.requeue_stale",
        "schedule": FINSAM_JOB_CHECK_SECONDS,
    },
    "gallring": {"task": "deltagare.tasks.gallra", "schedule": 24 * 60 * 60},
    "importfiler": {"task": "forbund.tasks.rensa_importer", "schedule": 60 * 60},
    # Beat and the worker show they are alive (finsam.lib.health, /halsa/); a heartbeat
    # nobody ran within a minute is dropped instead of piling up while no worker runs.
    "heartbeat": {
        "task": "forbund.tasks.heartbeat",
        "schedule": 60,
        "options": {"expires": 60},
    },
    "clear-expired-sessions": {
        "task": "forbund.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every page it lays out at INFO; keep the worker log readable.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "matplotlib": {"level": "WARNING"},
    },
}

# Uploaded files stay in memory, never in a temporary file in clear (finsam/lib/uploads.py),
# up to this size; a larger upload gets the "Filen är för stor" page (413). Form fields
# besides files are capped at Django's default.
FINSAM_UPLOAD_MAX_BYTES = env.int("FINSAM_UPLOAD_MAX_MB", default=20) * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["finsam.lib.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = FINSAM_UPLOAD_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
