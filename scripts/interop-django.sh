#!/usr/bin/env bash
# Creates the Python environment of the django-oauth-toolkit interop test (tests/interop/django/)
# in .cache/django-venv, skipping whatever is already installed. Safe to run any number of times.
# Packages come from PyPI through pip; the versions are pinned in tests/interop/django/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'interop-django: %s\n' "$*"; }
venv=.cache/django-venv
requirements=tests/interop/django/requirements.txt

python=$(command -v python3 || true)
if [ -z "$python" ]; then
  say "python3 is not installed: the django-oauth-toolkit interop test will be skipped"
  exit 1
fi

if [ -x "$venv/bin/python" ]; then
  say "venv $venv: present"
else
  say "creating venv $venv"
  "$python" -m venv "$venv"
fi

# pip's own check is slow-ish even when all is there, so compare against a stamp of the requirements.
stamp="$venv/.requirements.installed"
if [ -f "$stamp" ] && cmp -s "$stamp" "$requirements"; then
  say "django and django-oauth-toolkit: present ($("$venv/bin/python" -c 'import django, oauth2_provider; print("django", django.__version__, "+ django-oauth-toolkit", oauth2_provider.__version__)'))"
else
  say "installing $(tr '\n' ' ' < "$requirements")"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi
