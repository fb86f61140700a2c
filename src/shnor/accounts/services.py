"""Use cases of accounts: permission checks shared by web, API and CLI."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction

from shnor.accounts.actor import Actor
from shnor.accounts.models import ApiToken, Notification, User
from shnor.accounts.roles import Perm, Role

log = logging.getLogger("shnor")


class SystemUser:
    """Who acts in the command line: whoever can run `shnor` on the server holds the data folder
    itself, so every permission is theirs; the audit journal records the command and OS user."""

    is_authenticated = True
    is_active = True
    pk = None
    role = "operator"  # the region-wide scope (shnor.accounts.scoping)
    municipality_id: int | None = None
    school_id: int | None = None
    staff_key = ""

    def __init__(self, label: str) -> None:
        self.label = label

    def has_shnor_perm(self, perm: Perm) -> bool:
        return True

    def get_username(self) -> str:
        return self.label


def account(user: Actor) -> Any:
    """The user's own row for a `created_by` or `approved_by`; None for the command line's SystemUser."""
    return user if getattr(user, "pk", None) else None


def require(user: Actor, perm: Perm) -> None:
    """Raise PermissionDenied unless `user` holds `perm`."""
    if not getattr(user, "is_authenticated", False) or not user.has_shnor_perm(perm):
        raise PermissionDenied("Недостаточно прав для этого действия.")


@transaction.atomic
def create_user(
    username: str,
    password: str,
    role: Role,
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    municipality_id: int | None = None,
    school_id: int | None = None,
    staff_key: str = "",
    assigned_school_ids: list[int] | None = None,
    validate_password: bool = True,
) -> User:
    """Create an account bound to its scope; the operator also gets the admin site."""
    from django.contrib.auth.password_validation import validate_password as check

    user = User(
        username=username,
        role=role.value,
        first_name=first_name,
        last_name=last_name,
        email=email,
        municipality_id=municipality_id,
        school_id=school_id,
        staff_key=staff_key,
        is_staff=role == Role.OPERATOR,
        is_superuser=role == Role.OPERATOR,
    )
    user.full_clean(exclude=["password"])
    if validate_password:
        check(password, user)
    user.set_password(password)
    user.save()
    if assigned_school_ids:
        user.assigned_schools.set(assigned_school_ids)
    return user


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token (its key is shown once and kept only as a hash); the journal tells who and when."""
    from shnor.audit.tracking import record

    owner = User.objects.get(pk=user.pk)  # request.user is a lazy object: the journal needs the row
    with transaction.atomic():
        token, key = ApiToken.issue(owner, name)
        record(owner, "update", {"токен API выпущен": [None, name]})
    return token, key


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; the journal entry is written by the deletion itself (so a
    deletion in the admin site is journalled too). False when the user has no such token."""
    token = ApiToken.objects.filter(user_id=user.pk, pk=token_id).first()
    if token is None:
        return False
    token.delete()
    return True


def _token_deleted(sender: Any, instance: ApiToken, **_: Any) -> None:
    from shnor.audit.tracking import record

    owner = User.objects.filter(pk=instance.user_id).first()
    if owner is not None:
        record(owner, "update", {"токен API отозван": [instance.name, None]})


def _user_changing(sender: Any, instance: User, raw: bool = False, **_: Any) -> None:
    """A changed password or a deactivated account ends the account's API tokens: a token must not
    outlive the trust it was issued under."""
    if raw or instance.pk is None:
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        vars(instance)["_revoke_tokens"] = True  # carried to post_save on the instance itself


def _user_changed(sender: Any, instance: User, raw: bool = False, **_: Any) -> None:
    if getattr(instance, "_revoke_tokens", False):
        vars(instance)["_revoke_tokens"] = False
        for token in ApiToken.objects.filter(user_id=instance.pk):
            token.delete()  # each journalled by _token_deleted


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    post_delete.connect(_token_deleted, sender=ApiToken, dispatch_uid="shnor-token-deleted")
    pre_save.connect(_user_changing, sender=User, dispatch_uid="shnor-user-changing")
    post_save.connect(_user_changed, sender=User, dispatch_uid="shnor-user-changed")


def notify(users: Any, text: str, url: str = "") -> int:
    """Leave `text` for each active user (once per user), and send it by e-mail where an SMTP server
    is configured and the user has an address. Returns how many were notified."""
    seen: dict[int, Any] = {}
    for user in users:
        if getattr(user, "pk", None) and user.is_active:
            seen.setdefault(user.pk, user)
    Notification.objects.bulk_create([Notification(user=u, text=text[:1000], url=url) for u in seen.values()])
    if settings.EMAIL_HOST:
        link = f"\n\n{settings.SHNOR_BASE_URL.rstrip('/')}{url}" if url and settings.SHNOR_BASE_URL else ""
        for user in seen.values():
            if user.email:
                try:
                    send_mail("shnor: уведомление", text + link, None, [user.email])
                except OSError as error:  # the message stays in the system; mail is only a copy
                    log.warning("Письмо для %s не отправлено: %s", user.email, error)
    return len(seen)


def unread(user: Actor) -> int:
    if user.pk is None:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
