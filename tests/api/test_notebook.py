"""The example notebook runs against the sample warehouse and shows what the warehouse holds."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from seesaw.warehouse.query import run_read_only

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebook_api.ipynb"


def _outputs(nb: nbformat.NotebookNode, cell_id: str) -> tuple[str, int]:
    """A cell's printed text and how many images it displayed."""
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    images = sum("image/png" in o.get("data", {}) for o in cell.outputs)
    return text, images


def test_example_notebook_reproduces_the_report_figures(sample_db: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEESAW_DB", str(sample_db))  # the kernel inherits it: seesaw.open() reads it
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]

    text, _ = _outputs(nb, "open")
    assert str(sample_db) in text

    text, images = _outputs(nb, "corr-history")
    latest = run_read_only(sample_db, """
        select obs_date, corr, p_value, n from results.correlations
        where asset_a = 'us_ff_mkt' and asset_b = 'us_aaa' and method = 'rolling' and window_size = 36
          and basis = 'bond_return' order by obs_date desc limit 1""").iloc[0]
    assert images == 1
    assert text.strip() == (f"US equity market total return (Fama-French Mkt-RF + RF) vs Moody's seasoned Aaa"
                            f" corporate bond yield: 36-month correlation {latest['corr']:+.3f}"
                            f" (p = {latest['p_value']:.4f}, n = 36), data to {latest['obs_date']:%Y-%m-%d}")

    text, images = _outputs(nb, "dcc")
    dcc = run_read_only(sample_db, "select obs_date, corr from results.correlations where method = 'dcc'"
                                   " order by obs_date desc limit 1").iloc[0]
    assert images == 1 and text.startswith(f"DCC {dcc['corr']:+.3f} (p = ")
    assert text.strip().endswith(f"as of {dcc['obs_date']:%Y-%m-%d}")

    text, images = _outputs(nb, "flows")
    flows = run_read_only(sample_db, "select count(*) as months, max(obs_date) as last from results.rebalancing_flows"
                                     " where scenario = 'history_M'").iloc[0]
    assert images == 1 and text.startswith(f"{flows['months']} months to {flows['last']:%Y-%m-%d}; last flow ")

    text, _ = _outputs(nb, "series")
    assert re.fullmatch(r"us_aaa as known on 2008-12-31: \d+ observations, last 2008-12-01\n", text)
