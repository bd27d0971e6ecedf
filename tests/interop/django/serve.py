"""Starts the interop provider on a free loopback port, ready for one test run.

It creates the database (in INTEROP_DB's directory), a user, a signed-in session for that
user, and one confidential client from the environment (INTEROP_CLIENT_ID,
INTEROP_CLIENT_SECRET, INTEROP_REDIRECT_URI), with skip_authorization so that the
authorization endpoint answers a signed-in GET with a code at once. Then it prints one JSON
line to stdout, {"url": ..., "session_cookie": "sessionid=..."}, and serves until killed.
"""

import json
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interop_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


class LogToStderr(WSGIRequestHandler):
    """One line per request on stderr (stdout carries the ready line only)."""

    def log_message(self, format, *args):
        sys.stderr.write("interop-django: " + (format % args) + "\n")


def main():
    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user("interop-user")
    Application.objects.create(
        name="oauth-prefab exchange interop",
        user=user,
        client_id=os.environ["INTEROP_CLIENT_ID"],
        client_secret=os.environ["INTEROP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["INTEROP_REDIRECT_URI"],
        skip_authorization=True,
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=LogToStderr)
    ready = {
        "url": f"http://127.0.0.1:{server.server_port}",
        "session_cookie": f"sessionid={session.session_key}",
    }
    print(json.dumps(ready), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
