"""Forms of the support pages."""

from __future__ import annotations

from typing import Any

from django import forms

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict
from shnor.core.support import MARKED
from shnor.lib.forms import model_choice
from shnor.lib.widgets import FastSelect
from shnor.registry.models import Municipality, Person, School
from shnor.support.models import Consultation, Curator, Event, Pairing, Practice, Rule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CuratorForm(forms.Form):
    status = forms.ChoiceField(label="Решение", choices=Curator.Status.choices)
    strong_head = forms.BooleanField(label="Высокий уровень профессиональных компетенций руководителя", required=False)
    motivated_head = forms.BooleanField(label="Высокая мотивация руководителя к участию в проекте", required=False)
    capacity = forms.IntegerField(label="Сколько школ может сопровождать", min_value=1, max_value=20)
    extra_strengths = forms.CharField(
        label="Сильные стороны (коды факторов или предметы, через запятую)", required=False
    )
    note = forms.CharField(label="Примечание", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @staticmethod
    def initial_for(curator: Curator) -> dict[str, Any]:
        return {
            "status": curator.status,
            **{m: bool(curator.met.get(m)) for m in MARKED},
            "capacity": curator.capacity,
            "extra_strengths": ", ".join(curator.extra_strengths),
            "note": curator.note,
        }


class TutorForm(forms.Form):
    """An individual tutor or consultant joins the pool (people are added under «Участники»)."""

    person = forms.ModelChoiceField(label="Тьютор (из участников)", queryset=Person.objects.none())
    municipality = forms.ModelChoiceField(
        label="Муниципалитет", queryset=Municipality.objects.none(), widget=FastSelect
    )
    capacity = forms.IntegerField(label="Сколько школ может сопровождать", min_value=1, max_value=20, initial=3)
    strengths = forms.CharField(label="Сильные стороны (коды факторов или предметы, через запятую)", required=False)
    account = forms.ModelChoiceField(
        label="Учётная запись с ролью «Куратор» (необязательно)", queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "person").queryset = restrict(Person.objects.all(), user).order_by("full_name")
        model_choice(self, "municipality").queryset = restrict(Municipality.objects.all(), user).order_by("name")
        model_choice(self, "account").queryset = User.objects.filter(
            role=Role.CURATOR, is_active=True, school__isnull=True
        ).order_by("username")

    def strengths_list(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data["strengths"].split(",") if s.strip()]


class RuleForm(forms.Form):
    school = forms.ModelChoiceField(label="Школа из списка", queryset=School.objects.none(), widget=FastSelect)
    curator = forms.ModelChoiceField(label="Куратор", queryset=Curator.objects.none(), widget=FastSelect)
    kind = forms.ChoiceField(label="Правило", choices=[*Rule.Kind.choices, ("", "снять правило")], required=False)
    note = forms.CharField(label="Основание", required=False)

    def __init__(self, *args: Any, schools: Any, curators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "school").queryset = schools
        model_choice(self, "curator").queryset = curators


class ConsultationForm(forms.ModelForm[Consultation]):
    class Meta:
        model = Consultation
        fields = ["date", "form", "topic", "participants", "hours", "materials", "file"]
        widgets = {"date": DATE, "materials": forms.Textarea(attrs={"rows": 2})}


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Оценка", coerce=int, choices=[(5, "5 — отлично"), (4, "4"), (3, "3"), (2, "2"), (1, "1 — плохо")]
    )
    useful = forms.BooleanField(label="Полезно для работы школы", required=False, initial=True)
    comment = forms.CharField(label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AgreementForm(forms.Form):
    number = forms.CharField(label="Номер", max_length=50)
    date = forms.DateField(label="Дата", widget=DATE)
    start = forms.DateField(label="Действует с", widget=DATE)
    end = forms.DateField(label="Действует по", widget=DATE)
    subject = forms.CharField(
        label="Предмет (пусто — типовой)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PairForm(forms.Form):
    form = forms.ChoiceField(label="Форма", choices=Pairing.Form.choices)


class EventForm(forms.ModelForm[Event]):
    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "level",
            "date",
            "audience",
            "participants",
            "materials",
            "url",
            "municipality",
            "organiser",
        ]
        widgets = {"date": DATE, "materials": forms.Textarea(attrs={"rows": 2})}

    url = forms.URLField(label="Ссылка на материалы", required=False, assume_scheme="https")

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "municipality").queryset = restrict(Municipality.objects.all(), user).order_by("name")
        model_choice(self, "organiser").queryset = restrict(School.objects.filter(is_active=True), user).order_by(
            "name"
        )


class PracticeForm(forms.ModelForm[Practice]):
    url = forms.URLField(label="Материалы (ссылка)", required=False, assume_scheme="https")
    factors_text = forms.CharField(label="Факторы риска (коды через запятую, например R06, R09)", required=False)

    class Meta:
        model = Practice
        fields = ["title", "school", "summary", "description", "url"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2}), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "school").queryset = restrict(School.objects.filter(is_active=True), user).order_by("name")

    def factors(self) -> list[str]:
        return sorted({f.strip().upper() for f in self.cleaned_data.get("factors_text", "").split(",") if f.strip()})
