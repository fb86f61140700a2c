"""Forms of the teachers' pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from shnor.lib.forms import choice, model_choice
from shnor.staff import services
from shnor.staff.models import Course, Offer, StaffMember

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfferForm(forms.ModelForm[Offer]):
    areas = forms.MultipleChoiceField(label="Области дефицитов", widget=forms.CheckboxSelectMultiple)
    url = forms.URLField(label="Ссылка", required=False, assume_scheme="https")

    class Meta:
        model = Offer
        fields = ["kind", "title", "provider", "hours", "topic", "areas", "url"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "areas").choices = list(services.rules().areas.items())


class DiagnosticForm(forms.Form):
    """One diagnostic: the year, then a score and a maximum per area of the preset (empty = not assessed)."""

    year = forms.IntegerField(label="Год диагностики", min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = dt.date.today().year
        for code, title in services.rules().areas.items():
            self.fields[f"score_{code}"] = forms.FloatField(label=f"{title}: балл", required=False, min_value=0)
            self.fields[f"max_{code}"] = forms.FloatField(label=f"{title}: максимум", required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code, title in services.rules().areas.items():
            score, top = data.get(f"score_{code}"), data.get(f"max_{code}")
            if (score is None) != (top is None):
                self.add_error(
                    f"max_{code}" if top is None else f"score_{code}", f"{title}: укажите и балл, и максимум."
                )
        return data

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [(title, self[f"score_{code}"], self[f"max_{code}"]) for code, title in services.rules().areas.items()]

    def scores(self) -> dict[str, tuple[float, float]]:
        d = self.cleaned_data
        return {
            code: (d[f"score_{code}"], d[f"max_{code}"])
            for code in services.rules().areas
            if d.get(f"score_{code}") is not None and d.get(f"max_{code}") is not None
        }


class CourseForm(forms.ModelForm[Course]):
    class Meta:
        model = Course
        fields = ["title", "provider", "hours", "start", "end", "topic"]
        widgets = {"start": DATE, "end": DATE}


class ItemForm(forms.Form):
    offer = forms.ModelChoiceField(label="Программа каталога", queryset=Offer.objects.none(), required=False)
    title = forms.CharField(label="Или мероприятие (описание)", required=False, max_length=500)
    hours = forms.IntegerField(label="Часов", required=False, min_value=0)
    due = forms.DateField(label="Срок", widget=DATE)

    def __init__(self, *args: Any, offers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "offer").queryset = offers


class StaffForm(forms.ModelForm[StaffMember]):
    staff_key = forms.CharField(
        label="Код педагога (псевдоним, не ФИО и не СНИЛС)", max_length=64, help_text="например, T01001-007"
    )

    class Meta:
        model = StaffMember
        fields = ["position", "subjects", "experience_years", "category", "age"]
