"""What changed between two snapshots (``weightatlas snapshot diff``).

A side is a snapshot folder, or ``git:REV``: the embedded snapshot, the curated
tables and the code at a git revision, extracted read-only (``git archive``)
into a temporary folder. :func:`diff_snapshots` reports

* every table's rows added, removed and revised by its natural key
  (:mod:`weightatlas.snapshot_rows`), and the curated tables' when both sides
  carry them;
* each indicator's headline figures (the verdict cards' figures) before and
  after, split into the **data effect** (today's code and curated tables on the
  old and on the new snapshot) and the **method effect** (the code and curated
  tables of the old side's time against today's, both on the old snapshot: only
  measurable when the old side brings its code, ``git:REV``, or the document its
  code computed, an ``indicators.json`` in the folder);
* versions and digests of both sides.

:func:`record_changes` writes the result as ``changes.json`` into the new
snapshot folder; :func:`load_changes` reads it back for the JSON document
(``changes``), refusing a file that does not belong to the snapshot beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from weightatlas import __version__
from weightatlas.attribution import CURATED_DIR
from weightatlas.errors import WeightatlasError
from weightatlas.snapshot_rows import csv_table, diff_table, parquet_rel
from weightatlas.store import MANIFEST, SNAPSHOT_DIR, verify_snapshot

CHANGES_FILE = "changes.json"
DOCUMENT_FILE = "indicators.json"
SCHEMA = 1
PACKAGE_DIR = Path(__file__).resolve().parent
_GIT_TIMEOUT = 120
_OLD_CODE_TIMEOUT = 600


@dataclass
class Side:
    """One side of a comparison: a verified snapshot folder and what came with it."""

    label: str
    kind: str  # "folder" | "git"
    folder: Path
    manifest: dict[str, Any]
    curated: Path | None = None  # the curated tables of that side, when known
    code: Path | None = None  # a folder holding the weightatlas package of that side (git)
    commit: str | None = None

    def describe(self) -> dict[str, Any]:
        m = self.manifest
        out: dict[str, Any] = {
            "label": self.label,
            "kind": self.kind,
            "snapshot_date": m.get("snapshot_date"),
            "weightatlas_version": m.get("weightatlas_version"),
            "content_hash": m.get("content_hash"),
            "attribution_digest": m.get("attribution_digest"),
            "tables": {name: meta.get("rows") for name, meta in sorted((m.get("tables") or {}).items())},
        }
        if self.commit:
            out["commit"] = self.commit
        if self.curated is not None:
            out["curated"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(self.curated.glob("*.csv"))}
        return out


# --- sides ------------------------------------------------------------------------------


def _git(repo: Path, *args: str, binary: bool = False) -> Any:
    git = shutil.which("git")
    if git is None:
        raise WeightatlasError("git:REV needs the git command, which is not installed; pass a snapshot folder instead")
    try:
        done = subprocess.run([git, "-C", str(repo), *args], capture_output=True, timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WeightatlasError(f"git {args[0]} failed in {repo}: {exc}") from exc
    if done.returncode != 0:
        raise WeightatlasError(f"git {args[0]} failed in {repo}: {done.stderr.decode(errors='replace').strip() or 'exit ' + str(done.returncode)}")
    return done.stdout if binary else done.stdout.decode().strip()


def _repo_and_package(repo: Path | None) -> tuple[Path, str]:
    """The git work tree and the package's path inside it (``src/weightatlas``)."""
    if repo is not None:
        if not Path(repo).is_dir():
            raise WeightatlasError(f"--repo {repo} is not a folder")
        return Path(repo), "src/weightatlas"
    try:
        top = Path(_git(PACKAGE_DIR, "rev-parse", "--show-toplevel"))
    except WeightatlasError as exc:
        raise WeightatlasError(f"git:REV needs the weightatlas source checkout, and {PACKAGE_DIR} is not in one ({exc}); pass --repo or a snapshot folder") from None
    return top, PACKAGE_DIR.relative_to(top.resolve()).as_posix()


