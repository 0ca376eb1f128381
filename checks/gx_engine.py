"""The great-expectations engine (``factcheck check --engine gx``).

Every rule instance whose kind is said as declarative expectations (``checks.expect``) becomes
expectations of one GX suite per frame it checks: value sets for registry names, uniqueness of an
area among (area, wave) pairs, column-pair comparisons for counts beside lists. GX 1.x validates the
frames (as pandas frames, in an ephemeral context) and the unexpected rows it returns go to the rule's
own ``report``, which makes the findings, marked ``engine="gx"``. Rule kinds GX cannot express run on
the default engine, and their findings say so. ``--gx-docs DIR`` builds GX Data Docs there.

great_expectations is imported here only, and this module only for ``--engine gx``: its import alone
takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from .expect import Broken, Checked, Expect
from .model import Finding


class GXUnavailable(Exception):
    """great-expectations is not installed."""


class GX:
    """One ephemeral GX context for a run; validates frames against expectations."""

    def __init__(self, docs: Path | None = None) -> None:
        try:
            import great_expectations as gx
        except ImportError:
            raise GXUnavailable("--engine gx needs great-expectations: pip install 'factcheck[gx]'") from None

        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)  # a CLI run prints its own output only
        self.source = self.context.data_sources.add_pandas(name="factcheck")
        self.docs = docs
        self.count = 0
        if docs is not None:
            docs.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(site_name="factcheck", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs.resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })

    def expectation(self, e: Expect) -> Any:
        from great_expectations.expectations.row_conditions import Column

        x = self.gx.expectations
        common: dict[str, Any] = {"meta": {"factcheck": e.name}}
        if e.where is not None:
            common["row_condition"] = Column(name=e.where[0]) == e.where[1]
        if e.kind == "in_set":
            return x.ExpectColumnValuesToBeInSet(column=e.column, value_set=list(e.values), **common)
        if e.kind == "not_in_set":
            return x.ExpectColumnValuesToNotBeInSet(column=e.column, value_set=list(e.values), **common)
        if e.kind == "unique":
            return x.ExpectColumnValuesToBeUnique(column=e.column, **common)
        if e.kind == "a_at_least_b":
            return x.ExpectColumnPairValuesAToBeGreaterThanB(column_A=e.column, column_B=e.other, or_equal=True,
                                                              ignore_row_if="either_value_is_missing", **common)
        raise ValueError(f"no GX expectation for {e.kind!r}")

    def validate(self, rule: str, checked: list[Checked]) -> Broken:
        """Validate each frame with a suite of its expectations; the rows GX finds unexpected, by name."""
        broken: Broken = {}
        for c in checked:
            if not c.expectations:
                continue
            self.count += 1
            name = f"{rule}.{self.count}"
            frame = _pandas(c.frame)
            asset = self.source.add_dataframe_asset(name=name)
            batch_definition = asset.add_batch_definition_whole_dataframe(name)
            suite = self.context.suites.add(self.gx.ExpectationSuite(name=name, expectations=[self.expectation(e) for e in c.expectations]))
            definition = self.context.validation_definitions.add(self.gx.ValidationDefinition(name=name, data=batch_definition, suite=suite))
            result = definition.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"})
            for r in result.results:
                key = r.expectation_config.meta["factcheck"]
                if r.exception_info and r.exception_info.get("raised_exception"):
                    raise RuntimeError(f"GX could not evaluate {key} of {rule}: {r.exception_info.get('exception_message')}")
                index = (r.result or {}).get("unexpected_index_list") or []
                broken[key] = {int(frame["row"].iloc[i]) if not isinstance(i, dict) else int(i["row"]) for i in index}
        return broken

    def build_docs(self) -> None:
        if self.docs is not None:
            self.context.build_data_docs(site_names=["factcheck"])


def _pandas(frame: pl.DataFrame):  # type: ignore[no-untyped-def]
    """The frame for GX: pandas, indexed 0..n-1 so that GX's unexpected indices are positions."""
    import pandas as pd

    try:
        out = frame.to_pandas()
    except ModuleNotFoundError:  # no pyarrow: by columns
        out = pd.DataFrame({c: frame[c].to_list() for c in frame.columns})
    return out.reset_index(drop=True)


def run(kind, tables, params, context, gx: GX, rule: str) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    """One rule instance on GX: its expectations validated by GX, its findings made by its report."""
    checked = kind.checks(tables, params)
    for f in kind.report(tables, params, context, checked, gx.validate(rule, checked)):
        yield f if f.engine else f.model_copy(update={"engine": "gx"})
