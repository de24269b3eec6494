"""Writing output files so that nothing is lost: all or nothing, atomically, never over an
input of the run and never through a symbolic link.

Every file is first written to a temporary file beside its target; only when all of them
are written are they renamed into place, each in one step (a rename replaces the directory
entry: a link at the target is replaced, its destination is never written). A read-only or
full folder, or a link in the way, is an `OutputError` before anything is replaced, and
the temporaries and the folders created for them are removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .errors import OutputError


def write_outputs(directory: str | Path, files: Mapping[str, str | bytes],
                  inputs: Iterable[Path] = ()) -> list[Path]:
    """Write each file (text or bytes; names may hold one folder level, `charts/a.png`)
    into `directory`, created if needed. Returns the paths written."""
    out_dir = Path(directory)
    protected = {Path(p).resolve() for p in inputs}  # once: `inputs` may be an iterator
    targets = [_target(out_dir, name, protected) for name in files]
    created: list[Path] = []
    staged: list[tuple[str, Path]] = []
    try:
        for target in targets:
            _make_dirs(target.parent, created)
        for target, content in zip(targets, files.values(), strict=True):
            staged.append((_stage(target, content), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for folder in reversed(created):
            _remove_if_empty(folder)
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc} "
                          f"({_why(exc)}); nothing was written") from None
    return [out_dir / name for name in files]


@contextlib.contextmanager
def staged_outputs(directory: str | Path, names: Iterable[str], inputs: Iterable[Path] = ()
                   ) -> Iterator[dict[str, Path]]:
    """For outputs too large to hold in memory (a sweep's rows): temporary files beside
    each target, to be written while the work runs; when the block ends normally they are
    renamed into place, each in one step; when it raises (an error, Ctrl-C) they are
    removed, with the folders made for them, and nothing is replaced. The same checks as
    `write_outputs` (never an input, never through a link) come first."""
    out_dir = Path(directory)
    protected = {Path(p).resolve() for p in inputs}
    names = list(names)
    targets = [_target(out_dir, name, protected) for name in names]
    created: list[Path] = []
    staged: dict[str, Path] = {}
    try:
        try:
            for target in targets:
                _make_dirs(target.parent, created)
            for name, target in zip(names, targets, strict=True):
                staged[name] = Path(_stage(target, b""))
        except OSError as exc:
            raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc} "
                              f"({_why(exc)}); nothing was written") from None
        yield staged
        try:
            for name, target in zip(names, targets, strict=True):
                with open(staged[name], "rb+") as handle:
                    os.fsync(handle.fileno())
                os.replace(staged[name], target)
        except OSError as exc:
            raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc} "
                              f"({_why(exc)})") from None
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        for folder in reversed(created):
            _remove_if_empty(folder)
        raise


def write_file(path: str | Path, content: str | bytes, inputs: Iterable[Path] = ()) -> Path:
    """One output file, with the guarantees of `write_outputs`."""
    path = Path(path)
    return write_outputs(path.parent, {path.name: content}, inputs)[0]


def create_file(path: str | Path, content: str | bytes) -> Path:
    """A new file, written whole or not at all; OutputError when anything (a file, a link,
    a folder) already has its name: staged beside it, then hard-linked into place, which
    fails rather than replace (the planner's "Save as what-if" never overwrites)."""
    path = Path(path)
    if path.is_symlink() or path.exists():
        raise OutputError(f"not saved: {path} exists; chanopt never overwrites a file, "
                          "choose another name")
    target = _target(path.parent, path.name, set())
    tmp = None
    try:
        tmp = _stage(target, content)
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(f"not saved: {path} exists; chanopt never overwrites a file, "
                          "choose another name") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc} ({_why(exc)}); "
                          "nothing was written") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def _target(out_dir: Path, name: str, protected: set[Path]) -> Path:
    """Where `name` goes; OutputError when it is an input or a link stands in the way."""
    target = out_dir / name
    if target.resolve() in protected or target.absolute() in protected:
        raise OutputError(f"refusing to write {target}: it is an input of this run; choose "
                          "another output folder or file name", overwrites_input=True)
    parts = Path(name).parts[:-1]
    for depth in range(1, len(parts) + 1):  # folders inside out_dir (charts/): no links
        folder = out_dir.joinpath(*parts[:depth])
        if folder.is_symlink():
            raise OutputError(f"refusing to write {target}: {folder} is a symbolic link, and "
                              "chanopt never writes through links; remove it or choose "
                              "another output folder")
    if target.is_dir() and not target.is_symlink():
        raise OutputError(f"cannot write {target}: a folder of that name is in the way")
    return target


def _make_dirs(folder: Path, created: list[Path]) -> None:
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _stage(target: Path, content: str | bytes) -> str:
    """The content in a temporary file beside `target` (its path), synced to disk."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would create it
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (someone else wrote there): keep it
        folder.rmdir()


def _why(exc: OSError) -> str:
    import errno

    return {errno.EACCES: "no permission to write there", errno.EROFS: "a read-only file "
            "system", errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is "
            "used up", errno.ENOTDIR: "a file stands where a folder must be",
            errno.EPERM: "not permitted there"}.get(
                exc.errno or 0, "the system refused")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
