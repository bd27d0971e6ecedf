"""Settings of the django-oauth-toolkit provider that the exchange's interop test talks to.

A throwaway site on loopback: SQLite in a temporary directory (INTEROP_DB), no static files,
no templates beyond the admin's, and django-oauth-toolkit with its defaults where they matter
to the exchange: confidential clients with hashed secrets, PKCE required, refresh tokens
rotated (ROTATE_REFRESH_TOKEN) with no grace period, so a used one is refused at once.
"""

import os

# oauthlib refuses plain http unless told otherwise; everything here is on 127.0.0.1.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

SECRET_KEY = "interop-test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "interop_site.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("INTEROP_DB", "interop.sqlite3"),
        # A throwaway database: no waiting for the disk (the migrations take seconds otherwise).
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"},
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]

# Client secrets are stored hashed (django-oauth-toolkit's default); the default hasher's
# PBKDF2 takes most of a second per client authentication, which a test does not need.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read", "write": "Write"},
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "ALLOWED_SCHEMES": ["http", "https"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
