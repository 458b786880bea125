"""Hub-history adapters (download cohort, fine-tune bases, 2022 listing), attribution and modality.

Every expected value below is read off the hand-made fixture files under
tests/fixtures/shared_data/KBhandari11__ForecastHuggingFaceModels and
tests/fixtures/shared_data/farach__huggingfaceR (ten days of counts, five bases,
eight listed repos), whose comments in this file say what each row is for.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from source_helpers import NOT_CHECKED, assert_input_error, copy_source, replace_once
from weightatlas.attribution import load_attribution
from weightatlas.curated import HISTORY_REPO_ROLES, LEGACY_REPO_DEVELOPERS, MODALITY_RULES, load_table
from weightatlas.errors import InputError
from weightatlas.sources import hf_download_history as dl
from weightatlas.sources import hf_finetune_history as ft
from weightatlas.sources import hf_listing_2022 as li
from weightatlas.sources.hf_history_rules import load_modality_rules, modality
from weightatlas.sources.hf_history_tables import build_rows

KB = "KBhandari11__ForecastHuggingFaceModels"
FR = "farach__huggingfaceR"
DL = f"{KB}/data/2025-02-18/download"
FT = f"{KB}/data/2025-02-18/finetune"


@pytest.fixture
def kb_root(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, KB)


@pytest.fixture(scope="module")
def built() -> tuple[dict, dict]:
    from conftest import FIXTURE_DATA

    return build_rows(FIXTURE_DATA, load_attribution())


def _rows(table: dict[str, list]) -> list[dict]:
    names = list(table)
    return [dict(zip(names, values, strict=True)) for values in zip(*table.values(), strict=True)]


# -- download cohort: parsing and quality rules ---------------------------------------------


def test_download_cohort_counter_start_created_day_and_every_day_kept(fixture_data: Path) -> None:
    by_repo = {h.repo_id: h for h in dl.read_histories(fixture_data)}
    assert len(by_repo) == 9
    qwen = by_repo["Qwen/Qwen2.5-7B-Instruct"]
    assert qwen.days[0] == date(2024, 7, 2) and qwen.days[-1] == date(2024, 7, 11)
    assert qwen.cumulative[:4] == [0, 0, 0, 1000]  # zeros kept, exactly as in the file
    assert qwen.counter_start == date(2024, 7, 5)  # first non-zero day: the counter's start
    assert qwen.ref == f"{DL}/Qwen.csv:2" and qwen.cohort_file == "Qwen"
    assert by_repo["dima806/fairface_age_image_detection"].counter_start is None  # never counted
    assert by_repo["Qwen/Qwen2-VL-7B-Instruct"].created_at == date(2024, 7, 1)  # 23:30 UTC stays on its UTC day
    stalled = by_repo["Qwen/Qwen2-VL-7B-Instruct"].cumulative
    assert stalled[-5:] == [250] * 5 and not by_repo["Qwen/Qwen2-VL-7B-Instruct"].decreases  # a stall is no decrease


def test_decrease_beyond_tolerance_is_flagged_not_fatal(fixture_data: Path) -> None:
    by_repo = {h.repo_id: h for h in dl.read_histories(fixture_data)}
    assert by_repo["facebook/mms-tts-eng"].decreases == [
        {"repo_id": "facebook/mms-tts-eng", "ref": f"{DL}/Meta.csv:3", "day": "2024-07-08", "before": 5050, "after": 4050}
    ]
    assert sum(len(h.decreases) for h in by_repo.values()) == 1


def test_decrease_within_tolerance_is_not_flagged(kb_root: Path) -> None:
    # 40002000 -> 40000000 is 0.005% down: rounding, inside DECREASE_TOLERANCE (0.1%).
    replace_once(kb_root / DL / "Qwen.csv", "40002000.0,40003000.0", "40002000.0,40000000.0")
    qwen = next(h for h in dl.read_histories(kb_root) if h.repo_id == "Qwen/Qwen2.5-7B-Instruct")
    assert qwen.decreases == []


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("1000.0,2000.0", "1000.0,lots", 2, "2024-07-06 00:00:00"),  # non-numeric count
        ("1000.0,2000.0", "1000.0,-2000.0", 2, "2024-07-06 00:00:00"),  # negative count
        ("1000.0,2000.0", "1000.0,2000.5", 2, "2024-07-06 00:00:00"),  # not a whole count
        ("2024-07-02 10:00:00+00:00", "2024-13-02 10:00:00+00:00", 2, "created_at"),  # bad date
        (",created_at", ",created", 1, "created_at"),  # missing column
        ("2024-07-03 00:00:00,", "2024-07-02 00:00:00,", 1, "2024-07-02 00:00:00"),  # duplicate header
        ("2024-07-04 00:00:00,", "2024-07-24 00:00:00,", 1, "2024-07-24 00:00:00"),  # days not consecutive
        ("2024-07-05 00:00:00,", "July 5,", 1, "July 5"),  # day column that is not a day
        ("Qwen/Qwen2-VL-7B-Instruct,", "Qwen/Qwen2.5-7B-Instruct,", 3, "model"),  # repo twice
    ],
)
def test_malformed_download_file_names_file_line_and_field(kb_root: Path, old: str, new: str, line: int, field: str) -> None:
    path = kb_root / DL / "Qwen.csv"
    replace_once(path, old, new, count=None)
    assert_input_error(lambda: dl.read_histories(kb_root), path, line, field)


def test_repo_listed_in_two_cohort_files_is_an_error(kb_root: Path) -> None:
    path = kb_root / DL / "Other.csv"
    replace_once(path, "some-person/my-first-model,", "meta-llama/Llama-3.2-1B,")
    assert_input_error(lambda: dl.read_histories(kb_root), path, 6, "model")


def test_bad_input_through_the_cli_is_one_line_exit_2(fixture_data: Path, tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from weightatlas.cli import main

    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    replace_once(root / DL / "Qwen.csv", "1000.0,2000.0", "1000.0,lots", count=None)
    out = tmp_path / "snap"
    result = CliRunner().invoke(main, ["snapshot", "build", "--from", str(root), "--out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert "Traceback" not in result.output and len(errors) == 1, result.output  # progress lines, then one error line
    message = errors[0]
    assert "Qwen.csv, line 2, field '2024-07-06 00:00:00'" in message and "not a number" in message
    assert not out.exists()  # nothing half-written


# -- fine-tune bases -----------------------------------------------------------------------


def test_finetune_rows_stop_at_right_censoring_and_keep_values(fixture_data: Path) -> None:
    bases = {b.base_repo: b for b in ft.read_bases(fixture_data)}
    assert len(bases) == 4
    old = bases["Qwen/Qwen1.5-0.5B"]
    assert sorted(old.months) == list(range(13))  # 13..34 are blank (past 2025-02-18): absent
    assert old.months[12] == 33592 and old.months[0] == 0
    assert old.created_at == date(2024, 1, 22) and old.ref == f"{FT}/Qwen.csv:2"
    assert ft.decreases(old) == []


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (",Original,Qwen,2024-01-22", ",Qwen/Qwen1.5-1.8B,Qwen,2024-01-22", "base_model"),  # lineage never guessed
        ("0,12.0,28.0", "0,12.0,many", "2-month"),
        ("2024-01-22 16:30:10+00:00", "22/01/2024", "created_at"),
    ],
)
def test_malformed_finetune_file_names_file_line_and_field(kb_root: Path, old: str, new: str, field: str) -> None:
    path = kb_root / FT / "Qwen.csv"
    replace_once(path, old, new)
    assert_input_error(lambda: ft.read_bases(kb_root), path, 2, field)


def test_finetune_missing_month_column_is_an_error(kb_root: Path) -> None:
    path = kb_root / FT / "Meta.csv"
    replace_once(path, ",34-month,", ",34-months,")
    assert_input_error(lambda: ft.read_bases(kb_root), path, 1, "34-month")


# -- 2022 listing ----------------------------------------------------------------------------


def test_listing_reads_namespace_downloads_and_tag(fixture_data: Path) -> None:
    rows = {r.repo_id: r for r in li.read_listing(fixture_data)}
    assert len(rows) == 8
    assert rows["bert-base-uncased"].namespace is None and rows["bert-base-uncased"].downloads_30d == 20382194
    assert rows["hfl/chinese-macbert-base"].namespace == "hfl"
    assert rows["someone/untagged-thing"].pipeline_tag is None
    assert rows["gpt2"].ref == f"{FR}/data/models_with_downloads.csv:4"


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [("gpt2,9914995,", "gpt2,9.9M,", 4, "downloads"), ("model,downloads,task", "model,dl,task", 1, "downloads"), ("gpt2,", "a/b/c,", 4, "model")],
)
def test_malformed_listing_names_file_line_and_field(fixture_data: Path, tmp_path: Path, old: str, new: str, line: int, field: str) -> None:
    root = copy_source(fixture_data, tmp_path, FR)
    path = root / FR / "data/models_with_downloads.csv"
    replace_once(path, old, new)
    assert_input_error(lambda: li.read_listing(root), path, line, field)


# -- attribution, roles, modality ---------------------------------------------------------------


def test_cohort_roles_blocs_and_roots(built: tuple[dict, dict]) -> None:
    repos = {r["repo_id"]: r for r in _rows(built[0]["history_repos"])}
    assert len(repos) == 9
    want = {
        "Qwen/Qwen2.5-7B-Instruct": ("first_party", "alibaba", "China", None, None),
        "meta-llama/Llama-3.2-1B": ("first_party", "meta", "United States", None, None),
        "internlm/internlm-xcomposer2d5-7b": ("first_party_outside_17", "shanghai-ai-lab", "China", None, None),
        "bartowski/DeepSeek-R1-Distill-Qwen-32B-GGUF": ("repack", "bartowski", "Unknown", "deepseek", "China"),
        "unslothai/1": ("excluded", None, "Unknown", None, None),
        "dima806/fairface_age_image_detection": ("individual", None, "Unknown", None, None),
        "some-person/my-first-model": ("individual", None, "Unknown", None, None),  # unknown namespace: never guessed
    }
    for repo, (role, org, bloc, root_org, root_bloc) in want.items():
        r = repos[repo]
        assert (r["role"], r["org_id"], r["bloc"], r["root_org_id"], r["root_bloc"]) == (role, org, bloc, root_org, root_bloc), repo
    assert repos["unslothai/1"]["exclusion_reason"].startswith("CI/test dummy")
    assert all(r["exclusion_reason"] is None for k, r in repos.items() if k != "unslothai/1")
    assert repos["Qwen/Qwen2.5-7B-Instruct"]["counter_start"] == date(2024, 7, 5)


def test_cohort_modality_from_ordered_rules(built: tuple[dict, dict]) -> None:
    repos = {r["repo_id"]: r for r in _rows(built[0]["history_repos"])}
    assert (repos["Qwen/Qwen2-VL-7B-Instruct"]["modality"], repos["Qwen/Qwen2-VL-7B-Instruct"]["modality_rule"]) == ("vlm", "name_vlm")
    assert (repos["facebook/mms-tts-eng"]["modality"], repos["facebook/mms-tts-eng"]["modality_rule"]) == ("speech", "name_speech")
    assert repos["Qwen/Qwen2.5-7B-Instruct"]["modality"] == "llm"
    assert repos["dima806/fairface_age_image_detection"]["modality"] == "image"
    assert repos["unslothai/1"]["modality"] == "unknown" and repos["unslothai/1"]["modality_rule"] == "fallback"


def test_pipeline_tag_rules_win_over_names_where_the_source_has_one() -> None:
    rules = load_modality_rules()
    assert modality("bert-base-uncased", "fill-mask", rules) == ("other", "tag_text_encoder")
    assert modality("facebook/wav2vec2-base-960h", "automatic-speech-recognition", rules) == ("speech", "tag_speech")
    assert modality("gpt2", "text-generation", rules) == ("llm", "tag_llm")
    assert modality("BAAI/bge-large-en-v1.5", None, rules) == ("embedding", "name_embedding")
    assert modality("black-forest-labs/FLUX.1-dev", None, rules) == ("image", "name_image")
    assert modality("amazon/chronos-bolt-small", None, rules) == ("timeseries", "name_timeseries")


def test_download_history_table_keeps_every_day_and_zero(built: tuple[dict, dict]) -> None:
    hist = built[0]["download_history"]
    assert len(hist["repo_id"]) == 9 * 10
    rows = [r for r in _rows(hist) if r["repo_id"] == "Qwen/Qwen2.5-7B-Instruct"]
    assert [r["cumulative"] for r in rows] == [0, 0, 0, 1000, 2000, 10002000, 20002000, 30002000, 40002000, 40003000]


def test_finetune_table_attribution_family_and_modality(built: tuple[dict, dict]) -> None:
    rows = _rows(built[0]["finetune_history"])
    assert len(rows) == 13 + 6 + 4 + 5  # blank (censored) windows are absent
    qwen = [r for r in rows if r["base_repo"] == "Qwen/Qwen1.5-0.5B"]
    assert {(r["org_id"], r["bloc"], r["family"], r["modality"]) for r in qwen} == {("alibaba", "China", "Qwen", "llm")}
    mms = [r for r in rows if r["base_repo"] == "facebook/mms-tts-eng"]
    assert {(r["bloc"], r["modality"]) for r in mms} == {("United States", "speech")}
    assert [r["months_after"] for r in mms] == [0, 1, 2, 3]


def test_listing_legacy_repos_through_the_curated_table(built: tuple[dict, dict]) -> None:
    rows = {r["repo_id"]: r for r in _rows(built[0]["hub_listing_2022"])}
    assert (rows["bert-base-uncased"]["org_id"], rows["bert-base-uncased"]["bloc"], rows["bert-base-uncased"]["role"]) == ("google", "United States", "first_party")
    assert (rows["gpt2"]["org_id"], rows["gpt2"]["namespace"]) == ("openai", None)
    # read in the DistilBERT card and paper since (an Unread row staying Unknown: test_curated_attribution_2022.py)
    assert (rows["distilbert-base-uncased"]["org_id"], rows["distilbert-base-uncased"]["bloc"]) == ("hugging-face", "United States")
    assert rows["TheBloke/some-model-GGUF"]["role"] == "repack"
    assert (rows["hfl/chinese-macbert-base"]["org_id"], rows["hfl/chinese-macbert-base"]["bloc"], rows["hfl/chinese-macbert-base"]["role"]) == ("hfl", "China", "first_party")
    assert rows["someone/untagged-thing"]["role"] == "individual"


def test_coverage_match_rates_exclusions_and_flags(built: tuple[dict, dict]) -> None:
    cov = built[1]
    cohort = cov["cohort"]
    assert [e["repo_id"] for e in cohort["excluded"]] == ["unslothai/1"]
    assert cohort["excluded"][0]["downloads_2025_02_18"] == 9000000
    assert len(cohort["flagged_decreases"]) == 1 and cohort["repos_without_counter_start"] == 1
    # Kept downloads on the last day: 40003000 + 250 + 900 + 4080 + 30 + 45 + 0 + 9 = 40008314;
    # attributed: all but the two individuals (0 + 9).
    assert cohort["match_rate_weighted_by_downloads"] == round((40008314 - 9) / 40008314, 4)
    listing = cov["listing_2022"]
    # all three fixture legacy repos (bert-base-uncased, gpt2, distilbert-base-uncased) now have a read developer
    assert listing["legacy_match_rate_weighted_by_downloads"] == 1.0


def test_shipped_history_tables_validate() -> None:
    assert len(load_table(HISTORY_REPO_ROLES)) == 100  # one decision per repo of Other.csv
    assert load_table(LEGACY_REPO_DEVELOPERS)
    assert load_table(MODALITY_RULES)[-1]["rule"] == "fallback"


def test_an_excluded_repo_needs_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "history_repo_roles.csv"
    path.write_text("repo_id,role,org_id,root_repo,root_org_id,exclusion_reason,source_url,note\nx/y,excluded,,,,,https://huggingface.co/x/y,\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_table(HISTORY_REPO_ROLES, path)
    assert (info.value.line, info.value.field) == (2, "exclusion_reason")


# -- snapshot integration ----------------------------------------------------------------------


def test_snapshot_holds_the_history_tables_and_opens_without_them(fixture_data: Path, tmp_path: Path) -> None:
    import shutil

    from weightatlas.snapshot import build_snapshot
    from weightatlas.store import OPTIONAL_SCHEMAS, Store

    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    with_histories = build_snapshot(root, tmp_path / "with")
    assert {k: with_histories["tables"][k]["rows"] for k in ("history_repos", "download_history", "finetune_history", "hub_listing_2022")} == {
        "history_repos": 9, "download_history": 90, "finetune_history": 28, "hub_listing_2022": 8}
    assert with_histories["imports"]["hf_forecast_histories"]["cohort"]["excluded"][0]["repo_id"] == "unslothai/1"
    licences = {s["id"]: s["licence"] for s in with_histories["sources"]}
    assert licences["hf_forecast_histories"] == "MIT" and licences["hf_listing_2022"] == "MIT"
    with Store.open(tmp_path / "with") as store:
        assert store.rows("SELECT count(*) AS n FROM download_history WHERE cumulative = 0")[0]["n"] == 3 + 1 + 1 + 1 + 7 + 1 + 10 + 1
        assert store.rows("SELECT ref FROM history_repos WHERE repo_id = 'unslothai/1'")[0]["ref"] == f"{DL}/Other.csv:2"
    build_snapshot(root, tmp_path / "without", hub_histories=False)
    with Store.open(tmp_path / "without") as store:
        for name in ("history_repos", "download_history", "finetune_history", "hub_listing_2022"):
            schema = OPTIONAL_SCHEMAS[name]
            cursor = store.con.execute(f"SELECT * FROM {name}")
            assert [d[0] for d in cursor.description] == schema.names and cursor.fetchall() == [], name