def _git_side(spec: str, repo: Path | None, stack: contextlib.ExitStack) -> Side:
    rev = spec.removeprefix("git:").strip()
    if not rev or rev.startswith("-"):
        raise WeightatlasError(f"{spec!r}: name a git revision after 'git:', e.g. git:HEAD~1")
    top, package = _repo_and_package(repo)
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except WeightatlasError:
        raise WeightatlasError(f"{spec!r}: no such git revision in {top}") from None
    data = _git(top, "archive", "--format=tar", commit, "--", f"{package}/data/snapshot", binary=True) if _has_path(top, commit, f"{package}/data/snapshot/{MANIFEST}") else None
    if data is None:
        raise WeightatlasError(f"{spec!r}: revision {commit[:12]} has no embedded snapshot ({package}/data/snapshot/{MANIFEST})")
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="weightatlas-diff-")))
    _extract(data, tmp)
    for sub in ("data/curated",):
        if _has_path(top, commit, f"{package}/{sub}"):
            _extract(_git(top, "archive", "--format=tar", commit, "--", f"{package}/{sub}", binary=True), tmp)
    code = None
    if _has_path(top, commit, f"{package}/__init__.py"):
        _extract(_git(top, "archive", "--format=tar", commit, "--", package, binary=True), tmp / "code")
        code = (tmp / "code" / package).parent
    folder = tmp / package / "data" / "snapshot"
    curated = tmp / package / "data" / "curated"
    return Side(
        label=spec, kind="git", folder=folder, manifest=verify_snapshot(folder), curated=curated if curated.is_dir() else None, code=code, commit=commit
    )


def _has_path(top: Path, commit: str, path: str) -> bool:
    try:
        _git(top, "cat-file", "-e", f"{commit}:{path}")
    except WeightatlasError:
        return False
    return True


