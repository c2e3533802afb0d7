"""Etalase settings: one module, driven by environment variables.

The defaults make a zero set-up development site (SQLite, tasks run in-process,
emails written to files). ``DJANGO_ENV=production`` switches to the production
profile, which refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured("DJANGO_ENV=production needs these environment variables: " + ", ".join(missing))
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DEBUG = env.bool("DEBUG", default=False)
else:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-etalase-development-key-not-for-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
    DEBUG = env.bool("DEBUG", default=True)

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so that its ASGI `runserver` replaces Django's: `make run` serves the pages and the
    # chat's WebSockets (/ws/) in one process. (`--nostatic` in the Makefile leaves static files
    # to WhiteNoise, as before.)
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "csp",
    "channels",
    "anymail",
    "shop.apps.ShopConfig",
    "catalog.apps.CatalogConfig",
    "checkout.apps.CheckoutConfig",
    "social.apps.SocialConfig",
    "chat.apps.ChatConfig",
    "marketing.apps.MarketingConfig",
    "insights.apps.InsightsConfig",  # last: it reads every app below it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shop.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "shop.events.EventsMiddleware",  # after authentication: events carry the request's user
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections wherever PostgreSQL is used (and in production on any database): a new
# PostgreSQL connection forks a backend and fills its caches, which costs more than most pages'
# queries (bench/README.md). A kept connection is checked before its first use in each request,
# so a database restart does not fail the next request of every worker.
using_postgresql = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if using_postgresql or PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if using_postgresql and env.bool("DB_SERVER_SIDE_BINDING", default=True):
    # Server-side parameter binding (Django's documented OPTIONS switch, psycopg 3): parameters
    # travel apart from the SQL, so psycopg can prepare a statement once it has run
    # prepare_threshold times on a (persistent) connection and PostgreSQL stops parsing the hot
    # queries again (the signed-in person, the feed pages). Django turns psycopg's automatic
    # preparation off unless prepare_threshold is given, so it is given here: psycopg's own
    # default. Not behind a transaction-mode pooler (prepared statements belong to a session).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": env.int("DB_PREPARE_THRESHOLD", default=5)}
    )
    # But each statement planned for its values: a plan PostgreSQL keeps for any values (its
    # default after five runs) can be far worse for some (the thread API of a chat of 50,000
    # messages answered in 250 ms instead of 29; bench/README.md, "Server-side binding").
    # Prepared statements still save the parsing and analysis. The few hot statements whose
    # best plan does not depend on their values keep one plan (shop.compiled.kept_plan).
    plan_cache_mode = env.str("DB_PLAN_CACHE_MODE", default="force_custom_plan")
    DATABASES["default"]["OPTIONS"]["options"] = f"-c plan_cache_mode={plan_cache_mode}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE transactions take the write lock up
    # front, so a second writer waits (busy timeout) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not REDIS_URL:
    # Each web worker would keep its own cache: rate limits multiplied by the worker count,
    # privacy toggles and invalidations seen by one worker only, tasks run in the request.
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs REDIS_URL: without it the cache is per process (rate limits, "
        "privacy toggles and invalidations break across workers) and tasks run inside requests."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis (it keeps one client per process; Django's own Redis backend builds a
            # new redis-py client, and its table of 200-odd reply callbacks, for every call: about
            # half a millisecond per cache read, three times on a feed page), with a per-process
            # stand-in while Redis is unreachable, so that sign-in and checkout keep working.
            "BACKEND": "shop.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    # Sessions are read from Redis on every signed-in request and written through to the
    # database, so a Redis flush logs nobody out (and a Redis outage reads them from there).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "etalase"}}
# Rendered template fragments that are pure functions of their key (the page's static links
# and footer per language, the site header per language, person and section): kept in each
# process ({% cache ... using="fragments" %}, shop.templatetags.site_header). With DEBUG on
# they are rendered every time, so that template edits show.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.dummy.DummyCache"
    if DEBUG
    else "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 2000},  # a few kB each
}

# --- WebSockets (Django Channels) ---------------------------------------------
# The chat's sockets (chat.consumers) hear about new messages through per-user groups of this
# layer. RedisChannelLayer rather than the pub/sub layer: a group message waits in a Redis list
# (up to `expiry`) for a consumer that is busy for a moment, where pub/sub drops it whenever the
# subscriber is not reading; every ASGI process sees every group, so a message sent through one
# process (or a gunicorn worker) reaches a socket held by another. Either way the socket only
# notifies: what it misses, a client fetches with `after=<last id>`.
# redis-py 8 times a read out after 5 s, exactly the layer's blocking read, and caps its pool
# at 100: hence socket_timeout None and a larger pool (channels_redis #422, redis-py #4091).
# Without REDIS_URL, the in-memory layer: one process (`make run`), nothing to start.
CHANNEL_LAYER_CAPACITY = env.int("CHANNEL_LAYER_CAPACITY", default=1000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 2,
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000),
                    }
                ],
                "prefix": "etalase-ws",
                "capacity": CHANNEL_LAYER_CAPACITY,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_LAYER_CAPACITY, "expiry": 30},
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
# After a failed hand-over, tasks are not offered to the broker for this long (shop.broker).
BROKER_RETRY_SECONDS = env.int("BROKER_RETRY_SECONDS", default=15)
# Work a row records as not done (a post's fan-out, a picture's renditions) is handed over again
# by the apps' sweepers this long after the row was written (its task was lost: the broker was
# down), for this many hours (shop.broker.republish_pending). A task still queued when swept
# runs twice, harmlessly: they are idempotent.
PENDING_WORK_AFTER_SECONDS = env.int("PENDING_WORK_AFTER_SECONDS", default=120)
PENDING_WORK_WINDOW_HOURS = env.int("PENDING_WORK_WINDOW_HOURS", default=24)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# The queue tasks go to (a test's worker sets its own, for the tasks its tasks send).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 3, "max_retries": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = "UTC"
# The periodic schedule, declared here and run by `make worker` (celery worker --beat).
CELERY_BEAT_SCHEDULE = {
    "trim-feeds": {"task": "social.tasks.trim_feeds_task", "schedule": 60 * 60},
    "expire-unpaid-orders": {"task": "checkout.tasks.expire_unpaid_orders_task", "schedule": 60},
    "complete-delivered-orders": {"task": "checkout.tasks.complete_delivered_orders_task", "schedule": 60 * 60},
    "sweep-notification-deliveries": {"task": "shop.tasks.sweep_deliveries", "schedule": 60},
    # Work whose hand-over after commit was lost (shop.broker.republish_pending), app by app.
    "republish-catalog-work": {"task": "catalog.tasks.republish_pending_work_task", "schedule": 60},
    "republish-social-work": {"task": "social.tasks.republish_pending_work_task", "schedule": 60},
    # Reminders (back in stock and price drops are sent on the event, not on a schedule). An
    # abandoned cart is the marketing flow's (marketing.flows), to contacts who consented.
    "request-reviews": {"task": "checkout.tasks.request_reviews_task", "schedule": 60 * 60},
    # 01:00 UTC is 08:00 in Jakarta: the digest arrives with the morning, once a day.
    "daily-digest": {"task": "social.tasks.send_daily_digests_task", "schedule": crontab(hour=1, minute=0)},
    # "You may also like" is read from a table this recomputes (never per request).
    "compute-product-affinities": {"task": "social.tasks.compute_product_affinities_task", "schedule": 60 * 60},
    # One email per chat left unread for CHAT_UNREAD_EMAIL_MINUTES (chat.services.unread_emails).
    "email-unread-chats": {"task": "chat.tasks.email_unread_chats_task", "schedule": 60},
    # Chat offers past their time are marked expired, and their cards in open threads follow.
    "expire-chat-offers": {"task": "chat.tasks.expire_offers_task", "schedule": 60},
    # The store assistants' auto-replies when nobody answered in time, and the answers whose
    # task was lost (chat.assistant).
    "assistant-auto-replies": {"task": "chat.assistant.tasks.send_due_auto_replies_task", "schedule": 60},
    "assistant-republish-answers": {"task": "chat.assistant.tasks.republish_pending_answers_task", "schedule": 60},
    "assistant-cart-nudges": {"task": "chat.assistant.tasks.nudge_abandoned_carts_task", "schedule": 60 * 60},
    # Webhook events and channel deliveries whose task was lost to a broker outage.
    "republish-channel-work": {"task": "chat.tasks.republish_channel_work_task", "schedule": 60},
    # Campaigns: start the scheduled ones that are due, pick A/B winners, pick up the chunks
    # of a worker that died (marketing.campaigns.engine.sweep).
    "sweep-campaigns": {"task": "marketing.tasks.sweep_campaigns_task", "schedule": 60},
    # Flows: every flow's due steps each minute; the periodic triggers (win-back, browse
    # abandonment, abandoned carts) every MARKETING_FLOW_SCAN_MINUTES.
    "evaluate-flows": {"task": "marketing.tasks.evaluate_flows_task", "schedule": 60},
    "scan-flows": {
        "task": "marketing.tasks.scan_flows_task",
        "schedule": env.int("MARKETING_FLOW_SCAN_MINUTES", default=15) * 60,
    },
    # Insights: events pushed to Redis go to their table every few seconds; today's and
    # yesterday's figures are recomputed every ten minutes (late events land in yesterday);
    # the event table's monthly partitions are made ahead and dropped after the retention.
    # Customers (marketing): new people the stores met, every hour; the RFM scores each night
    # (02:00 in Jakarta, after the day's orders), gathering first.
    "gather-contacts": {"task": "marketing.tasks.gather_contacts_task", "schedule": 60 * 60},
    "score-contacts": {"task": "marketing.tasks.score_contacts_task", "schedule": crontab(hour=19, minute=0)},
    "drain-events": {"task": "insights.tasks.drain_events_task", "schedule": 5},
    "roll-up-recent-days": {"task": "insights.tasks.roll_up_recent_days_task", "schedule": 10 * 60},
    "maintain-event-partitions": {"task": "insights.tasks.maintain_partitions_task", "schedule": 6 * 60 * 60},
}

# --- Events and insights ----------------------------------------------------
# Recorded events (shop.events) are pushed to this Redis at the end of each request and moved
# to the event table by a task; empty, each process keeps them and stores them in batches of
# EVENTS_BATCH_SIZE, or when the oldest is EVENTS_FLUSH_SECONDS old (None: only on flush()).
EVENTS_REDIS_URL = env.str("EVENTS_REDIS_URL", default=REDIS_URL)
EVENTS_BATCH_SIZE = env.int("EVENTS_BATCH_SIZE", default=500)
EVENTS_FLUSH_SECONDS = env.float("EVENTS_FLUSH_SECONDS", default=5.0)
# While Redis or the database cannot take them, a process keeps at most this many events.
EVENTS_MAX_BUFFERED = env.int("EVENTS_MAX_BUFFERED", default=100_000)
# Sellers' days are cut in this time zone (stores have no zone of their own yet).
INSIGHTS_TIME_ZONE = env.str("INSIGHTS_TIME_ZONE", default="Asia/Jakarta")
# Raw events are kept this many whole months (then their monthly partition is dropped on
# PostgreSQL); the daily figures stay.
INSIGHTS_RETENTION_MONTHS = env.int("INSIGHTS_RETENTION_MONTHS", default=13)
# PostgreSQL's work_mem while a day is rolled up (its distinct counts sort the day's events).
INSIGHTS_ROLLUP_WORK_MEM = env.str("INSIGHTS_ROLLUP_WORK_MEM", default="256MB")
# How many events the browser may send in one batch, and batches a minute per visitor.
INSIGHTS_MAX_BATCH = env.int("INSIGHTS_MAX_BATCH", default=50)
INSIGHTS_BATCHES_PER_MINUTE = env.int("INSIGHTS_BATCHES_PER_MINUTE", default=30)

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "shop.User"
# Django's and allauth's backends, loading the person's store with them (one query less per page).
AUTHENTICATION_BACKENDS = [
    "catalog.auth_backends.StoreModelBackend",
    "catalog.auth_backends.StoreAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# "mandatory": no login before the address is confirmed; "optional": a reminder only.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Etalase] "
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "shop.adapters.AccountAdapter"
ACCOUNT_USERNAME_BLACKLIST = ["admin", "api", "staff", "etalase", "support", "root"]
# Failed logins: 10 a minute per IP address, 5 per 5 minutes per account.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Indonesian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# Money is stored in the currency's minor unit (ISO 4217), formatted with Babel.
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="IDR")

# --- Checkout and payments ----------------------------------------------------
# Card payments (Stripe) are offered only when both keys are set. STRIPE_API_BASE points the
# client elsewhere (the tests' localstripe); empty means Stripe itself.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# An unpaid order expires (and its stock goes back on sale) after this long.
ORDER_CARD_PAYMENT_MINUTES = env.int("ORDER_CARD_PAYMENT_MINUTES", default=30)
ORDER_BANK_TRANSFER_HOURS = env.int("ORDER_BANK_TRANSFER_HOURS", default=24)
# A delivered order the buyer never confirms completes by itself after this many days.
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Private uploads (proofs of transfer): outside the public media root, served only through
# views that check permission (shop/private_media.py). In production let the web server send
# the bytes: PRIVATE_MEDIA_SERVER=x-accel-redirect (nginx) or x-sendfile (Apache); see README.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
PRIVATE_MEDIA_SERVER = env.str("PRIVATE_MEDIA_SERVER", default="django")
PRIVATE_MEDIA_INTERNAL_URL = env.str("PRIVATE_MEDIA_INTERNAL_URL", default="/_private/")
if PRIVATE_MEDIA_SERVER not in ("django", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("PRIVATE_MEDIA_SERVER must be django, x-accel-redirect or x-sendfile.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "shop.private_media.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Image uploads: formats Pillow may open, and the limits checked before decoding.
IMAGE_UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP")
IMAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
IMAGE_UPLOAD_MAX_PIXELS = 40_000_000

# --- Email ------------------------------------------------------------------
# By default every sent email is written to a file under var/mail/ (see README).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
# Links in emails (sent by the worker, with no request) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A marketing consent's confirmation link (double opt-in) works this many days.
MARKETING_CONFIRM_DAYS = env.int("MARKETING_CONFIRM_DAYS", default=7)
# Campaigns (marketing.campaigns): at most this many marketing emails an hour per store, at
# most this many a week to one person from one store (campaigns and flows together).
MARKETING_HOURLY_CAP = env.int("MARKETING_HOURLY_CAP", default=5000)
MARKETING_WEEKLY_CAP = env.int("MARKETING_WEEKLY_CAP", default=3)
# A sending task takes this many recipients at a time; this many such tasks run side by side.
MARKETING_CHUNK_SIZE = env.int("MARKETING_CHUNK_SIZE", default=200)
MARKETING_PARALLEL_CHUNKS = env.int("MARKETING_PARALLEL_CHUNKS", default=2)
# Recipients a task claimed and did not finish this long ago belong to a dead worker: the
# sweeper queues again those it never started to send and marks "interrupted" the one it was
# sending (never sent twice). Longer than a chunk takes.
MARKETING_CLAIM_LEASE_SECONDS = env.int("MARKETING_CLAIM_LEASE_SECONDS", default=300)
# Flows (marketing.flows): a send task takes this many due enrolments; the periodic triggers
# (win-back, browse abandonment, abandoned carts) are scanned every this many minutes; browse
# abandonment waits this many hours after the view; back in stock tells those who viewed the
# product in the last this many days (product views are kept that long). Abandoned carts wait
# ABANDONED_CART_AFTER_HOURS; the waits between steps are each step's own (FlowStep.delay_hours).
MARKETING_FLOW_CHUNK_SIZE = env.int("MARKETING_FLOW_CHUNK_SIZE", default=100)
MARKETING_FLOW_SCAN_MINUTES = env.int("MARKETING_FLOW_SCAN_MINUTES", default=15)
MARKETING_FLOW_BROWSE_AFTER_HOURS = env.int("MARKETING_FLOW_BROWSE_AFTER_HOURS", default=24)
MARKETING_FLOW_INTEREST_DAYS = env.int("MARKETING_FLOW_INTEREST_DAYS", default=14)
# Marketing email's From (a provider may require a verified sender domain).
MARKETING_FROM_EMAIL = env.str("MARKETING_FROM_EMAIL", default="")
# django-anymail: the provider backend is EMAIL_BACKEND (e.g. anymail.backends.mailgun.EmailBackend);
# its tracking webhooks (/anymail/<provider>/tracking/) are verified with these secrets.
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
        "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default=""),
    }.items()
    if value
}
# How often an open page asks for the unread notification count (the bell).
NOTIFICATION_POLL_SECONDS = env.int("NOTIFICATION_POLL_SECONDS", default=30)
# Reminders: a cart idle this long gets the abandoned-cart flow (marketing); a delivered order asks for reviews after
# this many days; the daily digest lists at most this many new posts.
ABANDONED_CART_AFTER_HOURS = env.int("ABANDONED_CART_AFTER_HOURS", default=24)
REVIEW_REQUEST_AFTER_DAYS = env.int("REVIEW_REQUEST_AFTER_DAYS", default=3)
DAILY_DIGEST_MAX_POSTS = env.int("DAILY_DIGEST_MAX_POSTS", default=8)
# A notification email's first retry waits this long, each next one twice as long (up to 10 min).
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=10)
# An email handed to the worker and still not attempted this long after it was due is presumed
# lost (its worker died) and handed over again by the sweeper. Longer than a queue backlog.
NOTIFICATION_HAND_OVER_SECONDS = env.int("NOTIFICATION_HAND_OVER_SECONDS", default=600)
# A chat message still unread after this many minutes brings one email for the conversation.
CHAT_UNREAD_EMAIL_MINUTES = env.int("CHAT_UNREAD_EMAIL_MINUTES", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Etalase <no-reply@etalase.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Messaging channels (chat.channels) ---------------------------------------
# One Meta app for the whole site: its app secret signs every WhatsApp webhook
# (X-Hub-Signature-256), the verify token answers Meta's subscription handshake. Each store
# connects its own number (phone number ID, access token) in the back office. Empty: the
# WhatsApp webhook refuses everything. The API bases point the clients elsewhere (the tests'
# local provider server).
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_API_BASE = env.str("WHATSAPP_API_BASE", default="https://graph.facebook.com/v26.0").rstrip("/")
TELEGRAM_API_BASE = env.str("TELEGRAM_API_BASE", default="https://api.telegram.org").rstrip("/")
# Seconds a call to a provider may take (connect and read) before the task retries it later.
CHANNELS_HTTP_TIMEOUT = env.float("CHANNELS_HTTP_TIMEOUT", default=10.0)
# An outbound message is retried this many times (backoff doubling from 5 s) before it fails.
CHANNELS_SEND_RETRIES = env.int("CHANNELS_SEND_RETRIES", default=6)
# The broker's Redis keys through which the webhooks hand their events to the worker
# (chat.channels.intake.enqueue): a list of event ids and a flag.
CHANNELS_INTAKE_REDIS_PREFIX = env.str("CHANNELS_INTAKE_REDIS_PREFIX", default="chat:webhook-intake")

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous request to a protected endpoint then gets 401 with
    # "WWW-Authenticate: Token" (DRF takes the header from the first class) instead of 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "shop.api_schema.AutoSchema",
    # JSON only: every answer under /api/ is JSON, even to a browser (the docs are /api/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, refusing deep JSON and NUL characters with a 400 (shop/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "shop.api_parsers.JSONParser",
        "shop.api_parsers.FormParser",
        "shop.api_parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "shop.api_metadata.APIMetadata",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/min"),
        "user": env.str("API_USER_RATE", default="600/min"),
        "login": env.str("API_LOGIN_RATE", default="10/min"),
        # Per user, on publishing (social.api): posts, and comments.
        "posting": env.str("API_POSTING_RATE", default="20/hour"),
        "commenting": env.str("API_COMMENTING_RATE", default="60/hour"),
        "checkout": env.str("API_CHECKOUT_RATE", default="20/min"),  # per user, placing orders (checkout.api)
    },
    "EXCEPTION_HANDLER": "shop.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Etalase API",
    "DESCRIPTION": (
        "The REST API of Etalase, a social-commerce storefront.\n\n"
        "**Errors.** Every answer under `/api/` is JSON. An error (400, 401, 403, 404, 405, 409, 415, 429, "
        "500) has the body described by the `Error` schema: `detail`, what went wrong for a person to read; "
        "`code`, a name for a program when there is one; and for a 400 about fields, one key per invalid "
        "field with its list of messages. A NUL character anywhere in the path, query or body, or JSON "
        "nested more than 32 levels, is a 400.\n\n"
        "**Live chat.** New messages, reads and typing arrive on a WebSocket at `/ws/chat/` (one per client "
        "for all of a user's chats), authenticated by the session cookie from a page of the site or, for a "
        "program, by offering the subprotocols `etalase.v1` and `token.<key>`. Server events: `message` "
        "{conversation, message, side, kind}, `read` {conversation, side, last_read_id}, `typing` "
        "{conversation, side}. Client events: `typing` {conversation}, `resync` {conversation, after} "
        "(answered with `messages` {conversation, messages, has_more}), `read` {conversation, up_to} "
        "(answered with `read_state`); a refused or malformed one is answered with `error` {code, detail}. "
        "The socket only notifies: fetch what you missed with `after=<last id>` on a chat's messages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No call to swagger.io's online validator: the docs work offline and leak nothing.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets shared by several fields get one name (checkout's statuses beside the catalog's).
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "catalog.models.Product.Status",
        "OrderStatusEnum": "checkout.models.OrderStatus",
        "PaymentStatusEnum": "checkout.models.Payment.Status",
        "PaymentMethodEnum": "checkout.models.PaymentMethod",
        # A profile's kind keeps the name it had before chat's message kinds came.
        "KindEnum": [("user", "user"), ("store", "store")],
        "ChatMessageKindEnum": "chat.models.Message.Kind",
        "ChatSendableKindEnum": "chat.models.SENDABLE_KIND_CHOICES",
        "ChatReportReasonEnum": "chat.models.Report.Reason",
    },
}

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts, styles, pictures and requests
# only from this site. No page has an inline script, inline <style> or style="" attribute
# (values a page computes, such as a tag dot's position, travel in data-vars and are set by
# static/js/site.js), so no page needs a nonce: feed pages and cards are served from cached
# stencils, where a per-request nonce would have to be one more hole. Pages that need more say
# so themselves: the card payment page adds Stripe.js (checkout.views.payments.pay_card), the
# 500 page allows its one inline <style> by hash (shop.views.server_error).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the SVG pictures inside the admin's and the API docs' stylesheets; blob:
        # for the post composer's preview of a picture before it is uploaded.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"  # JSON under /api/, Django's page elsewhere
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # urllib3 logs each request's path at DEBUG, and a Telegram Bot API path holds the bot's
        # token (/bot<token>/sendMessage): never below WARNING, whatever LOG_LEVEL says.
        "urllib3": {"level": "WARNING"},
    },
}
