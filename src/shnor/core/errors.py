"""The one base of every refusal a rule of the domain gives."""

from __future__ import annotations


class DomainRefusal(Exception):
    """A rule says no, with the reason in Russian for the person who asked («Перечень уже
    утверждён», «Год 1800 вне допустимого диапазона»). The API answers every refusal with its
    `status` — 409 Conflict unless a subclass says otherwise — in one handler
    (shnor.api.errors), so a new refusal can never become a 500; the pages show the message."""

    status = 409