def _extract(data: bytes, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def open_side(spec: str | Path, *, repo: Path | None = None, stack: contextlib.ExitStack) -> Side:
    """A side from ``git:REV`` or a folder; a bad argument raises :class:`WeightatlasError` naming it."""
    text = str(spec)
    if text.startswith("git:"):
        return _git_side(text, repo, stack)
    folder = Path(spec)
    if not folder.exists():
        raise WeightatlasError(f"{folder}: no such folder (pass a snapshot folder or git:REV)")
    if not folder.is_dir():
        raise WeightatlasError(f"{folder}: not a folder (pass a snapshot folder or git:REV)")
    manifest = verify_snapshot(folder)
    embedded = folder.resolve() == SNAPSHOT_DIR.resolve()
    return Side(label="embedded snapshot" if embedded else folder.name, kind="folder", folder=folder, manifest=manifest, curated=CURATED_DIR if embedded else None)


def default_old(new: Path) -> Path:
    """The kept previous snapshot of ``new``, or an error saying what to pass."""
    from weightatlas.snapshot_swap import previous_dir

    previous = previous_dir(new)
    if previous.is_dir():
        return previous
    hint = "pass OLD: a snapshot folder or git:REV"
    if new.resolve() == SNAPSHOT_DIR.resolve():
        with contextlib.suppress(WeightatlasError):
            top, package = _repo_and_package(None)
            last = _git(top, "log", "-1", "--format=%h", "--", f"{package}/data/snapshot/{MANIFEST}")
            if last:
                hint += f" (the embedded snapshot before its last change is git:{last}^)"
    raise WeightatlasError(f"no previous snapshot kept beside {new} (no {previous.name}); {hint}")


# --- documents and headline figures ------------------------------------------------------


def current_document(folder: Path) -> dict[str, Any]:
    from weightatlas.indicators import build_document
    from weightatlas.store import Store

    with Store.open(folder) as store:
        return build_document(store)


def old_code_document(side: Side) -> tuple[dict[str, Any] | None, str]:
    """The document the old side's own code computed, and where it came from (or why there is none)."""
    kept = side.folder / DOCUMENT_FILE
    if kept.is_file():
        try:
            return json.loads(kept.read_text(encoding="utf-8")), f"{DOCUMENT_FILE} kept in the old snapshot folder"
        except (OSError, ValueError) as exc:
            return None, f"{DOCUMENT_FILE} in the old snapshot folder is unreadable ({exc})"
    if side.code is None:
        return None, "the old side brings neither its code (git:REV) nor the document its code computed (indicators.json)"
    script = "import sys; sys.path.insert(0, sys.argv[1]); sys.argv = ['weightatlas', 'indicators', '--json']; from weightatlas.cli import main; main()"
    try:
        done = subprocess.run([sys.executable, "-c", script, str(side.code)], capture_output=True, timeout=_OLD_CODE_TIMEOUT, check=False, cwd=side.code)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"the code at {side.label} did not run: {exc}"
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return None, f"the code at {side.label} failed: {tail[0]}"
    try:
        return json.loads(done.stdout), f"`weightatlas indicators --json` run by the code at {side.label} ({(side.commit or '')[:12]})"
    except ValueError as exc:
        return None, f"the code at {side.label} printed no JSON document ({exc})"


def headline_figures(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per indicator: the verdict card's headline figure, reading and key figures.

    A document without verdict cards (computed before they existed) is read with
    today's card extractors.
    """
    from weightatlas.indicators import verdict

    block = document.get("verdict")
    if not isinstance(block, dict) or not block.get("cards"):
        try:
            block = verdict.build_verdict(document)
        except Exception:  # an old document may lack what today's extractors expect
            return {}
    cards = {}
    for card in block.get("cards", []):
        head = card.get("headline") or {}
        cards[card.get("indicator")] = {
            "title": card.get("title"),
            "name": head.get("name"),
            "unit": head.get("unit"),
            "value": head.get("value"),
            "display": head.get("display"),
            "points_to": card.get("points_to"),
            "figures": {k: f.get("value") for k, f in (card.get("figures") or {}).items() if k != "value"},
        }
    return cards


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def compare_headlines(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key) or {}, after.get(key) or {}
        va, vb = a.get("value"), b.get("value")
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (va, vb))
        moved_figures = {
            name: [(a.get("figures") or {}).get(name), (b.get("figures") or {}).get(name)]
            for name in sorted({*(a.get("figures") or {}), *(b.get("figures") or {})})
            if not _same((a.get("figures") or {}).get(name), (b.get("figures") or {}).get(name))
        }
        rows.append(
            {
                "indicator": key,
                "title": b.get("title") or a.get("title"),
                "name": b.get("name") or a.get("name"),
                "unit": b.get("unit") or a.get("unit"),
                "before": va,
                "after": vb,
                "before_display": a.get("display"),
                "after_display": b.get("display"),
                "delta": (vb - va) if numeric else None,
                "points_to": [a.get("points_to"), b.get("points_to")],
                "moved": not _same(va, vb) or a.get("points_to") != b.get("points_to"),
                "figures_moved": moved_figures,
            }
        )
    return rows


# --- the comparison ----------------------------------------------------------------------


def _tables(side: Side) -> dict[str, Path]:
    return {p.stem: p for p in sorted(side.folder.glob("*.parquet"))}


def diff_rows(old: Side, new: Side) -> list[dict[str, Any]]:
    con = duckdb.connect(config={"threads": 2})
    try:
        a, b = _tables(old), _tables(new)
        return [
            diff_table(con, name, parquet_rel(a[name]) if name in a else None, parquet_rel(b[name]) if name in b else None)
            for name in sorted({*a, *b})
        ]
    finally:
        con.close()


def diff_curated(old: Side, new: Side) -> dict[str, Any]:
    if old.curated is None or new.curated is None:
        missing = " and ".join(s for s, side in (("old", old), ("new", new)) if side.curated is None)
        return {
            "compared": False,
            "reason": f"curated tables not compared: only the snapshot folders were given (no curated tables for the {missing} side; git:REV and the embedded snapshot bring theirs)",
        }
    con = duckdb.connect(config={"threads": 1})
    tables = []
    try:
        a = {p.stem: p for p in sorted(old.curated.glob("*.csv"))}
        b = {p.stem: p for p in sorted(new.curated.glob("*.csv"))}
        for name in sorted({*a, *b}):
            if name in a and name in b and a[name].read_bytes() == b[name].read_bytes():
                continue
            rels = {}
            for side, files in (("old", a), ("new", b)):
                if name in files:
                    con.register(f"wa_csv_{side}", csv_table(files[name]))
                    rels[side] = f"wa_csv_{side}"
            first = (csv_table(b[name] if name in b else a[name]).column_names or [""])[0]
            tables.append(diff_table(con, name, rels.get("old"), rels.get("new"), (first,)))
            for side in rels:
                con.unregister(f"wa_csv_{side}")
    finally:
        con.close()
    unchanged = sorted(n for n in {p.stem for p in old.curated.glob("*.csv")} & {p.stem for p in new.curated.glob("*.csv")} if n not in {t["table"] for t in tables})
    return {"compared": True, "tables": tables, "unchanged": unchanged}


def diff_snapshots(
    old_spec: str | Path | None = None,
    new_spec: str | Path | None = None,
    *,
    repo: Path | None = None,
    method: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Compare two snapshots; NEW defaults to the embedded one, OLD to NEW's kept previous snapshot."""
    step = on_step or (lambda _msg: None)
    with contextlib.ExitStack() as stack:
        new = open_side(new_spec if new_spec is not None else SNAPSHOT_DIR, repo=repo, stack=stack)
        old = open_side(old_spec if old_spec is not None else default_old(new.folder), repo=repo, stack=stack)
        return _compare(old, new, method=method, step=step)


def _compare(old: Side, new: Side, *, method: bool, step: Callable[[str], None]) -> dict[str, Any]:
    step("comparing tables row by row")
    tables = diff_rows(old, new)
    curated = diff_curated(old, new)
    step("computing the indicators on the old snapshot (today's code)")
    errors = {}
    try:
        old_now = headline_figures(current_document(old.folder))
    except WeightatlasError as exc:
        old_now, errors["old"] = {}, str(exc)
    step("computing the indicators on the new snapshot (today's code)")
    new_now = headline_figures(current_document(new.folder))
    data_effect: dict[str, Any] = {
        "label": "data effect: today's code and curated tables on the old snapshot, then on the new one",
        "indicators": compare_headlines(old_now, new_now),
    }
    if "old" in errors:
        data_effect["note"] = f"today's code cannot read the old snapshot: {errors['old']}"
    if method:
        step("computing the indicators with the old side's own code")
        then_doc, source = old_code_document(old)
    else:
        then_doc, source = None, "not asked for (--no-method)"
    if then_doc is not None and old_now:
        method_effect: dict[str, Any] = {
            "measured": True,
            "label": "method effect: the old side's code and curated tables, then today's, both on the old snapshot",
            "source": source,
            "indicators": compare_headlines(headline_figures(then_doc), old_now),
        }
    else:
        method_effect = {"measured": False, "reason": f"method effect not measured: {source}" if then_doc is None else "method effect not measured: today's code cannot read the old snapshot"}
    result = {
        "schema": SCHEMA,
        "computed_with": {"weightatlas_version": __version__},
        "old": old.describe(),
        "new": new.describe(),
        "tables": tables,
        "curated": curated,
        "headlines": {"data_effect": data_effect, "method_effect": method_effect},
    }
    result["summary"] = summarise(result)
    return result


def _counts(t: dict[str, Any]) -> str:
    return f"{t['old_rows']:,} → {t['new_rows']:,} (+{t['added']:,} −{t['removed']:,} ~{t['revised']:,})"


def summarise(result: dict[str, Any]) -> list[str]:
    """Two to four plain lines: dates, row counts, the headline figures that moved (data, then method)."""
    old, new = result["old"], result["new"]
    lines = [
        f"Snapshot of {old.get('snapshot_date')} ({old['label']}, content {str(old.get('content_hash'))[:12]}) → "
        f"{new.get('snapshot_date')} ({new['label']}, content {str(new.get('content_hash'))[:12]})."
    ]
    by_name = {t["table"]: t for t in result["tables"]}
    main = [f"{n} {_counts(by_name[n])}" for n in ("models", "scores") if n in by_name and "old_rows" in by_name[n]]
    changed = [t["table"] for t in result["tables"] if t["status"] != "unchanged" and t["table"] not in {"models", "scores"}]
    cur = result["curated"]
    cur_text = f"; curated tables changed: {', '.join(t['table'] for t in cur['tables']) or 'none'}" if cur["compared"] else "; curated tables not compared"
    lines.append(f"Rows (old → new, +added −removed ~revised): {'; '.join(main)}; other tables changed: {', '.join(changed) or 'none'}{cur_text}.")
    moved = [h for h in result["headlines"]["data_effect"]["indicators"] if h["moved"]]
    lines.append(
        "Headline figures moved by the data: " + "; ".join(f"{h['title']} {h['before_display']} → {h['after_display']}" for h in moved) + "."
        if moved
        else "No headline figure moved with the data."
    )
    method = result["headlines"]["method_effect"]
    if method["measured"]:
        mm = [h for h in method["indicators"] if h["moved"]]
        lines.append(
            "Moved by the method (code and curated tables, on the old data): " + "; ".join(f"{h['title']} {h['before_display']} → {h['after_display']}" for h in mm) + "."
            if mm
            else "No headline figure moved with the method (code and curated tables) on the old data."
        )
    else:
        lines.append(method["reason"][0].upper() + method["reason"][1:] + ".")
    return lines


# --- changes.json ----------------------------------------------------------------------


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def record_changes(result: dict[str, Any], folder: Path) -> Path:
    """Write ``result`` as ``changes.json`` into the NEW snapshot folder it describes (atomically)."""
    folder = Path(folder)
    manifest = verify_snapshot(folder)
    if manifest.get("content_hash") != result["new"].get("content_hash"):
        raise WeightatlasError(f"{folder} is not the new side of this comparison (its content hash differs); nothing written")
    body = json.loads(json.dumps(result, ensure_ascii=False))  # plain JSON types only
    text = json.dumps({"digest": _digest(body), **body}, indent=2, ensure_ascii=False) + "\n"
    path = folder / CHANGES_FILE
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=".changes-", suffix=".tmp", delete=False) as f:
        f.write(text)
        tmp = Path(f.name)
    tmp.chmod(0o644)
    tmp.replace(path)
    return path


def load_changes(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The ``changes`` block of the document: the recorded comparison, or why there is none."""
    path = Path(folder) / CHANGES_FILE
    if not path.is_file():
        return {"available": False, "reason": f"no {CHANGES_FILE} in the snapshot: it was not built with `weightatlas snapshot build` over an earlier one, nor recorded with `weightatlas snapshot diff --record`"}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        digest = data.pop("digest")
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        return {"available": False, "reason": f"{CHANGES_FILE} is unreadable ({type(exc).__name__}); record it again with `weightatlas snapshot diff --record`"}
    if digest != _digest(data):
        return {"available": False, "reason": f"{CHANGES_FILE} does not match its digest (changed by hand or damaged); record it again"}
    if (data.get("new") or {}).get("content_hash") != manifest.get("content_hash"):
        return {"available": False, "reason": f"{CHANGES_FILE} describes another snapshot (content hash differs): it is stale; record it again"}
    return {"available": True, **data}


def record_build_changes(target: Path, on_step: Callable[[str], None] | None = None) -> Path | None:
    """After a build: compare the kept previous snapshot with the new one and record ``changes.json``.

    Returns the file written, or None when there is no previous snapshot to compare with.
    """
    from weightatlas.snapshot_swap import previous_dir

    target = Path(target)
    if not previous_dir(target).is_dir():
        return None
    result = diff_snapshots(previous_dir(target), target, on_step=on_step)
    return record_changes(result, target)
