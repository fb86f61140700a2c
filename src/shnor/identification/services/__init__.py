"""The identification's use cases (docs/guide/identification.md), one module per stage: a run and its
worker, the inputs it fingerprints, its saved results and their reading, the export, the review of
objectivity signs, the list and its approval, sensitivity and comparison of runs."""

from __future__ import annotations

from shnor.identification.services.approval import (
    approve,
    approved_for_year,
    change_list,
    final_list,
    list_group,
    listed_q,
    listed_rows,
    note_data,
)
from shnor.identification.services.common import (
    ENGINES,
    IdentificationRefused,
    Progress,
    store,
)
from shnor.identification.services.export import (
    COLUMN_TITLES,
    export_csv,
    export_xlsx,
    output_rows,
)
from shnor.identification.services.inputs import (
    INPUT_TITLES,
    input_changes,
)
from shnor.identification.services.parameters import (
    Parameter,
    changed_since_previous,
    journal_changes,
    of_run,
    parameters,
)
from shnor.identification.services.results import (
    BOOL_FIELDS,
    FLOAT_FIELDS,
    INT_FIELDS,
    TEXT_FIELDS,
    categories,
    filter_results,
    get_run,
    latest_run,
    place,
    results_for,
    runs,
    scatter,
)
from shnor.identification.services.run import (
    execute,
    gather,
    recover,
    start,
    unfit_message,
)
from shnor.identification.services.sensitivity import (
    Comparison,
    SensitivityRow,
    compare,
    sensitivity,
)
from shnor.identification.services.signs import (
    Evidence,
    evidence,
    review_sign,
    sign_to_review,
)

__all__ = [
    "BOOL_FIELDS",
    "COLUMN_TITLES",
    "Comparison",
    "ENGINES",
    "Evidence",
    "FLOAT_FIELDS",
    "INPUT_TITLES",
    "INT_FIELDS",
    "IdentificationRefused",
    "Parameter",
    "changed_since_previous",
    "journal_changes",
    "of_run",
    "parameters",
    "place",
    "Progress",
    "SensitivityRow",
    "TEXT_FIELDS",
    "approve",
    "approved_for_year",
    "categories",
    "change_list",
    "compare",
    "evidence",
    "execute",
    "export_csv",
    "export_xlsx",
    "filter_results",
    "final_list",
    "listed_q",
    "listed_rows",
    "list_group",
    "gather",
    "get_run",
    "input_changes",
    "latest_run",
    "note_data",
    "output_rows",
    "recover",
    "results_for",
    "review_sign",
    "runs",
    "scatter",
    "sensitivity",
    "sign_to_review",
    "start",
    "store",
    "unfit_message",
]
