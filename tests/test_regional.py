"""Sovereign-project base choice on a hand-made table, and the curated-table loader's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.curated import EXTERNAL_USAGE, LANGUAGE_REGIONS, SOVEREIGN_PROJECTS, load_table
from weightatlas.errors import InputError
from weightatlas.indicators import Context, regional
from weightatlas.store import Store

HEADER = "project,country,region,organization,org_id,release_date,date_precision,base_model,base_developer,base_country,from_scratch,hf_repo,source_url,note\n"
ROWS = [
    "SEA-LION v1,SG,Southeast Asia,AI Singapore,,2023-12-01,month,,,,true,,https://example.org/a,\n",
    "SEA-LION v3,SG,Southeast Asia,AI Singapore,,2024-12-01,month,google/gemma-2-9b,google,US,false,,https://example.org/b,\n",
    "SEA-LION v4,SG,Southeast Asia,AI Singapore,,2025-11-25,day,Qwen/Qwen3-32B,alibaba,CN,false,,https://example.org/c,\n",
    "Typhoon 2,TH,Southeast Asia,SCB 10X,,2024-12-01,month,Qwen/Qwen2.5-7B,alibaba,CN,false,,https://example.org/d,\n",
    "Bielik,PL,Europe,SpeakLeash,,2024-08-01,month,mistralai/Mistral-7B-v0.1,mistral,FR,false,,https://example.org/e,\n",
    "Poro 2,FI,Europe,AMD Silo AI,,2025-05-01,month,meta-llama/Llama-3.1-8B,meta,US,false,,https://example.org/f,\n",
    "Falcon-H1-Arabic,AE,Middle East,TII,,2025-06-01,month,tiiuae/Falcon-H1-7B,tii,AE,false,,https://example.org/g,\n",
]


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "sovereign_projects.csv"
    path.write_text(HEADER + "".join(rows))
    return path


def test_base_choice_shares(tmp_path: Path) -> None:
    with Store.open() as store:
        result = regional.sovereign(Context(store=store, attribution=load_attribution()), write(tmp_path, ROWS))
    by_origin = {k: v["projects"] for k, v in result["by_origin"].items()}
    # Own: SEA-LION v1 (scratch) and Falcon-H1-Arabic (domestic base); Europe counts Mistral; China two Qwen bases.
    assert by_origin == {"China": 2, "United States": 2, "Europe": 1, regional.OWN_BASE: 2}
    assert result["by_origin"]["China"]["share"] == round(2 / 7, 4)
    sea = {r["origin"]: r["share"] for r in result["by_region"] if r["region"] == "Southeast Asia"}
    assert sea == {"China": 0.5, "United States": 0.25, regional.OWN_BASE: 0.25}
    years = {(r["year"], r["origin"]): r["projects"] for r in result["by_year"]}
    assert years[(2025, "China")] == 1 and years[(2023, regional.OWN_BASE)] == 1


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ("X,SG,Southeast Asia,Org,,2024-13-01,month,,,,true,,https://example.org/x,\n", "release_date", "month must be in 1..12"),
        ("X,XX,Southeast Asia,Org,,2024-01-01,month,,,,true,,https://example.org/x,\n", "country", "not an ISO 3166-1"),
        ("X,SG,Atlantis,Org,,2024-01-01,month,,,,true,,https://example.org/x,\n", "region", "not one of"),
        ("X,SG,Southeast Asia,Org,,2024-01-01,month,,,,true,,ftp://example.org/x,\n", "source_url", "not an http"),
        ("X,SG,Southeast Asia,Org,,2024-01-01,month,base/x,,,true,,https://example.org/x,\n", "base_model", "names no base model"),
        ("X,SG,Southeast Asia,Org,,2024-01-01,month,base/x,,,false,,https://example.org/x,\n", "base_country", "needs the base's country"),
        ("X,SG,Southeast Asia,Org,,2024-01-01,month,,,,maybe,,https://example.org/x,\n", "from_scratch", "expected true or false"),
        ("SEA-LION v1,SG,Southeast Asia,AI Singapore,,2023-12-01,month,,,,true,,https://example.org/a,\n", "project", "duplicate of line 2"),
    ],
)
def test_bad_rows_name_line_and_field(tmp_path: Path, bad_row: str, field: str, message: str) -> None:
    path = write(tmp_path, [*ROWS, bad_row])
    with pytest.raises(InputError, match=message) as exc:
        load_table(SOVEREIGN_PROJECTS, path)
    assert (exc.value.line, exc.value.field) == (len(ROWS) + 2, field)


def test_shipped_tables_load() -> None:
    assert len(load_table(SOVEREIGN_PROJECTS)) >= 45
    assert len(load_table(EXTERNAL_USAGE)) >= 20
    assert {r["language"] for r in load_table(LANGUAGE_REGIONS)} >= {"ko", "sw", "hi", "ar", "vi", "kk"}
