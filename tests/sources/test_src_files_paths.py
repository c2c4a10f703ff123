"""FilesSource reads only inside its data directory: ``..`` and absolute source codes are refused."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from seesaw.sources.base import SeriesSpec, SourceError
from seesaw.sources.files import FilesSource


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "outside.csv").write_text("date,value\n2020-01-02,1.5\n", encoding="utf-8")
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "inside.csv").write_text("date,value\n2020-01-02,2.5\n", encoding="utf-8")
    return data


@pytest.mark.parametrize("code", ["../outside.csv", "sub/../../outside.csv", "{tmp}/outside.csv", "/etc/passwd"])
def test_source_code_outside_the_data_directory_is_refused(data_dir: Path, code: str) -> None:
    source = FilesSource(data_dir)
    with pytest.raises(SourceError, match="outside the data directory"):
        source.table(code.format(tmp=data_dir.parent), {})


def test_splice_piece_outside_is_refused_and_inside_paths_still_read(data_dir: Path) -> None:
    source = FilesSource(data_dir)
    spliced = SeriesSpec("t", "t", "files", "inside.csv", "D", "u", "level", "US",
                         options={"splice": [{"source_code": "../outside.csv"}]})
    with pytest.raises(SourceError, match="outside the data directory"):
        source.fetch(spliced, None, None)
    plain = SeriesSpec("t", "t", "files", "sub/../inside.csv", "D", "u", "level", "US")
    frame = source.fetch(plain, None, None)
    assert frame["value"].tolist() == [2.5] and frame["obs_date"].iloc[0].date() == date(2020, 1, 2)
