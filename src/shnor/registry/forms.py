"""Forms of the registry pages; saving goes through shnor.registry.services."""

from __future__ import annotations

from typing import Any

from django import forms

from shnor.lib.forms import choice, model_choice
from shnor.lib.widgets import municipality_filter
from shnor.registry.models import InfrastructureBody, Municipality, Person, School


class SchoolFilter(forms.Form):
    q = forms.CharField(label="Поиск по названию или коду", required=False)
    municipality = municipality_filter()
    locality = forms.ChoiceField(label="Тип местности", choices=[("", "все"), *School.Locality.choices], required=False)
    innovation_site = forms.ChoiceField(label="РИП", choices=[("", "все"), ("1", "да"), ("0", "нет")], required=False)
    small = forms.ChoiceField(
        label="Малокомплектные",
        choices=[("", "все"), ("1", "только до 40 обучающихся"), ("0", "кроме них")],
        required=False,
    )

    def __init__(self, *args: Any, municipalities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "municipality").choices = [("", "все"), *municipalities]


class SchoolForm(forms.ModelForm[School]):
    class Meta:
        model = School
        fields = [
            "school_id",
            "name",
            "municipality",
            "locality",
            "enrollment",
            "last_grade",
            "lat",
            "lon",
            "innovation_site",
            "parent",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "parent").queryset = School.objects.filter(parent__isnull=True).select_related(
            "municipality"
        )


class MunicipalityForm(forms.ModelForm[Municipality]):
    class Meta:
        model = Municipality
        fields = ["region", "code", "name", "kind"]


class _ScopedChoices:
    """Offers only the municipalities and schools within the editor's scope."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, municipalities: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["school"].queryset = schools


class BodyForm(_ScopedChoices, forms.ModelForm[InfrastructureBody]):
    url = forms.URLField(label="Адрес в сети", required=False, assume_scheme="https")

    class Meta:
        model = InfrastructureBody
        fields = ["kind", "name", "municipality", "school", "functions", "url", "is_active"]


class PersonForm(_ScopedChoices, forms.ModelForm[Person]):
    class Meta:
        model = Person
        fields = ["full_name", "position", "organization", "municipality", "school", "email", "phone"]
