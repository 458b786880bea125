"""Replace a snapshot folder safely, keep the one before it, and recover from a crash at any point.

For a target folder ``T`` (``.../data/snapshot``, or whatever ``--out`` names) in
its parent folder ``P``, these names are used, and nothing else is touched:

==========================  =====================================================
``T``                       the current snapshot
``T.previous``              the one before it, kept on purpose (exactly one)
``.T-new-<id>``             a build: in progress while its builder holds a lock
                            on the folder (``flock``), finished once it is named
                            in the journal
``.T-trash-<id>``           the former ``T.previous``, on its way out
``.T.swap``                 the journal: ``{"new": ".T-new-<id>", "trash": ".T-trash-<id>"}``
``.T.swap.tmp``             the journal being written
``.T-old-*``                left by versions before this one (restored if verified)
==========================  =====================================================

Swap (:func:`commit`), holding the lock on ``P`` (``flock``), which also serialises
recovery and clean-up; every step is followed by an ``fsync`` of ``P``:

====  ==========================================================  =====================================
step  action                                                      folders afterwards (N = new build)
====  ==========================================================  =====================================
S0    the build is complete, verified and fsynced                 T, T.previous, N
S1    write ``.T.swap`` (temp file, fsync, rename)                 same, journal present
S2    if both T and T.previous exist: T.previous -> .T-trash-id   T, trash, N
S3    if T exists: T -> T.previous                                T.previous (old T), trash, N
S4    N -> T                                                      T (new), T.previous, trash
S5    delete ``.T.swap``                                          same, no journal: the swap is over
S6    delete ``.T-trash-id``                                      T (new), T.previous (old T)
====  ==========================================================  =====================================

Recovery (:func:`recover`, run by every command that opens a snapshot, and by a
build before it starts) reads the state back from the disk, under the same lock:

* journal and its N present (a crash after S1, S2 or S3): N was verified before
  S1, so it is verified again and the swap rolls forward from where it stopped:
  S2 if T and T.previous both exist, S3 if T exists, then S4, S5, S6. If N no
  longer verifies (the disk changed under it), it rolls back instead: T.previous
  goes back to T and the trash back to T.previous, and N is deleted.
* journal present, N gone (a crash after S4): S5 and S6.
* no journal: the swap is over or never began. T is left as it is; every
  ``.T-trash-*`` (a half-deleted former previous) is deleted, never restored;
  every ``.T-new-*`` whose builder is gone (its lock is free) is deleted, a live
  build is left alone; a stray ``.T.swap.tmp`` is deleted. Only folders from
  before this scheme (``.T-old-*``) can come back: when T is missing, the newest
  one that passes verification becomes T.

Each recovery step is one of the swap's own steps, so a crash during recovery
leaves a state of the same table, and the next recovery finishes the job.
Recovery takes no lock and writes nothing when there is nothing to recover, so a
snapshot in a read-only installation opens as before.

On systems without ``fcntl`` (Windows) builds are never judged stale: their
folders stay until deleted by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from weightatlas.errors import WeightatlasError

try:  # POSIX; elsewhere builds are never judged stale
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


def previous_dir(target: Path) -> Path:
    """Where the snapshot before ``target``'s current one is kept."""
    return target.parent / f"{target.name}.previous"


def _journal(target: Path) -> Path:
    return target.parent / f".{target.name}.swap"


def _new_prefix(target: Path) -> str:
    return f".{target.name}-new-"


def _trash_prefix(target: Path) -> str:
    return f".{target.name}-trash-"


def _legacy_prefix(target: Path) -> str:
    return f".{target.name}-old-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_path(path: Path) -> None:
    """Flush a file's or folder's data and metadata to disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; renames are still ordered by the journal
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        _fsync_path(path)
    _fsync_path(folder)


@contextlib.contextmanager
def _locked(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """``flock`` on ``path`` (a folder); yields whether the lock was taken."""
    if fcntl is None:  # pragma: no cover
        yield blocking
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock, as a crash of the process does


def _read_journal(target: Path) -> dict[str, str] | None:
    path = _journal(target)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise WeightatlasError(f"cannot read the snapshot swap journal {path}: {exc}; delete it and rebuild the snapshot") from exc
    new, trash = data.get("new", ""), data.get("trash", "")
    if not (new.startswith(_new_prefix(target)) and trash.startswith(_trash_prefix(target)) and "/" not in new + trash):
        raise WeightatlasError(f"the snapshot swap journal {path} is not one weightatlas wrote; delete it and rebuild the snapshot")
    return {"new": new, "trash": trash}


def _write_journal(target: Path, new: Path, trash: Path) -> None:
    tmp = target.parent / f".{target.name}.swap.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"new": new.name, "trash": trash.name}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, _journal(target))
    _fsync_path(target.parent)


def _rename(src: Path, dst: Path) -> None:
    os.rename(src, dst)
    _fsync_path(dst.parent)


class Build:
    """A build folder ``.T-new-<id>`` locked by this process until it is swapped in or discarded."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.folder: Path | None = None
        self._fd: int | None = None

    def __enter__(self) -> Path:
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        # Created and locked under the parent lock, so a concurrent clean-up never sees it unlocked.
        with _locked(parent):
            folder = Path(tempfile.mkdtemp(prefix=_new_prefix(self.target), dir=parent))
            self._fd = os.open(folder, os.O_RDONLY)
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        folder.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a snapshot is data others read
        self.folder = folder
        return folder

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if self.folder is not None and self.folder.exists() and not self._named_in_journal():
                shutil.rmtree(self.folder)  # failed before the swap began: the target was never touched
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _named_in_journal(self) -> bool:
        try:
            journal = _read_journal(self.target)
        except WeightatlasError:
            return True  # unreadable: keep the folder; recovery reports the journal
        return journal is not None and self.folder is not None and journal["new"] == self.folder.name


