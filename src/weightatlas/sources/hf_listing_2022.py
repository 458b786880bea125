"""The mid-2022 Hub listing shipped with farach/huggingfaceR (MIT), read strictly.

``data/models_with_downloads.csv``: ``model`` (repo id; about half of all
downloads sit in namespace-less legacy repos such as ``bert-base-uncased``),
``downloads`` (the Hub's 30-day count when the listing was taken, 2022-07),
``task`` (the pipeline tag, often blank), ``sha``, ``private``. No dates and no
author column: the namespace is the repo id's prefix, and legacy repos go
through the curated ``legacy_repo_developers.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import SourceInfo, read_csv, ref
from weightatlas.sources.hf_download_history import parse_count

SOURCE = SourceInfo(
    id="hf_listing_2022",
    title="Hugging Face Hub model listing, mid-2022 (farach/huggingfaceR)",
    url="https://github.com/farach/huggingfaceR",
    licence="MIT",
    snapshot_date=date(2022, 7, 2),
    folder="farach__huggingfaceR",
    files=("data/models_with_downloads.csv",),
    description="55,524 Hub models with their 30-day download counts and pipeline task as listed in mid-2022.",
    independent=True,
)
RELPATH = "data/models_with_downloads.csv"


@dataclass(frozen=True)
class ListedRepo:
    repo_id: str
    ref: str
    namespace: str | None
    downloads_30d: int
    pipeline_tag: str | None


def read_listing(root: Path) -> list[ListedRepo]:
    path = root / SOURCE.folder / RELPATH
    out: list[ListedRepo] = []
    seen: dict[str, int] = {}
    for line, row in read_csv(path, ("model", "downloads", "task")):
        repo = row["model"].strip()
        if not repo or repo.count("/") > 1 or (repo.count("/") == 1 and not all(repo.split("/"))):
            raise InputError(path, f"not a Hub repo id: {repo!r}", line=line, field="model")
        if repo.casefold() in seen:
            raise InputError(path, f"repo {repo!r} already listed on line {seen[repo.casefold()]}", line=line, field="model")
        seen[repo.casefold()] = line
        out.append(
            ListedRepo(
                repo_id=repo,
                ref=ref(SOURCE.folder, RELPATH, line),
                namespace=repo.split("/")[0] if "/" in repo else None,
                downloads_30d=parse_count(row["downloads"], path, line, "downloads"),
                pipeline_tag=row["task"].strip() or None,
            )
        )
    return out
