"""`peerlog doctor`: where the journal lives, what it holds, and whether it is healthy.

The doctor only looks. It never creates, migrates, repairs or rewrites anything, so it is safe to run on a
journal that something else refuses to open; every finding comes with what the person can do about it.
Unlike the other domain modules it takes a path, not a `Session`: a session needs a journal that opens,
and the doctor is most useful exactly when one does not.
"""

from __future__ import annotations

import glob
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from peerlog.errors import INIT_COMMAND
from peerlog.files import can_write, kind_of
from peerlog.store import health
from peerlog.store.migrations import LATEST

#: Below this much free space, new entries (and the backup taken before an upgrade) may fail to save.
LOW_SPACE_BYTES = 64 * 1024 * 1024
OK, NOTE, PROBLEM = "ok", "note", "problem"
#: What the doctor calls each table it counts: (one, many).
COUNT_NAMES = {
    "checkin": ("check-in", "check-ins"),
    "win": ("win", "wins"),
    "challenge": ("challenge", "challenges"),
    "pair": ("pair", "pairs"),
    "peers": ("peer", "peers"),
    "reflection": ("reflection", "reflections"),
    "answer": ("answer", "answers"),
    "feedback": ("feedback", "feedback"),
}


@dataclass(frozen=True)
class Finding:
    """One thing the doctor noticed: how much it matters, what it is, and what to do about it."""

    level: str
    what: str
    todo: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "what": self.what, "todo": self.todo}


@dataclass
class DoctorReport:
    path: Path
    source: str
    exists: bool = False
    size_bytes: int = 0
    side_bytes: int = 0
    mode: int | None = None
    folder_mode: int | None = None
    free_bytes: int | None = None
    schema_version: int | None = None
    schema_known: int = LATEST
    journal_mode: str | None = None
    you: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    integrity: list[str] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not any(f.level == PROBLEM for f in self.findings)

    def add(self, level: str, what: str, todo: str | None = None) -> None:
        self.findings.append(Finding(level, what, todo))

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "source": self.source,
            "exists": self.exists,
            "size_bytes": self.size_bytes,
            "side_files_bytes": self.side_bytes,
            "mode": _octal(self.mode),
            "folder_mode": _octal(self.folder_mode),
            "free_bytes": self.free_bytes,
            "schema_version": self.schema_version,
            "schema_known": self.schema_known,
            "journal_mode": self.journal_mode,
            "you": self.you,
            "counts": dict(self.counts),
            "integrity": list(self.integrity),
            "backups": [str(b) for b in self.backups],
            "healthy": self.healthy,
            "findings": [f.to_dict() for f in self.findings],
        }


def _octal(mode: int | None) -> str | None:
    return None if mode is None else f"{stat.S_IMODE(mode):04o}"


