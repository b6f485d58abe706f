"""The benchmark of issues 6 and 12: the whole ``alliance-sync run`` against two floors.

For each size (benchmarks/generate.py), side by side in one invocation:

- the whole run as a process: ``python -m sync run`` on the size's alliance —
  wall time, peak RSS of that child (``os.wait4``), and the time of each step
  read from its French log lines on standard error;
- the floors as processes (benchmarks/floor.py): the same workbooks read, and as
  many cells as the run's workbook holds written — with openpyxl (read-only,
  write-only), and the « fast floor » with python-calamine and XlsxWriter in
  constant-memory mode;
- with ``--google``, the same alliance served by the local Sheets API server of
  the tests (tests/support/sheets_server.py): the run through the real gspread code, and
  the read requests counted per spreadsheet.

A warm-up run (not measured) fills the file cache, records a first sync in the
history and tells how many cells the workbook holds; each measured run starts
from a copy of that state folder, so every measured run is « the next night,
nothing changed ». Runs and floors alternate, so a drift of the machine touches
both. Each figure is the median of ``--repeat`` runs.

While ``alliance-sync run`` cannot write a workbook (the ministry workbook not
yet in place), ``alliance-sync validate`` is measured instead, as the
« lecture + validation » part, and the results say so.

    python benchmarks/run.py [--sizes small,medium,large] [--repeat 3] [--google]
    python benchmarks/run.py --smoke          # CI: smallest size, 1 run, no targets
    python benchmarks/run.py --profile medium # where the time goes (pyinstrument)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a script: benchmarks/ is a package of the repository

from benchmarks.generate import DEFAULT_DATA, SIZES, Size, build_alliance  # noqa: E402

RESULTS = HERE / "RESULTS.md"
PROFILES = HERE / "profiles"

# Targets of issues 6 and 12.
TARGET_RATIO = 1.5  # whole run ≤ 1.5 × openpyxl floor, at every size
TARGET_FAST_RATIO = 2.0  # whole run ≤ 2 × fast floor, at 3×2,000
TARGET_RSS_MB = 400  # peak RSS at 3×20,000
TARGET_GROWTH = 0.20  # cost per project, 6,000 → 60,000 projects


# --------------------------------------------------------------------------
# Measuring one child process


@dataclass
class Measure:
    wall: float
    cpu: float  # user + system seconds of the child: steadier than wall on a shared machine
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 900) -> Measure:
    """Run ``cmd``; wall time, and the peak RSS of that child alone (``wait4``
    gives its own rusage, whereas RUSAGE_CHILDREN keeps the largest child ever)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measure(
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("ALLIANCE_SYNC_SHEETS_URL", None)
    env.update(extra)
    return env


# --------------------------------------------------------------------------
# Steps, from the French log lines (docs/exploitation.md: one line per step, with its time)

_LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:[A-Z]+ : )?(.*)$")
_DURATION = re.compile(r"(?:\ben |\()(\d+(?:[.,]\d+)?) s\b")
COMMITTEES = "Comités : lecture, analyse, règles de ligne"
CROSS = "Règles croisées, consolidation (déduit)"
OUTSIDE = "Démarrage, imports, hors étapes (déduit)"


def stage_times(stderr: str) -> dict[str, float]:
    """Each timed log line → (label, seconds); the committees' lines are summed."""
    stages: dict[str, float] = {}
    for line in stderr.splitlines():
        match = _LOG_LINE.match(line)
        message = match.group(1) if match else line
        duration = _DURATION.search(message)
        if not duration:
            continue
        seconds = float(duration.group(1).replace(",", "."))
        if message.startswith("Comité "):
            label = COMMITTEES
        else:
            head = message.split(" : ", 1)[0] if " : " in message else message[: duration.start()]
            label = re.sub(r"\s+", " ", re.sub(r"n° ?\d+|\d+", "", head)).strip(" .(")
        stages[label] = stages.get(label, 0.0) + seconds
    return stages


def derived_stages(stages: dict[str, float], wall: float) -> dict[str, float]:
    """Adds what the log lines imply: cross rules (validation − committees) and the
    time outside every logged step (wall − whole sync, or − the top-level steps)."""
    out = dict(stages)
    validation = next((v for k, v in stages.items() if k.startswith("Validation")), None)
    if validation is not None and COMMITTEES in stages:
        out[CROSS] = max(0.0, validation - stages[COMMITTEES])
    total = next((v for k, v in stages.items() if k.startswith("Synchronisation") and "terminée" in k), None)
    if total is None:  # the top-level steps: the committees' lines are inside « Validation »
        total = sum(v for k, v in stages.items() if k != COMMITTEES or validation is None)
    out[OUTSIDE] = max(0.0, wall - total)
    return out


