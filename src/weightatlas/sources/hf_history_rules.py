"""Attribution and modality for the Hub-history repos, one decision per repo, each recorded.

* **Modality**: the ordered rules of ``modality_rules.csv``; the first rule that
  matches wins. ``pipeline_tag`` rules apply only where the source has a tag (the
  2022 listing); the download and fine-tune files have none, so their repos are
  decided by ``repo_id`` patterns. The deciding rule's name is stored with the row.
* **Role and developer** (download cohort and 2022 listing): a repo listed in
  ``history_repo_roles.csv`` takes that row's decision (every repo of
  ``Other.csv`` is listed). Otherwise the namespace goes through the organisation
  and alias tables: a known developer's repo is ``first_party`` (when the
  developer is one of the paper's 17 organisations) or ``first_party_outside_17``;
  a redistributor's repo is a ``repack`` whose root developer comes from the
  model-family rules applied to the repo name; any unknown namespace is an
  ``individual`` of the Unknown bloc, never guessed. Namespace-less 2022 repos go
  through ``legacy_repo_developers.csv`` (unlisted or unread ones stay Unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weightatlas.attribution import Attribution
from weightatlas.curated import HISTORY_REPO_ROLES, LEGACY_REPO_DEVELOPERS, MODALITY_RULES, load_table
from weightatlas.resolve import name_key


@dataclass(frozen=True)
class ModalityRule:
    rule: str
    field: str
    pattern: re.Pattern[str]
    modality: str


def load_modality_rules(path: Path | None = None) -> list[ModalityRule]:
    return [ModalityRule(r["rule"], r["field"], re.compile(r["pattern"]), r["modality"]) for r in load_table(MODALITY_RULES, path)]


def modality(repo_id: str, pipeline_tag: str | None, rules: list[ModalityRule]) -> tuple[str, str]:
    """(modality, rule) of the first matching rule; ('unknown', 'none') when none matches."""
    for rule in rules:
        if rule.field == "pipeline_tag":
            if pipeline_tag and rule.pattern.search(pipeline_tag):
                return rule.modality, rule.rule
        elif rule.pattern.search(repo_id):
            return rule.modality, rule.rule
    return "unknown", "none"


@dataclass(frozen=True)
class RepoDecision:
    org_id: str | None
    country: str | None
    bloc: str
    role: str
    root_org_id: str | None = None
    root_bloc: str | None = None
    exclusion_reason: str | None = None
    decided_by: str = "namespace"  # namespace | history_repo_roles.csv | legacy_repo_developers.csv | unknown
    note: str | None = None


class RepoAttributor:
    """Applies the curated tables to repo ids; see the module docstring for the order of rules."""

    def __init__(self, attribution: Attribution, *, first_party_orgs: set[str], roles_path: Path | None = None, legacy_path: Path | None = None) -> None:
        self.attribution = attribution
        self.first_party_orgs = first_party_orgs  # org ids of the paper's 17 organisation files
        self.roles = {r["repo_id"].casefold(): r for r in load_table(HISTORY_REPO_ROLES, roles_path)}
        self.legacy = {r["repo_id"].casefold(): r for r in load_table(LEGACY_REPO_DEVELOPERS, legacy_path)}

    def _org(self, org_id: str | None) -> tuple[str | None, str | None, str]:
        org = self.attribution.organizations.get(org_id) if org_id else None
        country = org.country if org else None
        return (org.id if org else None), country, self.attribution.blocs.bloc(country)

    def root_of(self, repo_id: str) -> str | None:
        """The root developer a repack's name points to, by the model-family rules (None if no rule matches)."""
        rule = self.attribution.family(name_key(repo_id.split("/")[-1]))
        return rule.org_id if rule else None

    def decide(self, repo_id: str) -> RepoDecision:
        row = self.roles.get(repo_id.casefold())
        if row is not None:
            return self._from_roles(repo_id, row)
        if "/" not in repo_id:
            legacy = self.legacy.get(repo_id.casefold())
            if legacy and legacy["org_id"]:
                org_id, country, bloc = self._org(legacy["org_id"])
                return RepoDecision(org_id, country, bloc, "first_party", decided_by="legacy_repo_developers.csv")
            return RepoDecision(None, None, self.attribution.blocs.bloc(None), "individual", decided_by="unknown",
                                note="legacy repo without a read developer" if legacy else "legacy repo not in legacy_repo_developers.csv")
        namespace = repo_id.split("/")[0]
        org = self.attribution.org(namespace)
        if org is None:
            return RepoDecision(None, None, self.attribution.blocs.bloc(None), "individual", decided_by="unknown")
        org_id, country, bloc = self._org(org.id)
        if org.is_redistributor:
            root = self.root_of(repo_id)
            _, _, root_bloc = self._org(root)
            return RepoDecision(org_id, country, bloc, "repack", root_org_id=root, root_bloc=root_bloc if root else None,
                                note=None if root else "root developer not readable from the repo name")
        role = "first_party" if org.id in self.first_party_orgs else "first_party_outside_17"
        return RepoDecision(org_id, country, bloc, role)

    def _from_roles(self, repo_id: str, row: dict[str, Any]) -> RepoDecision:
        role = row["role"]
        org_id = row["org_id"]
        if not org_id and role == "repack":  # the repacker itself, when its namespace is known
            org = self.attribution.org(repo_id.split("/")[0])
            org_id = org.id if org else None
        org_id, country, bloc = self._org(org_id)
        root_org = row["root_org_id"] if role == "repack" else None
        root_bloc = self._org(root_org)[2] if root_org else None
        note = row["note"]
        if role == "repack" and not root_org:
            note = (note or "") + " [root developer unknown: root_org_id NULL]"
        return RepoDecision(org_id, country, bloc, role, root_org_id=root_org, root_bloc=root_bloc,
                            exclusion_reason=row["exclusion_reason"], decided_by="history_repo_roles.csv", note=note)
