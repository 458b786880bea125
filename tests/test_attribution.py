"""Attribution rules: aliases, subsidiaries, HK/TW, redistributors, multi-org models, bloc maps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from weightatlas.attribution import (
    CHINA,
    EUROPE,
    REST_OF_WORLD,
    UNITED_STATES,
    UNKNOWN,
    BlocMap,
    country_code,
    load_attribution,
)
from weightatlas.errors import InputError


@pytest.fixture(scope="module")
def attribution():
    return load_attribution()


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("THUDM", "zai-org"),
        ("CohereForAI", "CohereLabs"),
        ("facebook", "meta-llama"),
        ("Tencent-Hunyuan", "tencent"),
        ("OpenGVLab", "internlm"),
        ("opencompass", "internlm"),
        ("ByteDance-Seed", "bytedance-research"),
        ("Alibaba-NLP", "Qwen"),
        ("Wan-AI", "AIDC-AI"),
        ("codefuse-ai", "inclusionAI"),
        ("Z.ai (Zhipu AI)", "Zhipu AI"),
        ("  meta   ai ", "Meta AI"),  # whitespace and case do not matter
    ],
)
def test_aliases_merge_namespaces_and_names(attribution, alias: str, canonical: str) -> None:
    a, b = attribution.org(alias), attribution.org(canonical)
    assert a is not None and b is not None
    assert a.id == b.id


def test_ant_group_is_its_own_developer_in_the_china_bloc(attribution) -> None:
    ant, alibaba = attribution.org("inclusionAI"), attribution.org("Qwen")
    assert ant.id != alibaba.id
    assert attribution.blocs.bloc(ant.country) == attribution.blocs.bloc(alibaba.country) == CHINA


@pytest.mark.parametrize("namespace", ["unsloth", "bartowski", "mlx-community", "lmstudio-community", "TheBloke"])
def test_redistributors_are_never_developers(attribution, namespace: str) -> None:
    org = attribution.org(namespace)
    assert org is not None and org.is_redistributor
    assert attribution.developer_for_namespace(namespace) is None


def test_developer_for_namespace_returns_real_developers(attribution) -> None:
    assert attribution.developer_for_namespace("deepseek-ai").country == "CN"
    assert attribution.developer_for_namespace("no-such-user-account-xyz") is None  # unknown: never guessed


def test_foreign_subsidiaries_take_the_parent_headquarters(attribution) -> None:
    damo_sg = attribution.org("DAMO-NLP-SG")
    assert (damo_sg.country_entity, damo_sg.country_parent, damo_sg.country) == ("SG", "CN", "CN")
    msra = attribution.org("Microsoft Research Asia")
    assert (msra.country_entity, msra.country) == ("CN", "US")
    assert attribution.blocs.bloc(msra.country) == UNITED_STATES


def test_academic_bodies_keep_their_own_location(attribution) -> None:
    org = attribution.org("Tsinghua University")
    assert org.org_type == "academic" and org.country == "CN"


def test_hong_kong_and_taiwan_are_not_china_by_default(attribution) -> None:
    blocs = attribution.blocs
    assert blocs.bloc("HK") == REST_OF_WORLD
    assert blocs.bloc("TW") == REST_OF_WORLD
    assert blocs.bloc("MO") == REST_OF_WORLD
    assert blocs.bloc("CN") == CHINA
    assert country_code("Hong Kong") == "HK" and country_code("Taiwan") == "TW"


def test_europe_is_eu_plus_uk_switzerland_norway(attribution) -> None:
    blocs = attribution.blocs
    assert {blocs.bloc(c) for c in ("FR", "DE", "GB", "CH", "NO", "PT")} == {EUROPE}
    assert blocs.bloc("IL") == REST_OF_WORLD and blocs.bloc(None) == UNKNOWN


def test_a_model_is_chinese_if_any_developer_is() -> None:
    blocs = BlocMap({"CN": CHINA, "US": UNITED_STATES, "FR": EUROPE})
    assert blocs.model_bloc(["US", "CN"]) == CHINA
    assert blocs.model_bloc(["FR", "US"]) == EUROPE  # no Chinese developer: first-listed bloc
    assert blocs.model_bloc([None, "US"]) == UNITED_STATES
    assert blocs.model_bloc([None]) == UNKNOWN
    assert blocs.model_bloc([]) == UNKNOWN


def test_country_names_as_epoch_writes_them() -> None:
    assert country_code("United Kingdom of Great Britain and Northern Ireland") == "GB"
    assert country_code("Korea (Republic of)") == "KR"
    assert country_code("United States of America") == "US"
    assert country_code("Multinational") is None
    with pytest.raises(LookupError):
        country_code("Atlantis")


def test_user_bloc_map_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "blocs.csv"
    path.write_text("country,bloc\nCN,China\nHK,China\nUS,United States\n")
    att = load_attribution(bloc_map=path)
    assert att.blocs.bloc("HK") == CHINA
    assert att.blocs.bloc("FR") == REST_OF_WORLD  # Europe no longer defined
    assert att.blocs.source == path.name  # portable: the file name, with the file's sha256 beside it
    assert att.blocs.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("country,bloc\nCN,China\nXX,Nowhere\n", 3, "country"),
        ("country,bloc\nCN,China\nCN,China\n", 3, "country"),
        ("country,bloc\nUS,\n", 2, "bloc"),
        ("country\nCN\n", 1, "bloc"),
    ],
)
def test_bad_bloc_map_names_line_and_field(tmp_path: Path, text: str, line: int, field: str) -> None:
    path = tmp_path / "blocs.csv"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        BlocMap.load(path)
    assert (exc.value.path, exc.value.line, exc.value.field) == (str(path), line, field)


def _copy_curated(tmp_path: Path) -> Path:
    from weightatlas.attribution import CURATED_DIR

    folder = tmp_path / "curated"
    folder.mkdir()
    for f in CURATED_DIR.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def test_alias_to_unknown_org_is_rejected(tmp_path: Path) -> None:
    folder = _copy_curated(tmp_path)
    with (folder / "org_aliases.csv").open("a") as f:
        f.write("Some Lab,no-such-org,name,\n")
    lines = (folder / "org_aliases.csv").read_text().splitlines()
    with pytest.raises(InputError) as exc:
        load_attribution(folder)
    assert exc.value.field == "org_id" and exc.value.line == len(lines)


def test_bad_country_code_in_org_table_is_rejected(tmp_path: Path) -> None:
    folder = _copy_curated(tmp_path)
    path = folder / "organizations.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",CN,CN,", ",ZZZ,CN,", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        load_attribution(folder)
    assert (exc.value.line, exc.value.field) == (2, "country_entity")


def test_curated_tables_are_complete_and_sourced(attribution) -> None:
    assert len(attribution.organizations) > 200
    for org in attribution.organizations.values():
        assert org.source_url and org.source_url.startswith("http"), org.id
        if org.is_redistributor:
            assert org.org_type in {"redistributor", "community", "individual", "startup"}, org.id
