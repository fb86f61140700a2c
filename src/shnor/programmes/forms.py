"""Forms of the programme pages."""

from __future__ import annotations

from typing import Any

from django import forms

from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict
from shnor.core.programmes import BINDING_PATTERN, BINDINGS
from shnor.lib.forms import choice, model_choice
from shnor.programmes.models import Activity, Indicator, Programme
from shnor.registry.models import Municipality, School

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CreateForm(forms.Form):
    template = forms.ChoiceField(label="Шаблон")
    school = forms.ModelChoiceField(label="Школа", queryset=School.objects.none(), required=False)
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=Municipality.objects.none(), required=False)
    start = forms.DateField(label="Начало", widget=DATE)

    def __init__(self, *args: Any, user: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "template").choices = choices
        schools = restrict(School.objects.filter(is_active=True), user).order_by("name")
        model_choice(self, "school").queryset = schools
        model_choice(self, "municipality").queryset = restrict(Municipality.objects.all(), user).order_by("name")
        # Ask by the role what it can choose: a school chooses among its own and its branches (nothing
        # to ask without branches), a municipal coordinator writes its municipality's programme; the
        # region's roles choose either, whatever their account names.
        if user.role == Role.SCHOOL:
            del self.fields["municipality"]
            if schools.count() < 2:
                del self.fields["school"]
        elif user.role == Role.MUNICIPAL_COORDINATOR:
            del self.fields["school"], self.fields["municipality"]


class ProgrammeForm(forms.ModelForm[Programme]):
    class Meta:
        model = Programme
        fields = ["title", "goal", "tasks", "start", "end", "source"]
        widgets = {
            "start": DATE,
            "end": DATE,
            "goal": forms.Textarea(attrs={"rows": 3}),
            "tasks": forms.Textarea(attrs={"rows": 5}),
        }

    # The revision the page was opened with (see Programme.revision).
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["revision"].initial = self.instance.revision

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Окончание раньше начала.")
        return data


class IndicatorForm(forms.ModelForm[Indicator]):
    class Meta:
        model = Indicator
        fields = ["title", "unit", "baseline", "target", "direction", "binding", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("binding") or ""
        options = binding_choices()
        if current and current not in dict(options):  # a parameter of a risk, bound in an earlier version
            options.append((current, f"параметр риска {current.removeprefix('param:')}"))
        self.fields["binding"].widget = forms.Select(choices=options)
        self.fields["binding"].help_text = "Фактическое значение показателя будет обновляться само из расчётов системы."

    def clean_binding(self) -> str:
        value: str = (self.cleaned_data.get("binding") or "").strip()
        if value and not BINDING_PATTERN.match(value):
            raise forms.ValidationError(f"Неизвестная привязка «{value}»: выберите её из списка.")
        return value


def binding_choices() -> list[tuple[str, str]]:
    """What an indicator of a programme can be bound to, in words: the school's figures of the
    identification, its risk profile, the programme's own progress, and each risk of the catalogue."""
    from shnor.risks.services.profiles import catalogue

    own = [("", "не привязан (фактическое значение вносится вручную)")]
    figures = [(code, title[0].upper() + title[1:]) for code, title in BINDINGS.items()]
    risks = [(f"risk:{f.code}", f"Уровень риска {f.code} «{f.title}»") for f in catalogue().factors]
    return own + figures + risks


class LabelledRows(forms.BaseInlineFormSet[Any, Any, Any]):
    """A formset shown as a table: the column heading is not a label, so every control of a row
    carries its own name for screen readers («Наименование, строка 2»)."""

    def add_fields(self, form: forms.ModelForm[Any], index: int | None) -> None:
        super().add_fields(form, index)
        row = "новая строка" if index is None else f"строка {index + 1}"
        for field in form.fields.values():
            field.widget.attrs.setdefault("aria-label", f"{field.label}, {row}")


IndicatorFormSet = forms.inlineformset_factory(
    Programme,
    Indicator,
    form=IndicatorForm,
    formset=LabelledRows,
    extra=1,
    can_delete=True,
)

ActivityFormSet = forms.inlineformset_factory(
    Programme,
    Activity,
    fields=["phase", "position", "title", "responsible", "starts", "deadline", "result"],
    widgets={"starts": DATE, "deadline": DATE},
    formset=LabelledRows,
    extra=2,
    can_delete=True,
)


class ActivityStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Состояние", choices=[(v, t) for v, t in Activity.Status.choices if v != Activity.Status.OVERDUE]
    )
    note = forms.CharField(label="Комментарий", required=False, max_length=2000)


class EvidenceForm(forms.Form):
    title = forms.CharField(label="Описание", max_length=300)
    file = forms.FileField(label="Файл", required=False)
    link = forms.URLField(label="Ссылка", required=False, assume_scheme="https")


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("submit", "take", "return", "approve", "enforce")])
    comment = forms.CharField(label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ExitForm(forms.Form):
    number = forms.CharField(label="Номер приказа", max_length=50)
    date = forms.DateField(label="Дата приказа", widget=DATE)
    basis = forms.CharField(label="Основание", required=False, widget=forms.Textarea(attrs={"rows": 2}))
