"""Lake tables as Ibis tables, and Ibis expressions compiled to a backend's SQL.

Engine computations are Ibis expressions over unbound tables named like the valid views
(`rm_valid_<table>`) with the contract's types. They are compiled to SQL text and run by
the backend, so no Ibis connection is opened: Ibis would reset the session time zone to
UTC and, on Spark, convert results through pandas.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import ibis
import ibis.expr.datatypes as dt

from rmperf.engine import contract
from rmperf.engine.backends import BackendName
from rmperf.engine.contract import ColType
from rmperf.engine.validity import valid_view_name

IBIS_TYPES: dict[ColType, dt.DataType] = {
    ColType.STRING: dt.string,
    ColType.DATE: dt.date,
    ColType.TIMESTAMP: dt.Timestamp(timezone="UTC"),
    ColType.MONTH: dt.string,
    ColType.MONEY: dt.Decimal(18, 2),
    ColType.RATE: dt.Decimal(12, 6),
    ColType.SCORE: dt.Decimal(9, 2),
    ColType.HOURS: dt.Decimal(9, 2),
    ColType.INT: dt.int64,
    ColType.BOOL: dt.boolean,
}

IBIS_DIALECTS: dict[BackendName, str] = {"duckdb": "duckdb", "spark": "pyspark"}


def contract_table(name: str) -> Any:
    """The valid view of a lake table as an unbound Ibis table."""
    tbl = contract.table(name)
    schema = ibis.schema({c.name: IBIS_TYPES[c.type] for c in tbl.columns})
    return ibis.table(schema, name=valid_view_name(name))


def compile_sql(expr: Any, backend: BackendName) -> str:
    """The expression as the backend's SQL text (what `ibis.to_sql` gives), compiled with
    that backend's compiler only."""
    compiler = _compiler(IBIS_DIALECTS[backend])
    out = compiler.to_sqlglot(expr.unbind())
    queries = out if isinstance(out, list) else [out]
    return ";\n".join(q.sql(dialect=compiler.dialect, pretty=True) for q in queries)


def _compiler(dialect: str) -> Any:
    """Ibis's SQL compiler for `dialect`, importing only that one.

    `ibis.to_sql` imports the package `ibis.backends.sql.compilers`, whose __init__
    imports all twenty compilers Ibis ships (about half a second). Unless that package
    is already loaded, it is registered here unexecuted: its submodules import as usual,
    and the first access to any other name of it runs its real __init__ then (so
    `ibis.to_sql` and Ibis's own backends still work in the same process).
    """
    package = "ibis.backends.sql.compilers"
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            raise ImportError(package)
        module = importlib.util.module_from_spec(spec)
        loader = spec.loader

        def load_all(name: str) -> Any:
            del module.__dict__["__getattr__"]
            loader.exec_module(module)
            return getattr(module, name)

        module.__dict__["__getattr__"] = load_all
        sys.modules[package] = module
    return importlib.import_module(f"{package}.{dialect}").compiler
