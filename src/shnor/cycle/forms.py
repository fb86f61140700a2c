"""Forms of the management cycle's pages (labels in Russian; every control labelled)."""

from __future__ import annotations

from typing import Any

from django import forms

from shnor.cycle.models import Measure
from shnor.lib.forms import choice
from shnor.lib.widgets import FastSelect
from shnor.records.models import Decision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalsForm(forms.Form):
    goal = forms.CharField(label="Цель (каждая с новой строки)", widget=forms.Textarea(attrs={"rows": 3}))
    tasks = forms.CharField(label="Задачи (каждая с новой строки)", widget=forms.Textarea(attrs={"rows": 8}))


class ConclusionForm(forms.Form):
    direction = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(label="Выводы", widget=forms.Textarea(attrs={"rows": 5}))


class DraftForm(forms.Form):
    """A select of the usual addressees, grouped by kind (a value is «kind:id»), or any school of
    the scope by its code."""

    target = forms.ChoiceField(label="Адресат", required=False, widget=FastSelect)
    code = forms.CharField(
        label="или код ОО",
        required=False,
        max_length=64,
        help_text=(
            "Любая школа в вашей зоне ответственности; школы перечня длиннее 300 — только по коду; "
            "если кураторов больше 300, рекомендации куратору готовятся с его карточки."
        ),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, list[tuple[str, str]]]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice(self, "target").choices = [("", "—"), *(targets or [])]


class RecommendationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Заголовок", max_length=500)
    findings = forms.CharField(
        label="Что выявлено (пункт — строка)", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    text = forms.CharField(label="Рекомендации (пункт — строка)", widget=forms.Textarea(attrs={"rows": 8}))
    due = forms.DateField(label="Срок отчёта об исполнении", required=False, widget=DATE)


class ReportForm(forms.Form):
    text = forms.CharField(label="Что сделано по рекомендациям", widget=forms.Textarea(attrs={"rows": 5}))


class MeasureForm(forms.Form):
    title = forms.CharField(label="Мера, мероприятие", max_length=500)
    direction = forms.ChoiceField(label="Направление", choices=Measure.Direction.choices)
    responsible = forms.CharField(label="Ответственный", max_length=300)
    start = forms.DateField(label="Начало", widget=DATE)
    end = forms.DateField(label="Окончание", widget=DATE)
    schools = forms.CharField(label="Коды школ через запятую (необязательно)", required=False)


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=Measure.Status.choices)
    result = forms.CharField(label="Результат", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label="Вид решения", choices=Decision.Kind.choices)
    document_kind = forms.ChoiceField(
        label="Вид документа", choices=[("order", "приказ"), ("disposition", "распоряжение"), ("protocol", "протокол")]
    )
    number = forms.CharField(label="Номер документа", max_length=50)
    date = forms.DateField(label="Дата документа", widget=DATE)
    title = forms.CharField(label="Содержание (заголовок документа)", max_length=500)
    basis = forms.CharField(
        label="Основание (анализ, который привёл к решению)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    items = forms.CharField(label="Пункты решения (каждый с новой строки)", widget=forms.Textarea(attrs={"rows": 5}))
    schools = forms.CharField(label="Коды школ через запятую (необязательно)", required=False)
    measures = forms.MultipleChoiceField(label="Меры, которых касается решение", required=False)
    recommendations = forms.MultipleChoiceField(label="По рекомендациям", required=False)
    conclusion = forms.ChoiceField(label="Анализ, на основании которого принято решение", required=False)
    due = forms.DateField(label="Срок исполнения", required=False, widget=DATE)
    signatory = forms.CharField(label="Подписывает (должность, инициалы, фамилия)", required=False, max_length=300)

    def __init__(
        self, *args: Any, measures: Any = (), recommendations: Any = (), conclusions: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        analysis = [("", "—")] + [(c.pk, _conclusion_label(c)) for c in conclusions]
        choice(self, "conclusion").choices = analysis
        choice(self, "measures").choices = [(m.pk, str(m)) for m in measures]
        choice(self, "recommendations").choices = [(r.pk, str(r)) for r in recommendations]


def _conclusion_label(c: Any) -> str:
    where = f" ({c.municipality.name})" if c.municipality else ""
    return f"{c.get_direction_display()}{where}: {c.text[:80]}"


class ExecutionForm(forms.Form):
    executed_at = forms.DateField(label="Дата исполнения", widget=DATE)
    execution = forms.CharField(label="Сведения об исполнении", widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(forms.Form):
    number = forms.CharField(label="Номер протокола", max_length=50)
    date = forms.DateField(label="Дата заседания", widget=DATE)
    chair = forms.CharField(label="Руководитель рабочей группы", max_length=300)
    secretary = forms.CharField(label="Секретарь рабочей группы", max_length=300)
    body = forms.CharField(label="Рабочая группа (по умолчанию — региональная)", required=False, max_length=500)


ITEMS = 3


def agenda_fields(form: forms.Form) -> None:
    for i in range(1, ITEMS + 1):
        required = i == 1
        form.fields[f"title_{i}"] = forms.CharField(label=f"Вопрос {i}", required=required, max_length=500)
        form.fields[f"heard_{i}"] = forms.CharField(
            label=f"Вопрос {i}: слушали", required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        form.fields[f"resolved_{i}"] = forms.CharField(
            label=f"Вопрос {i}: постановили", required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        for key, label in (("for", "за"), ("against", "против"), ("abstained", "воздержались")):
            form.fields[f"votes_{key}_{i}"] = forms.IntegerField(
                label=f"Вопрос {i}: «{label}»", min_value=0, initial=0, required=False
            )


class FullMeetingForm(MeetingForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agenda_fields(self)

    def items(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "title": data.get(f"title_{i}") or "",
                "heard": data.get(f"heard_{i}") or "",
                "resolved": data.get(f"resolved_{i}") or "",
                "votes_for": data.get(f"votes_for_{i}") or 0,
                "votes_against": data.get(f"votes_against_{i}") or 0,
                "votes_abstained": data.get(f"votes_abstained_{i}") or 0,
            }
            for i in range(1, ITEMS + 1)
        ]
