"""Test settings: a throwaway data folder, a fast password hasher, tasks run inline."""

import os
import tempfile

os.environ.setdefault("SHNOR_DATA_DIR", tempfile.mkdtemp(prefix="shnor-test-"))
# Pages wait for figures recomputed after a change (the tests of earlier figures set their own wait).
os.environ.setdefault("SHNOR_FRESH_WAIT_SECONDS", "120")
os.environ.setdefault("SHNOR_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from shnor.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