def workbook_cells(path: Path) -> int:
    """Non-empty cells of a written workbook: ``</c>`` closes a cell with a value
    or formula (empty cells are written ``<c …/>``), in every worksheet part."""
    with zipfile.ZipFile(path) as archive:
        return sum(
            archive.read(name).count(b"</c>")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


# --------------------------------------------------------------------------
# One size


@dataclass
class SizeResult:
    size: Size
    mode: str  # "run", or "validate" while run cannot write a workbook
    note: str = ""
    output_cells: int = 0
    findings_exit: int = 0
    runs: list[Measure] = field(default_factory=list)
    floors: list[Measure] = field(default_factory=list)
    floor_parts: list[dict] = field(default_factory=list)
    fast_floors: list[Measure] = field(default_factory=list)
    fast_parts: list[dict] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    google: GoogleResult | None = None

    @property
    def run_wall(self) -> float:
        return statistics.median(m.wall for m in self.runs)

    @property
    def run_rss(self) -> float:
        return statistics.median(m.rss_mb for m in self.runs)

    @property
    def run_cpu(self) -> float:
        return statistics.median(m.cpu for m in self.runs)

    @property
    def floor_cpu(self) -> float:
        return statistics.median(m.cpu for m in self.floors)

    @property
    def cpu_ratio(self) -> float:
        if self.mode == "run":
            return self.run_cpu / self.floor_cpu
        return self.run_cpu / statistics.median(
            m.cpu - p["write_s"] for m, p in zip(self.floors, self.floor_parts, strict=False)
        )

    @property
    def floor_wall(self) -> float:
        return statistics.median(m.wall for m in self.floors)

    @property
    def floor_rss(self) -> float:
        return statistics.median(m.rss_mb for m in self.floors)

    @property
    def floor_reference(self) -> float:
        """The floor to compare with: whole, or without its writing half while only
        ``validate`` (which writes no workbook) can be measured."""
        if self.mode == "run":
            return self.floor_wall
        return statistics.median(m.wall - p["write_s"] for m, p in zip(self.floors, self.floor_parts, strict=False))

    @property
    def ratio(self) -> float:
        return self.run_wall / self.floor_reference

    @property
    def fast_wall(self) -> float:
        return statistics.median(m.wall for m in self.fast_floors)

    @property
    def fast_rss(self) -> float:
        return statistics.median(m.rss_mb for m in self.fast_floors)

    @property
    def fast_ratio(self) -> float:
        return self.run_wall / self.fast_wall

    def fast_part(self, key: str) -> float:
        return statistics.median(p[key] for p in self.fast_parts)

    @property
    def ms_per_project(self) -> float:
        return self.run_wall / self.size.total_projects * 1000

    def floor_part(self, key: str) -> float:
        return statistics.median(p[key] for p in self.floor_parts)

    def stage_medians(self) -> dict[str, float]:
        labels: list[str] = []
        for stages in self.stages:
            labels.extend(label for label in stages if label not in labels)
        return {label: statistics.median(s.get(label, 0.0) for s in self.stages) for label in labels}


def sync_command(mode: str, config: Path, work: Path) -> list[str]:
    cmd = [sys.executable, "-m", "sync", mode, "--config", str(config)]
    if mode == "run":
        cmd += ["--output", str(work / "rapport.xlsx"), "--state-dir", str(work / "state")]
    return cmd


def _problem(m: Measure) -> str:
    lines = [line for line in m.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"code de sortie {m.returncode}"


def warm_up(config: Path, work: Path, quiet: bool) -> tuple[str, str, Measure]:
    """The unmeasured first run; falls back to validate while run cannot write a workbook."""
    m = measure(sync_command("run", config, work), cwd=work, env=child_env())
    if m.returncode in (0, 1) and (work / "rapport.xlsx").is_file():
        return "run", "", m
    note = f"`alliance-sync run` n'a pas pu écrire de classeur ({_problem(m)})"
    if not quiet:
        print(f"  {note} ; mesure de `alliance-sync validate` à la place.", file=sys.stderr)
    shutil.rmtree(work / "state", ignore_errors=True)
    m = measure(sync_command("validate", config, work), cwd=work, env=child_env())
    if m.returncode not in (0, 1):
        raise SystemExit(f"alliance-sync validate a échoué (code {m.returncode}) : {_problem(m)}")
    return "validate", note, m


def bench_size(size: Size, repeat: int, *, data: Path, google: bool, quiet: bool, google_repeat: int = 1) -> SizeResult:
    config = build_alliance(size, data, quiet=quiet)
    with tempfile.TemporaryDirectory(prefix=f"bench-{size.name}-") as tmp:
        root = Path(tmp)
        warm = root / "warm"
        warm.mkdir()
        mode, note, first = warm_up(config, warm, quiet)
        result = SizeResult(size, mode, note, findings_exit=first.returncode)
        if mode == "run":
            result.output_cells = workbook_cells(warm / "rapport.xlsx")
        for index in range(repeat):
            work = root / f"run-{index}"
            work.mkdir()
            if (warm / "state").is_dir():
                shutil.copytree(warm / "state", work / "state")
            m = measure(sync_command(mode, config, work), cwd=work, env=child_env())
            if m.returncode not in (0, 1):
                raise SystemExit(f"alliance-sync {mode} a échoué (code {m.returncode}) : {_problem(m)}")
            result.runs.append(m)
            result.stages.append(derived_stages(stage_times(m.stderr), m.wall))
            f = measure(
                [
                    sys.executable,
                    str(HERE / "floor.py"),
                    str(config),
                    "--cells",
                    str(result.output_cells),
                    "--out",
                    str(work / "plancher.xlsx"),
                ],
                cwd=work,
                env=child_env(),
            )
            if f.returncode != 0:
                raise SystemExit(f"le plancher a échoué : {_problem(f)}")
            result.floors.append(f)
            result.floor_parts.append(json.loads(f.stdout.strip().splitlines()[-1]))
            fast = measure(
                [
                    sys.executable,
                    str(HERE / "floor.py"),
                    str(config),
                    "--cells",
                    str(result.output_cells),
                    "--out",
                    str(work / "plancher-rapide.xlsx"),
                    "--kind",
                    "fast",
                ],
                cwd=work,
                env=child_env(),
            )
            if fast.returncode != 0:
                raise SystemExit(f"le plancher rapide a échoué : {_problem(fast)}")
            result.fast_floors.append(fast)
            result.fast_parts.append(json.loads(fast.stdout.strip().splitlines()[-1]))
            shutil.rmtree(work)
            if not quiet:
                print(
                    f"  {size.name} #{index + 1} : {mode} {m.wall:.2f} s, {m.rss_mb:.0f} Mo ; "
                    f"plancher {f.wall:.2f} s, {f.rss_mb:.0f} Mo ; plancher rapide {fast.wall:.2f} s, "
                    f"{fast.rss_mb:.0f} Mo",
                    file=sys.stderr,
                )
        if google:
            result.google = bench_google(size, config, google_repeat, root, quiet)
    return result


# --------------------------------------------------------------------------
# The Google path (tests/support/sheets_server.py)


@dataclass
class GoogleResult:
    mode: str
    spreadsheets: int
    reads: list[dict[str, int]] = field(default_factory=list)  # per repeat: key → read requests
    total_reads: list[int] = field(default_factory=list)  # per repeat: every read request the server saw
    runs: list[Measure] = field(default_factory=list)
    note: str = ""

    @property
    def holds(self) -> bool:
        return bool(self.reads) and all(
            len(r) == self.spreadsheets and all(n == 1 for n in r.values()) and total == self.spreadsheets
            for r, total in zip(self.reads, self.total_reads, strict=False)
        )

    @property
    def wall(self) -> float:
        return statistics.median(m.wall for m in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(m.rss_mb for m in self.runs)


def load_sheets_server():
    """The local Sheets API server of the tests, or None when it is not there."""
    import importlib

    if not (REPO / "tests" / "support" / "sheets_server.py").is_file():
        return None
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # the tests are a package (tests.support)
    return importlib.import_module("tests.support.sheets_server")


def _sheet_value(value):
    """An openpyxl value as the server stores a cell (it speaks JSON: no Decimal)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def google_config(config: Path, keys: dict[str, str], target: Path) -> Path:
    """The size's configuration with each committee's source on Google."""
    text = config.read_text(encoding="utf-8")
    for code, key in keys.items():
        text = text.replace(f'source = {{ xlsx = "comites/{code.lower()}.xlsx" }}', f'source = {{ google = "{key}" }}')
    target.write_text(text, encoding="utf-8")
    return target


def serve_committees(server, loaded, keys: dict[str, str]) -> None:
    """Each sub-region's workbook as a spreadsheet of the local Sheets server, under ``keys[code]``."""
    import openpyxl

    for committee in loaded.subregions:
        assert committee.source is not None
        wb = openpyxl.load_workbook(committee.source.location, read_only=True, data_only=True)
        tabs = {
            title: [[_sheet_value(v) for v in row] for row in wb[title].iter_rows(values_only=True)]
            for title in wb.sheetnames
        }
        wb.close()
        sizes = {title: (max(1000, len(rows) + 100), 26) for title, rows in tabs.items()}
        server.add_spreadsheet(keys[committee.code], tabs, title=f"Comité {committee.name}", sizes=sizes)


def bench_google(size: Size, config: Path, repeat: int, root: Path, quiet: bool) -> GoogleResult:
    server_module = load_sheets_server()
    if server_module is None:
        return GoogleResult("absent", 0, note="tests/support/sheets_server.py absent : chemin Google non mesuré")
    from sync.config import load_config

    loaded = load_config(config)
    keys = {c.code: f"bench{size.name}{c.code.lower()}" for c in loaded.subregions}
    server = server_module.SheetsServer().start()
    try:
        serve_committees(server, loaded, keys)
        work = root / "google"
        work.mkdir()
        gconfig = google_config(config, keys, work / "alliance-google.toml")
        env = child_env(ALLIANCE_SYNC_SHEETS_URL=server.url)
        mode = "run"
        first = measure(sync_command("run", gconfig, work), cwd=work, env=env)
        if first.returncode not in (0, 1) or not (work / "rapport.xlsx").is_file():
            mode = "validate"
            shutil.rmtree(work / "state", ignore_errors=True)
            first = measure(sync_command("validate", gconfig, work), cwd=work, env=env)
            if first.returncode not in (0, 1):
                return GoogleResult("échec", len(keys), note=f"chemin Google en échec : {_problem(first)}")
        result = GoogleResult(mode, len(keys))
        for index in range(repeat):
            server.reset_log()
            run_dir = root / f"google-{index}"
            run_dir.mkdir()
            if (work / "state").is_dir():
                shutil.copytree(work / "state", run_dir / "state")
            shutil.copy(gconfig, run_dir / gconfig.name)
            m = measure(sync_command(mode, run_dir / gconfig.name, run_dir), cwd=run_dir, env=env)
            if m.returncode not in (0, 1):
                result.note = f"chemin Google en échec : {_problem(m)}"
                break
            result.runs.append(m)
            result.reads.append({key: server.reads(key) for key in keys.values()})
            result.total_reads.append(server.reads())
            shutil.rmtree(run_dir)
            if not quiet:
                print(
                    f"  {size.name} Google #{index + 1} : {m.wall:.2f} s, {m.rss_mb:.0f} Mo, "
                    f"lectures {result.reads[-1]}",
                    file=sys.stderr,
                )
        return result
    finally:
        server.stop()


# --------------------------------------------------------------------------
# Profiling


def profile(size: Size, data: Path, profiler: str = "py-spy") -> Path:
    """One run under a sampling profiler, after a warm-up run (so the history has
    a previous sync, as on any night). Writes to benchmarks/profiles/:

    - py-spy (low overhead, the default): the collapsed stacks and their summary
      (benchmarks/hotspots.py: the project's functions by inclusive time, every
      function by own time);
    - pyinstrument: the session, its call tree and the functions by own time.
    """
    config = build_alliance(size, data)
    PROFILES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"profile-{size.name}-") as tmp:
        work = Path(tmp)
        mode, _, _ = warm_up(config, work, quiet=True)
        stem = PROFILES / f"{size.name}-{mode}"
        args = sync_command(mode, config, work)[3:]
        if profiler == "py-spy":
            raw = stem.parent / f"{stem.name}.raw"
            cmd = [
                "py-spy",
                "record",
                "--rate",
                "100",
                "--format",
                "raw",
                "-o",
                str(raw),
                "--",
                sys.executable,
                "-m",
                "sync",
                *args,
            ]
        else:
            session = stem.parent / f"{stem.name}.pyisession"
            cmd = [
                sys.executable,
                "-m",
                "pyinstrument",
                "--interval",
                "0.002",
                "-r",
                "pyisession",
                "-o",
                str(session),
                "-m",
                "sync",
                *args,
            ]
        try:
            m = measure(cmd, cwd=work, env=child_env())
        except FileNotFoundError:
            raise SystemExit(f"{profiler} introuvable : pip install -e '.[bench]'") from None
        if m.returncode not in (0, 1):
            raise SystemExit(f"{profiler} a échoué : {_problem(m)} (pip install -e '.[bench]')")
    if profiler == "py-spy":
        from benchmarks.hotspots import render as hotspots

        target = stem.parent / f"{stem.name}-hotspots.txt"
        target.write_text(hotspots(raw.read_text(encoding="utf-8"), 30) + "\n", encoding="utf-8")
        return target
    renders = {
        "tree": ["-p", "processor_options.filter_threshold=0.005"],
        "flat": ["-p", "flat=true", "-p", "processor_options.filter_threshold=0.002"],
    }
    for view, options in renders.items():
        out = stem.parent / f"{stem.name}-{view}.txt"
        subprocess.run(
            [sys.executable, "-m", "pyinstrument", "--load", str(session), "-r", "text", *options, "-o", str(out)],
            check=True,
        )
    return stem.parent / f"{stem.name}-tree.txt"


# --------------------------------------------------------------------------
# Report


def machine() -> dict[str, str]:
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        ram = f"{kb / 1024 / 1024:.1f} Gio"
    except (OSError, StopIteration, ValueError):
        pass
    versions = []
    for name in (
        "python-calamine",
        "XlsxWriter",
        "rapidfuzz",
        "openpyxl",
        "et_xmlfile",
        "lxml",
        "defusedxml",
        "gspread",
        "click",
    ):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return {
        "Processeur": cpu,
        "Cœurs": str(os.cpu_count()),
        "Mémoire": ram,
        "Système": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Bibliothèques": ", ".join(versions),
        "Date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def table(results: list[SizeResult]) -> list[str]:
    lines = [
        "| taille | projets | versements | mesuré | exécution | plancher openpyxl | rapport | plancher rapide "
        "| rapport (rapide) | CPU exécution | CPU plancher | rapport CPU | RSS max exécution | RSS max plancher "
        "| RSS max plancher rapide | ms / projet | cellules écrites |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = _n(r.output_cells) if r.output_cells else "—"
        floor = _s(r.floor_wall) if r.mode == "run" else f"{_s(r.floor_reference)} (lecture seule)"
        lines.append(
            f"| {r.size.name} ({r.size.label}) | {_n(r.size.total_projects)} "
            f"| {_n(r.size.committees * r.size.payments)} | {r.mode} | {_s(r.run_wall)} | {floor} "
            f"| {r.ratio:.2f} × | {_s(r.fast_wall)} | {r.fast_ratio:.2f} × | {_s(r.run_cpu)} | {_s(r.floor_cpu)} "
            f"| {r.cpu_ratio:.2f} × | {r.run_rss:.0f} Mo | {r.floor_rss:.0f} Mo | {r.fast_rss:.0f} Mo "
            f"| {r.ms_per_project:.3f} | {cells} |"
        )
    return lines


def stages_table(results: list[SizeResult]) -> list[str]:
    labels: list[str] = []
    medians = {}
    for r in results:
        medians[r.size.name] = r.stage_medians()
        labels.extend(label for label in medians[r.size.name] if label not in labels)
    head = "| étape (médiane) | " + " | ".join(r.size.name for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for label in labels:
        lines.append(
            f"| {label} | "
            + " | ".join(_s(medians[r.size.name][label]) if label in medians[r.size.name] else "—" for r in results)
            + " |"
        )
    lines.append(
        "| Plancher : lecture openpyxl read-only | " + " | ".join(_s(r.floor_part("read_s")) for r in results) + " |"
    )
    lines.append(
        "| Plancher : écriture openpyxl write-only | " + " | ".join(_s(r.floor_part("write_s")) for r in results) + " |"
    )
    lines.append(
        "| Plancher rapide : lecture python-calamine | " + " | ".join(_s(r.fast_part("read_s")) for r in results) + " |"
    )
    lines.append(
        "| Plancher rapide : écriture XlsxWriter constant_memory | "
        + " | ".join(_s(r.fast_part("write_s")) for r in results)
        + " |"
    )
    return lines


def targets(results: list[SizeResult], google: bool) -> tuple[list[str], bool]:
    by_name = {r.size.name: r for r in results}
    lines, ok = [], True

    def verdict(holds: bool | None) -> str:
        nonlocal ok
        if holds is None:
            return "non mesuré"
        ok = ok and holds
        return "**tenu**" if holds else "**non tenu**"

    medium = by_name.get("medium")
    for r in results:
        scope = "" if r.mode == "run" else " (validate seulement : pas de classeur)"
        lines.append(
            f"- {r.size.label} : exécution ≤ {TARGET_RATIO} × plancher openpyxl — {r.ratio:.2f} ×{scope} : "
            f"{verdict(r.ratio <= TARGET_RATIO)}"
        )
    if medium:
        lines.append(
            f"- 3×2 000 : exécution ≤ {TARGET_FAST_RATIO} × plancher rapide — {medium.fast_ratio:.2f} × : "
            f"{verdict(medium.fast_ratio <= TARGET_FAST_RATIO)}"
        )
    else:
        lines.append(f"- 3×2 000 : exécution ≤ {TARGET_FAST_RATIO} × plancher rapide : {verdict(None)}")
    large = by_name.get("large")
    if large:
        lines.append(
            f"- 3×20 000 : RSS max ≤ {TARGET_RSS_MB} Mo — {large.run_rss:.0f} Mo : "
            f"{verdict(large.run_rss <= TARGET_RSS_MB)}"
        )
    else:
        lines.append(f"- 3×20 000 : RSS max ≤ {TARGET_RSS_MB} Mo : {verdict(None)}")
    if medium and large and medium.mode != large.mode:
        lines.append(
            f"- coût par projet de 6 000 à 60 000 projets : non comparable ({medium.mode} à 3×2 000, "
            f"{large.mode} à 3×20 000) : {verdict(None)}"
        )
    elif medium and large:
        growth = large.ms_per_project / medium.ms_per_project - 1
        lines.append(
            f"- coût par projet de 6 000 à 60 000 projets : {medium.ms_per_project:.3f} → "
            f"{large.ms_per_project:.3f} ms, {growth:+.0%} (≤ +{TARGET_GROWTH:.0%}) : "
            f"{verdict(growth <= TARGET_GROWTH)}"
        )
    else:
        lines.append(f"- coût par projet de 6 000 à 60 000 projets (≤ +{TARGET_GROWTH:.0%}) : {verdict(None)}")
    if google:
        for r in results:
            g = r.google
            if g is None or not g.reads:
                lines.append(
                    f"- chemin Google, {r.size.label} : lectures = chiffriers : {verdict(None)}"
                    + (f" ({g.note})" if g and g.note else "")
                )
                continue
            counts = ", ".join(str(n) for n in g.reads[-1].values())
            lines.append(
                f"- chemin Google, {r.size.label} : {g.spreadsheets} chiffriers, {g.total_reads[-1]} "
                f"lectures ({counts} par chiffrier) : {verdict(g.holds)}"
            )
    else:
        lines.append(f"- chemin Google (lectures = chiffriers) : {verdict(None)} (--google)")
    return lines, ok


def google_table(results: list[SizeResult]) -> list[str]:
    rows = [r for r in results if r.google and r.google.runs]
    if not rows:
        return []
    lines = [
        "| taille | mesuré | exécution | CPU | RSS max | chiffriers | lectures par chiffrier |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        g = r.google
        assert g is not None  # rows keep only the sizes measured on Google
        reads = " ; ".join(", ".join(f"{k} : {n}" for k, n in rd.items()) for rd in g.reads[-1:])
        runs = f" (médiane de {len(g.runs)})" if len(g.runs) > 1 else ""
        lines.append(
            f"| {r.size.name} ({r.size.label}) | {g.mode} | {_s(g.wall)}{runs} "
            f"| {_s(statistics.median(m.cpu for m in g.runs))} | {g.rss:.0f} Mo "
            f"| {g.spreadsheets} | {reads} |"
        )
    lines += [
        "",
        "Le serveur local tourne sur la même machine (2 cœurs) : le temps d'exécution comprend "
        "l'attente de ses réponses ; le CPU est celui du seul processus alliance-sync. Le compte de "
        "lectures est exact dès la première exécution.",
    ]
    return lines


def render(results: list[SizeResult], repeat: int, google: bool, info: dict[str, str]) -> tuple[str, bool]:
    goals, ok = targets(results, google)
    notes = sorted({r.note for r in results if r.note})
    out = [
        "# Bancs d'essai — résultats",
        "",
        "Produit par `python benchmarks/run.py "
        f"--sizes {','.join(r.size.name for r in results)} --repeat {repeat}{' --google' if google else ''}`. "
        f"Chaque chiffre est la médiane de {repeat} exécutions ; exécution et plancher alternent.",
        "",
        "## Machine",
        "",
    ]
    out += [f"- {k} : {v}" for k, v in info.items()]
    out += ["", "## Exécution entière et plancher", ""] + table(results)
    if notes:
        out += [""] + [
            f"> {n} ; `alliance-sync validate` mesuré à la place (lecture + validation), "
            "comparé au plancher sans sa moitié écriture."
            for n in notes
        ]
    out += ["", "## Étapes (lignes du journal)", ""] + stages_table(results)
    gt = google_table(results)
    if gt:
        out += ["", "## Chemin Google (serveur local tests/support/sheets_server.py)", ""] + gt
    out += ["", "## Cibles", ""] + goals
    return "\n".join(out) + "\n", ok


ANALYSIS = "## Analyse"


def kept_analysis(path: Path) -> str:
    """The hand-written part of a results file (from « ## Analyse » on), kept when
    the measured part above it is rewritten."""
    if not path.is_file():
        return ""
    old = path.read_text(encoding="utf-8")
    at = old.find("\n" + ANALYSIS)
    return "" if at < 0 else old[at:]


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bancs d'essai d'alliance-sync (issues 6 et 12).")
    parser.add_argument(
        "--sizes",
        default="small,medium,large",
        help="tailles, parmi : " + ", ".join(f"{k} ({v.label})" for k, v in SIZES.items()),
    )
    parser.add_argument("--repeat", type=int, default=3, help="exécutions par chiffre (médiane)")
    parser.add_argument(
        "--google",
        action="store_true",
        help="mesurer aussi le chemin Google (serveur local tests/support/sheets_server.py)",
    )
    parser.add_argument(
        "--google-repeat",
        type=int,
        default=1,
        help="exécutions mesurées du chemin Google (le compte de lectures est exact dès la 1re)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI : plus petite taille, 1 exécution, cibles non vérifiées, aucun fichier écrit",
    )
    parser.add_argument("--profile", metavar="TAILLE", help="profiler une exécution et s'arrêter")
    parser.add_argument(
        "--profiler",
        choices=["py-spy", "pyinstrument"],
        default="py-spy",
        help="profileur de --profile (défaut : py-spy, le moins intrusif)",
    )
    parser.add_argument("--results", type=Path, default=None, help=f"fichier de résultats (défaut : {RESULTS})")
    parser.add_argument("--enforce", action="store_true", help="code de sortie 1 si une cible n'est pas tenue")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="dossier des alliances générées")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.profile:
        print(profile(SIZES[args.profile], args.data, args.profiler))
        return 0
    if args.smoke:
        args.sizes, args.repeat = "small", 1
    names = [n.strip() for n in args.sizes.split(",") if n.strip()]
    unknown = [n for n in names if n not in SIZES]
    if unknown or args.repeat < 1:
        parser.error(f"taille inconnue : {', '.join(unknown)}" if unknown else "--repeat doit être ≥ 1")

    info = machine()
    results = []
    for name in names:
        started = time.perf_counter()
        if not args.quiet:
            print(f"== {name} ({SIZES[name].label} projets)", file=sys.stderr)
        results.append(
            bench_size(
                SIZES[name],
                args.repeat,
                data=args.data,
                google=args.google,
                quiet=args.quiet,
                google_repeat=args.google_repeat,
            )
        )
        if not args.quiet:
            print(f"   ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    text, ok = render(results, args.repeat, args.google, info)
    print(text)
    if not args.smoke or args.results:
        target = args.results or RESULTS
        target.write_text(text + kept_analysis(target), encoding="utf-8")
        print(f"Résultats écrits : {target}", file=sys.stderr)
    if args.smoke:
        return 0
    return 1 if args.enforce and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
