"""Forms of the upload pages (labels and messages in Russian)."""

from __future__ import annotations

from typing import Any

from django import forms

from shnor.core.contract import TABLES
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.ingest.sources import ENCODINGS, ReadOptions

KINDS = [(name, t.title) for name, t in TABLES.items()]


SEPARATORS = [
    ("", "определить по данным"),
    (";", "точка с запятой «;»"),
    (",", "запятая «,»"),
    ("tab", "табуляция"),
    ("|", "вертикальная черта «|»"),
]
ENCODING_CHOICES = [("", "определить по данным"), *[(k, v) for k, v in ENCODINGS.items() if k != "utf-8-sig"]]


class ReadOptionsForm(forms.Form):
    """How to read a file, where detection is not to be trusted: every field may stay «определить»."""

    sep = forms.ChoiceField(label="Разделитель CSV", choices=SEPARATORS, required=False)
    encoding = forms.ChoiceField(label="Кодировка CSV", choices=ENCODING_CHOICES, required=False)
    header_row = forms.IntegerField(
        label="Строка заголовка",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Номер строки, в которой названия столбцов; пусто — найти по названиям.",
    )
    sheet = forms.CharField(label="Лист книги", required=False, max_length=100, help_text="Пусто — найти по заголовку.")

    def options(self) -> ReadOptions:
        data = self.cleaned_data
        return ReadOptions(
            delimiter=data.get("sep") or None,
            encoding=data.get("encoding") or None,
            header_row=data.get("header_row"),
            sheet=(data.get("sheet") or "").strip() or None,
        )


class UploadForm(ReadOptionsForm):
    kind = forms.ChoiceField(label="Таблица", choices=KINDS)
    file = forms.FileField(
        label="Файл XLSX или CSV",
        help_text="CSV в UTF-8 или Windows-1251 с любым разделителем; заголовок может быть не в первой строке.",
    )
    field_order = ["kind", "file", "mapping", "year", "sep", "encoding", "header_row", "sheet"]
    mapping = forms.ModelChoiceField(
        label="Сопоставление столбцов",
        queryset=ColumnMapping.objects.none(),
        required=False,
        empty_label="по названиям столбцов, как в шаблоне таблицы",
    )
    year = forms.IntegerField(
        label="Год", required=False, min_value=1990, max_value=2100, help_text="Если в файле нет столбца «Год»."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = self.fields["mapping"]
        assert isinstance(mapping, forms.ModelChoiceField)
        mapping.queryset = ColumnMapping.objects.all()


class ImportFilter(forms.Form):
    kind = forms.ChoiceField(label="Таблица", choices=[("", "все"), *KINDS], required=False)
    status = forms.ChoiceField(label="Состояние", choices=[("", "все"), *ImportRun.Status.choices], required=False)


class MappingForm(forms.Form):
    """One field per contract column: which file column it comes from, or one value for all rows."""

    name = forms.SlugField(
        label="Название сопоставления",
        max_length=100,
        allow_unicode=True,
        help_text="По нему сопоставление выбирается при следующих загрузках и в командной строке (--mapping).",
    )
    title = forms.CharField(label="Описание", max_length=300, required=False)

    def __init__(
        self, *args: Any, kind: str, headers: list[str], initial_spec: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        spec = initial_spec or {}
        choices = [("", "— нет в файле —"), *[(h, h) for h in headers if h]]
        for column in TABLES[kind].columns:
            self.fields[f"col_{column.name}"] = forms.ChoiceField(
                label=f"{column.ru} ({column.name})",
                choices=choices,
                required=False,
                initial=spec.get("columns", {}).get(column.name, ""),
            )
            self.fields[f"const_{column.name}"] = forms.CharField(
                label=f"или значение для всех строк: {column.ru}",
                required=False,
                max_length=200,
                initial=spec.get("constants", {}).get(column.name, ""),
            )
        if spec:
            self.initial.setdefault("name", spec.get("name", ""))
            self.initial.setdefault("title", spec.get("title", ""))

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(c, self[f"col_{c.name}"], self[f"const_{c.name}"]) for c in TABLES[self.kind].columns]

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        columns = {c.name: data[f"col_{c.name}"] for c in TABLES[self.kind].columns if data.get(f"col_{c.name}")}
        constants = {
            c.name: data[f"const_{c.name}"].strip()
            for c in TABLES[self.kind].columns
            if data.get(f"const_{c.name}", "").strip() and c.name not in columns
        }
        return {
            "name": data["name"],
            "kind": self.kind,
            "title": data.get("title", ""),
            "columns": columns,
            "constants": constants,
        }
