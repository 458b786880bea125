"""The mid-2022 Hub listing's biggest legacy repos and namespaces resolve to the developers read.

Each expected value was read in a stored copy of its source (model card, the developer's
README or paper, or the transformers pretrained-models list); the rows' notes and
source URLs say which. Persons' namespaces stay individuals, and rows whose card was not
read stay blank rather than guessed.
"""

from __future__ import annotations

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.curated import LEGACY_REPO_DEVELOPERS, load_table


@pytest.fixture(scope="module")
def legacy() -> dict[str, dict]:
    return {r["repo_id"]: r for r in load_table(LEGACY_REPO_DEVELOPERS)}


@pytest.mark.parametrize(
    ("repo", "org_id"),
    [
        ("distilbert-base-uncased-finetuned-sst-2-english", "hugging-face"),  # card: "Developed by: Hugging Face"
        ("distilbert-base-uncased", "hugging-face"),
        ("distilgpt2", "hugging-face"),
        ("distilroberta-base", "hugging-face"),
        ("roberta-base", "meta"),
        ("xlm-roberta-base", "meta"),
        ("xlm-mlm-en-2048", "meta"),  # card: "Researchers affiliated with Facebook AI"
        ("bert-base-cased", "google"),
        ("bert-base-chinese", "google"),  # Google's BERT-Base, Chinese release, not a Chinese developer
        ("t5-small", "google"),
        ("albert-base-v2", "google"),
        ("gpt2-medium", "openai"),
        ("roberta-base-openai-detector", "openai"),  # "fine-tuned by OpenAI"
        ("ctrl", "salesforce"),
        ("bert-base-german-cased", "deepset"),
        ("bert-base-german-dbmdz-cased", "bsb-muenchen"),
        ("camembert-base", "inria"),
    ],
)
def test_legacy_repo_developer_read_in_a_stored_copy(legacy: dict[str, dict], repo: str, org_id: str) -> None:
    row = legacy[repo]
    assert row["org_id"] == org_id
    assert row["source_url"].startswith("https://")


@pytest.mark.parametrize("repo", ["xlnet-base-cased", "bert-large-uncased-whole-word-masking-finetuned-squad", "distilbert-base-german-cased"])
def test_legacy_repo_without_a_read_developer_stays_blank(legacy: dict[str, dict], repo: str) -> None:
    assert legacy[repo]["org_id"] is None
    assert legacy[repo]["note"].startswith("Unread:")


def test_every_listed_legacy_repo_has_a_row(legacy: dict[str, dict]) -> None:
    # the 68 namespace-less repos of the mid-2022 listing, each decided or marked Unread
    assert len(legacy) == 68


@pytest.mark.parametrize(
    ("namespace", "bloc"),
    [
        ("hfl", "China"),
        ("Helsinki-NLP", "Europe"),
        ("sentence-transformers", "Europe"),
        ("cross-encoder", "Europe"),
        ("cardiffnlp", "Europe"),
        ("SpanBERT", "United States"),
        ("unc-nlp", "United States"),
        ("dbmdz", "Europe"),
        ("cl-tohoku", "Rest of world"),
        ("klue", "Rest of world"),
        ("aubmindlab", "Rest of world"),
        ("dmis-lab", "Rest of world"),
        ("nlpaueb", "Europe"),
        ("Rostlab", "Europe"),
        ("dccuchile", "Rest of world"),
        ("ckiplab", "Rest of world"),
        ("sberbank-ai", "Rest of world"),
    ],
)
def test_2022_namespace_resolves_to_its_bloc(namespace: str, bloc: str) -> None:
    attribution = load_attribution()
    org = attribution.org(namespace)
    assert org is not None, namespace
    assert attribution.blocs.bloc(org.country) == bloc


@pytest.mark.parametrize("namespace", ["mrm8488", "sshleifer", "valhalla", "jplu", "joeddav", "dslim", "hf-internal-testing"])
def test_persons_and_test_namespaces_stay_unattributed(namespace: str) -> None:
    assert load_attribution().org(namespace) is None


def test_an_unread_legacy_row_stays_unknown_and_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from weightatlas.sources.hf_history_rules import RepoAttributor

    table = tmp_path / "legacy_repo_developers.csv"
    table.write_text("repo_id,org_id,source_url,note\nmystery-base,,,Unread: no card read\n", encoding="utf-8")
    attributor = RepoAttributor(load_attribution(), first_party_orgs=set(), legacy_path=table)
    unread = attributor.decide("mystery-base")
    assert (unread.org_id, unread.bloc, unread.note) == (None, "Unknown", "legacy repo without a read developer")
    assert attributor.decide("other-base").note == "legacy repo not in legacy_repo_developers.csv"
