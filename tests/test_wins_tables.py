"""The light Core tables the review commands read must say exactly what models.py says."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.types import TypeEngine
from sqlmodel import SQLModel

import peerlog.models  # noqa: F401  (registers the tables)
from peerlog import tables


def _python_type(sql_type: TypeEngine) -> type:
    return getattr(sql_type, "impl", sql_type).python_type


@pytest.mark.parametrize("light", tables.ALL, ids=lambda t: t.name)
def test_every_light_column_exists_in_the_model_with_the_same_type(light) -> None:  # type: ignore[no-untyped-def]
    model = SQLModel.metadata.tables[light.name]
    for column in light.columns:
        assert column.name in model.columns, f"{light.name}.{column.name} is not in models.py"
        expected = model.columns[column.name].type
        assert _python_type(column.type) is _python_type(expected), (
            f"{light.name}.{column.name}: {column.type!r} here, {expected!r} in models.py"
        )
        # Moments must come back aware, as the models return them.
        assert ("UTCDateTime" in repr(column.type)) == ("UTCDateTime" in repr(expected))


def test_the_review_commands_never_load_the_orm_models() -> None:
    code = (
        "import sys, peerlog.wins, peerlog.summary, peerlog.search, peerlog.render.review;"
        "print('peerlog.models' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
