"""What a school enters by hand when it has no file: staff, diagnostics, courses."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Role
from shnor.core.contract import FULL_NAME_VALUE, SNILS_VALUE
from shnor.registry.models import School
from shnor.staff.models import Course, Diagnostic, StaffMember, Teacher
from shnor.staff.services.common import TeacherError, can_approve, role_of, rules


@transaction.atomic
def add_staff(
    user: Actor,
    school: School,
    staff_key: str,
    *,
    position: str,
    subjects: str = "",
    experience_years: int | None = None,
    category: str = "",
    age: int | None = None,
) -> StaffMember:
    """A teacher joins a school, as a `staff` row would bring them: the school's head or the
    operator; the teacher is known by a pseudonymous code only, never a name or a SNILS."""
    head = role_of(user) == Role.SCHOOL and user.school_id == school.pk
    if not (head or role_of(user) == Role.OPERATOR):
        raise PermissionDenied("Педагога вносит руководитель его школы или оператор.")
    key = staff_key.strip()
    if not key or len(key) > 64 or SNILS_VALUE.match(key) or FULL_NAME_VALUE.match(key):
        raise TeacherError(f"Код педагога «{key}»: нужен псевдоним до 64 символов, не ФИО и не СНИЛС.")
    if not position.strip():
        raise TeacherError("Укажите должность.")
    if category and category not in StaffMember.Category.values:
        raise TeacherError(f"Неизвестная квалификационная категория «{category}».")
    teacher, _ = Teacher.objects.get_or_create(staff_key=key)
    member = StaffMember.objects.filter(teacher=teacher, school=school).first()
    if member is not None and member.is_active:
        raise TeacherError(f"Педагог {key} уже работает в школе «{school}».")
    elsewhere = StaffMember.objects.filter(teacher=teacher).exclude(school=school)
    if elsewhere.exists():
        # A code is one person: a school that names another school's teacher would take over that
        # teacher's diagnostics, courses and route. Moving a teacher is the region's act.
        if role_of(user) != Role.OPERATOR:
            raise TeacherError(
                f"Код педагога «{key}» принадлежит педагогу другой школы. Перевод педагога между школами "
                "оформляет региональный оператор; для нового педагога выберите другой код."
            )
        for other in elsewhere.filter(is_active=True):
            other.is_active = False
            other.save()  # journalled: the teacher leaves the other school
        from shnor.audit.tracking import record

        record(teacher, "update", {"перевод педагога": [None, str(school)]})
    member = member or StaffMember(teacher=teacher, school=school)
    member.position, member.subjects, member.category = position.strip(), subjects.strip(), category
    member.experience_years, member.age, member.is_active = experience_years, age, True
    member.save()
    return member


@transaction.atomic
def record_diagnostics(user: Actor, teacher: Teacher, year: int, scores: dict[str, tuple[float, float]]) -> int:
    """One diagnostic's results entered by hand, as the import would write them: the head of the
    teacher's school or the operator; an area entered again for the year is replaced."""
    if not can_approve(user, teacher):
        raise PermissionDenied("Результаты диагностики вносит руководитель школы педагога или оператор.")
    if not 2000 <= year <= timezone.localdate().year:
        raise TeacherError(f"Год диагностики {year}: допустимы годы с 2000 по текущий.")
    if not scores:
        raise TeacherError("Укажите балл хотя бы по одной области.")
    areas = rules().areas
    for area, (score, top) in scores.items():
        if area not in areas:
            raise TeacherError(f"Неизвестная область диагностики «{area}»; допустимы: {', '.join(areas)}.")
        if not (top > 0 and 0 <= score <= top):
            raise TeacherError(
                f"{areas[area]}: балл {score:g} должен быть от 0 до максимального, максимальный {top:g} — больше 0."
            )
    for area, (score, top) in scores.items():
        Diagnostic.objects.update_or_create(
            teacher=teacher, year=year, area=area, defaults={"score": score, "max_score": top}
        )
    return len(scores)


@transaction.atomic
def record_course(
    user: Actor,
    teacher: Teacher,
    *,
    title: str,
    hours: int,
    start: dt.date,
    end: dt.date,
    provider: str = "",
    topic: str = "",
) -> Course:
    """Completed training entered by hand (the head of the teacher's school or the operator)."""
    if not can_approve(user, teacher):
        raise PermissionDenied("Пройденное повышение квалификации вносит руководитель школы педагога или оператор.")
    title = title.strip()
    if not title or hours < 1:
        raise TeacherError("Укажите программу и число часов (не меньше 1).")
    if end < start:
        raise TeacherError(f"Окончание {end:%d.%m.%Y} раньше начала {start:%d.%m.%Y}.")
    if end > timezone.localdate():
        raise TeacherError(f"Окончание {end:%d.%m.%Y} ещё не наступило: вносят пройденное обучение.")
    if Course.objects.filter(teacher=teacher, title=title, start=start).exists():
        raise TeacherError(f"Курс «{title}» с началом {start:%d.%m.%Y} уже внесён.")
    return Course.objects.create(
        teacher=teacher, title=title, provider=provider.strip(), hours=hours, start=start, end=end, topic=topic.strip()
    )