def free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _backups(path: Path) -> list[Path]:
    """Copies saved beside the journal before upgrades, and by `peerlog backup`, newest first."""
    try:
        # The name is escaped: a journal called `my[1].db` or `q?.db` must not read as a pattern.
        found = [p for p in path.parent.glob(f"{glob.escape(path.name)}*.bak") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _restore_hint(report: DoctorReport) -> str:
    if report.backups:
        return f"Your newest backup is {report.backups[0]}: copy it over the journal to go back to it."
    return "If you keep backups of this file, restoring the newest one brings your entries back."


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def examine(path: Path, *, source: str = "", integrity: bool = True, quick: bool = False) -> DoctorReport:
    """Look at the journal at `path` and say what is well and what needs attention."""
    report = DoctorReport(path=path, source=source)
    folder = path.parent
    report.free_bytes = free_bytes(_nearest_existing(folder))
    if folder.exists():
        report.folder_mode = folder.stat().st_mode
    report.backups = _backups(path) if folder.is_dir() else []
    if path.is_dir():
        report.add(
            PROBLEM,
            f"{path} is a folder, not a journal file.",
            "Point --db (or PEERLOG_DB) at the journal file itself, or leave it out to use your usual one.",
        )
        return report
    if not path.exists():
        _missing(report, folder)
        return report
    report.exists = True
    st = path.stat()
    report.size_bytes, report.mode = st.st_size, st.st_mode
    if not stat.S_ISREG(st.st_mode):
        # Checked before anything is opened: reading a named pipe would wait for ever, and a device
        # such as /dev/null reads as an empty file, which is not a journal waiting to be set up.
        report.add(
            PROBLEM,
            f"{path} is not a journal file: it is {kind_of(st.st_mode)}. peerlog has not touched it.",
            "Point --db (or PEERLOG_DB) at the journal file itself, or leave it out to use your usual one.",
        )
        return report
    report.side_bytes = sum(
        side.stat().st_size for side in (Path(f"{path}-wal"), Path(f"{path}-shm")) if side.exists()
    )
    try:
        look = health.look(path, integrity=integrity, quick=quick)
    except OSError as error:
        report.add(
            PROBLEM,
            f"peerlog cannot read {path}: {error.strerror or error}.",
            "Check that this file belongs to you and that you may read it (e.g. `ls -l` on it).",
        )
        return report
    if not _judge_contents(report, look):
        return report  # not a journal at all: permissions and space would only distract
    _judge_access(report, path, folder)
    _judge_key(report, path)
    _judge_space(report)
    return report


def _missing(report: DoctorReport, folder: Path) -> None:
    existing = _nearest_existing(folder)
    if not can_write(existing):
        report.add(
            PROBLEM,
            f"There is no journal at {report.path}, and the folder {existing} cannot be written, so one "
            "cannot be started there either.",
            f"Choose a folder you may write to with PEERLOG_HOME or --db, then run `{INIT_COMMAND}`.",
        )
        return
    report.add(
        PROBLEM,
        f"There is no journal at {report.path} yet.",
        f"Run `{INIT_COMMAND}` to start one, or point --db (or PEERLOG_HOME) at the journal you mean.",
    )


def _judge_contents(report: DoctorReport, look: health.FileLook) -> bool:
    """Judge what the file holds. False when it is no peerlog journal: then nothing else is worth saying."""
    path = report.path
    if look.empty:
        report.add(
            NOTE,
            "The journal file is empty: its first set-up did not finish. No entries were in it yet.",
            f"Run `{INIT_COMMAND}` to finish setting it up.",
        )
        return True
    if not look.is_sqlite:
        report.add(
            PROBLEM,
            f"{path} is not a peerlog journal: it is not an SQLite database. peerlog has not changed it.",
            "Check --db and PEERLOG_DB (or leave them out for your usual journal). " + _restore_hint(report),
        )
        return False
    report.journal_mode = look.journal_mode
    report.schema_version = look.version
    report.you = look.self_name
    report.counts = _counts(look.counts)
    report.integrity = look.integrity
    if look.error is not None:
        _unreadable(report, look.error)
        return False
    if look.read_without_wal:
        report.add(
            NOTE,
            "The journal was read without its write-ahead log, because its folder cannot be written; "
            "the most recent entries may not be counted.",
        )
    if look.version is None and look.tables and {"meta", "person", "checkin"} & set(look.tables):
        report.add(
            PROBLEM,
            f"The journal looks damaged: {_damage_list(look.damage) or 'its schema version cannot be read'}. "
            "peerlog has not changed it.",
            "Keep a copy of the file as it is before trying anything. " + _restore_hint(report),
        )
        return False
    if look.version is None and look.tables:
        report.add(
            PROBLEM,
            f"{path} is an SQLite database from another program, not a peerlog journal. "
            "peerlog has not changed it.",
            "Check --db and PEERLOG_DB, or leave them out to use your usual journal.",
        )
        return False
    if look.version is None:
        report.add(
            NOTE,
            "The journal has no tables yet: its first set-up did not finish.",
            f"Run `{INIT_COMMAND}` to finish setting it up.",
        )
        return True
    if look.version > LATEST:
        report.add(
            PROBLEM,
            f"This journal was written by a newer peerlog (schema {look.version}; this peerlog knows "
            f"up to {LATEST}). peerlog has not changed it.",
            "Upgrade peerlog to use it, e.g. `pip install --upgrade peerlog`.",
        )
    elif look.version < LATEST:
        report.add(
            NOTE,
            f"The journal uses schema {look.version}; this peerlog will upgrade it to {LATEST} the next "
            "time you use it, after saving a copy beside it.",
        )
    if look.integrity and look.integrity != ["ok"]:
        report.add(
            PROBLEM,
            f"SQLite's integrity check found {len(look.integrity)} problem"
            f"{'s' if len(look.integrity) != 1 else ''} in the journal, starting with: {look.integrity[0]}",
            "Keep a copy of the file as it is before trying anything. " + _restore_hint(report),
        )
    elif look.foreign_key_problems:
        report.add(
            PROBLEM,
            f"{look.foreign_key_problems} entr{'ies' if look.foreign_key_problems != 1 else 'y'} point to "
            "rows that no longer exist.",
            "Your other entries are fine. Keep a copy of the file, and please report this so it can be fixed.",
        )
    if look.damage:
        report.add(
            PROBLEM,
            f"Some of the journal cannot be read: {_damage_list(look.damage)}. Commands that reach it stop "
            "with a message; the rest of your entries are fine.",
            "Keep a copy of the file as it is before trying anything. " + _restore_hint(report),
        )
    if look.self_name is None and look.version <= LATEST:
        report.add(NOTE, "The journal does not know who you are yet.", f"Run `{INIT_COMMAND}`.")
    return True


def _unreadable(report: DoctorReport, error: str) -> None:
    """SQLite could not read the file. Only damage calls for a backup: a permission problem is fixed by
    giving the permission back, and restoring an older copy over it would lose entries for nothing."""
    text = error.lower()
    path, folder = report.path, report.path.parent
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        report.add(
            PROBLEM,
            f"SQLite could not read the journal ({error}). The file looks damaged.",
            "Keep a copy of the file as it is before trying anything. " + _restore_hint(report),
        )
    elif "readonly" in text or "unable to open" in text or "permission" in text or "access" in text:
        blocked = folder if not can_write(folder) else path
        report.add(
            PROBLEM,
            f"SQLite was not allowed to read the journal ({error}); the journal itself is not damaged.",
            f"Check the permissions of {blocked} (e.g. `ls -ld {blocked}`): you need to be able to read the "
            "file and write in its folder. Do not restore a backup for this.",
        )
    elif "locked" in text or "busy" in text:
        report.add(
            PROBLEM,
            f"The journal is busy in another program ({error}); nothing is wrong with it.",
            "Close the other peerlog (or the program holding it) and run `peerlog doctor` again.",
        )
    else:
        report.add(
            PROBLEM,
            f"SQLite could not read the journal ({error}).",
            "Keep a copy of the file as it is, run `peerlog doctor` again, and please report this if it "
            "stays.",
        )


def _damage_list(damage: list[health.Damage]) -> str:
    shown = "; ".join(str(d) for d in damage[:5])
    return shown + (f"; and {len(damage) - 5} more" if len(damage) > 5 else "")


def _counts(raw: dict[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in COUNT_NAMES:
        if table == "peers" and "person" in raw:
            counts[table] = max(raw["person"] - 1, 0)
        elif table in raw:
            counts[table] = raw[table]
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    """`12 check-ins, 1 win, 3 pairs`: what there is, in words (nothing listed at zero but check-ins)."""
    parts = []
    for table, n in counts.items():
        if n or table == "checkin":
            one, many = COUNT_NAMES[table]
            parts.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(parts)


def _judge_access(report: DoctorReport, path: Path, folder: Path) -> None:
    if not can_write(path):
        report.add(
            PROBLEM,
            "The journal file is read-only: peerlog can show your entries but cannot save new ones.",
            f"If that is not on purpose, make it writable again: `chmod u+w {path}`.",
        )
    if not can_write(folder):
        report.add(
            PROBLEM,
            f"The folder {folder} cannot be written. SQLite keeps small working files beside the journal "
            "while it saves, so new entries cannot be saved; peerlog can still show the ones there.",
            f"Make the folder writable again (`chmod u+wx {folder}`), or move the journal to one that is.",
        )
    if report.mode is not None and stat.S_IMODE(report.mode) & 0o077:
        report.add(
            NOTE,
            f"Other people on this computer may read the journal (mode {_octal(report.mode)}); it holds "
            "private entries.",
            f"Make it yours alone: `chmod 600 {path}`.",
        )


def _judge_key(report: DoctorReport, path: Path) -> None:
    """The key beside the journal, judged by a look at the file only (its contents need the crypto library)."""
    from peerlog.identity import ID_COMMAND, key_file_problem, key_path

    key = key_path(path)
    problem = key_file_problem(key)
    if problem is not None:
        report.add(PROBLEM, problem.message, problem.hint)
    elif not (key.exists() or key.is_symlink()):
        report.add(
            NOTE,
            f"Your journal has no key yet ({key}); it is made the first time it is needed.",
            f"`{ID_COMMAND}` makes it now and shows the code to send your peer.",
        )


def _judge_space(report: DoctorReport) -> None:
    if report.free_bytes is not None and report.free_bytes < LOW_SPACE_BYTES:
        report.add(
            PROBLEM,
            f"The disk holding the journal is nearly full ({human_size(report.free_bytes)} free), so new "
            "entries may not save. Everything saved so far is safe.",
            "Free some space on that disk; peerlog needs nothing else to carry on.",
        )


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
