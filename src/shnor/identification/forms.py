from __future__ import annotations

from typing import Any

from django import forms

from shnor.identification.models import SchoolResult
from shnor.lib.forms import choice
from shnor.lib.widgets import municipality_filter

YES_NO = [("", "все"), ("1", "да"), ("0", "нет")]


class StartForm(forms.Form):
    year = forms.IntegerField(label="Отчётный год", min_value=1990, max_value=2100)


class ResultFilter(forms.Form):
    q = forms.CharField(label="Поиск", required=False)
    municipality = municipality_filter()
    cluster = forms.ChoiceField(
        label="Кластер",
        choices=[("", "все"), *SchoolResult.Cluster.choices, ("none", "недостаточно данных")],
        required=False,
    )
    selected = forms.ChoiceField(label="Предложена к отбору", choices=YES_NO, required=False)
    group = forms.ChoiceField(label="Группа", choices=[("", "все"), *SchoolResult.Group.choices], required=False)
    cluster_municipal = forms.ChoiceField(
        label="Кластер в муниципалитете", choices=[("", "все"), *SchoolResult.Cluster.choices], required=False
    )
    objectivity = forms.ChoiceField(label="Признаки необъективности", choices=YES_NO, required=False)
    stable_low = forms.ChoiceField(label="Стабильно низкие", choices=YES_NO, required=False)

    def __init__(
        self,
        *args: Any,
        municipalities: list[tuple[int, str]] | None = None,
        categories: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "municipality").choices = [("", "все"), *(municipalities or [])]
        self.fields["category"] = forms.ChoiceField(
            label="Категория", choices=[("", "все"), *((c, c) for c in categories or [])], required=False
        )


class ReviewForm(forms.Form):
    review = forms.ChoiceField(
        label="Решение", choices=[("", "— выберите —"), ("confirmed", "подтвердить"), ("rejected", "отклонить")]
    )
    note = forms.CharField(label="Комментарий", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ListChangeForm(forms.Form):
    school_id = forms.CharField(label="Код ОО", max_length=64)
    action = forms.ChoiceField(label="Действие", choices=[("add", "включить"), ("remove", "исключить")])
    reason = forms.CharField(label="Основание", widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    number = forms.CharField(label="Номер приказа", max_length=50)
    date = forms.DateField(label="Дата приказа", input_formats=["%d.%m.%Y", "%Y-%m-%d"])
    signatory = forms.CharField(label="Подпись (должность, ФИО)", max_length=300, required=False)
    replaces = forms.CharField(
        label="Причина замены ранее утверждённого перечня этого года",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