def commit(new: Path, target: Path) -> None:
    """Swap the complete build ``new`` in as ``target``, keeping the current one as ``target.previous``."""
    from weightatlas.store import verify_snapshot

    verify_snapshot(new)
    fsync_tree(new)
    trash = target.parent / f"{_trash_prefix(target)}{new.name.removeprefix(_new_prefix(target))}"
    with _locked(target.parent):
        _write_journal(target, new, trash)  # S1
        try:
            _roll_forward(target, new, trash)
        except Exception as exc:
            with contextlib.suppress(Exception):
                _recover_locked(target)  # finish or undo now; if that fails too, the next command does
            if isinstance(exc, OSError):
                raise WeightatlasError(f"cannot swap the new snapshot in at {target}: {exc.strerror or exc} ({exc.filename})") from exc
            raise


def _roll_forward(target: Path, new: Path, trash: Path) -> None:
    previous = previous_dir(target)
    if target.exists() and previous.exists():
        _rename(previous, trash)  # S2
    if target.exists():
        _rename(target, previous)  # S3
    _rename(new, target)  # S4
    _finish(target, trash)


def _roll_back(target: Path, new: Path, trash: Path) -> None:
    previous = previous_dir(target)
    if not target.exists() and previous.exists():
        _rename(previous, target)
    if trash.exists() and not previous.exists():
        _rename(trash, previous)
    shutil.rmtree(new)
    _finish(target, trash)


def _finish(target: Path, trash: Path) -> None:
    _journal(target).unlink()  # S5
    _fsync_path(target.parent)
    if trash.exists():
        shutil.rmtree(trash)  # S6


def _needs_recovery(target: Path) -> bool:
    parent = target.parent
    if not parent.is_dir():
        return False
    if not target.exists():
        return True
    prefixes = (_new_prefix(target), _trash_prefix(target), _legacy_prefix(target), f".{target.name}.swap")
    return any(name.startswith(prefixes) for name in os.listdir(parent))


def recover(target: Path) -> None:
    """Finish or undo an interrupted swap of ``target`` and delete what dead builds left behind."""
    target = Path(target)
    if not _needs_recovery(target):
        return
    try:
        with _locked(target.parent):
            _recover_locked(target)
    except OSError as exc:
        raise WeightatlasError(f"cannot recover the interrupted snapshot swap at {target}: {exc.strerror or exc} ({exc.filename})") from exc


def _recover_locked(target: Path) -> None:
    from weightatlas.store import verify_snapshot

    parent = target.parent
    journal = _read_journal(target)
    if journal is not None:
        new, trash = parent / journal["new"], parent / journal["trash"]
        if new.exists():
            try:
                verify_snapshot(new)
            except WeightatlasError:
                _roll_back(target, new, trash)
            else:
                _roll_forward(target, new, trash)
        else:
            _finish(target, trash)
    _clean_leftovers(target)


def _clean_leftovers(target: Path) -> None:
    from weightatlas.store import verify_snapshot

    parent = target.parent
    names = sorted(os.listdir(parent))
    legacy = [parent / n for n in names if n.startswith(_legacy_prefix(target))]
    if not target.exists():
        for folder in sorted(legacy, key=lambda p: p.stat().st_mtime, reverse=True):
            try:
                verify_snapshot(folder)
            except WeightatlasError:
                continue
            _rename(folder, target)
            break
    if target.exists():
        for folder in legacy:
            if folder.exists():
                shutil.rmtree(folder)
    for name in names:
        path = parent / name
        if name.startswith(_trash_prefix(target)):
            shutil.rmtree(path)
        elif name == f".{target.name}.swap.tmp":
            path.unlink()
        elif name.startswith(_new_prefix(target)) and path.is_dir() and _builder_gone(path):
            shutil.rmtree(path)


def _builder_gone(folder: Path) -> bool:
    """True when no live process holds the build folder's lock (its builder died or was killed)."""
    if fcntl is None:  # pragma: no cover
        return False
    with _locked(folder, blocking=False) as taken:
        return taken
