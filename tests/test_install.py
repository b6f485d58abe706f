"""A plain, non-editable `pip install .` in a fresh venv runs the demo from anywhere.

The package is built as a real wheel from a copy of the source tree (so nothing of
the checkout can leak in through the current directory), installed into a new venv
that borrows the already installed dependencies, then run from another directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import sync
from tests.support.checks import REPO

pytestmark = pytest.mark.install

README = (REPO / "README.md").read_text(encoding="utf-8")

SOURCE_PARTS = ["pyproject.toml", "README.md", "LICENSE", "sync", "config", "templates"]


def _copy_tree(target: Path) -> None:
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".alliance-sync")
    for part in SOURCE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / part)


def _venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, scripts dir, work dir) of a venv where alliance-sync is wheel-installed."""
    assert (REPO / "README.md").is_file(), "README.md manque : pyproject.toml le déclare, `pip install .` échoue"
    root = tmp_path_factory.mktemp("installation")
    source = root / "source"
    _copy_tree(source)
    env_dir = root / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = _venv_python(env_dir)
    # When the tests themselves run in a venv (CI's .venv), its packages are the ones
    # to borrow: a .pth file adds its site-packages after the new venv's own.
    if sys.prefix != sys.base_prefix:
        purelib = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(purelib, "_borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = _clean_env()
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    work = root / "ailleurs"
    work.mkdir()
    return python, python.parent, work


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(installed, *args: str) -> subprocess.CompletedProcess:
    _python, scripts, work = installed
    return subprocess.run(
        [str(scripts / "alliance-sync"), *args], cwd=work, capture_output=True, text=True, env=_clean_env(), timeout=300
    )


def test_installed_as_a_wheel_not_editable(installed):
    python, _, work = installed
    probe = (
        "import importlib.metadata as m, json, sync; "
        "d = m.distribution('alliance-sync'); "
        "print(json.dumps({'file': sync.__file__, 'direct_url': d.read_text('direct_url.json'), "
        "'version': d.version}))"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=work, capture_output=True, text=True, env=_clean_env(), check=True
    )
    info = json.loads(result.stdout)
    assert Path(info["file"]).resolve().is_relative_to(python.parent.parent.resolve())
    assert not Path(info["file"]).resolve().is_relative_to(REPO)
    assert '"editable": true' not in (info["direct_url"] or "")
    # The version is written once (sync/__init__.py) and the package declares its types.
    assert info["version"] == sync.__version__
    assert (Path(info["file"]).parent / "py.typed").is_file()


def test_validate_runs_the_bundled_demo_from_another_directory(installed):
    result = run(installed, "validate")
    assert result.returncode == 0, result.stderr
    assert "Conforme — 0 erreur" in result.stdout
    # The demo's workbooks, read from inside the installed package, are named as the demo's, never by that path.
    assert "(démo intégrée, comites/ouest.xlsx)" in result.stderr
    assert "site-packages" not in result.stderr and "_bundled" not in result.stderr
    findings = json.loads(run(installed, "validate", "--format", "json").stdout)["findings"]
    assert all(f["severity"] == "warning" for f in findings)


def test_bundled_data_is_found(installed):
    python, _, work = installed
    probe = (
        "from sync.resources import bundled, demo_config; "
        "print(demo_config()); print(bundled('templates', 'gabarit-comite.xlsx'))"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=work, capture_output=True, text=True, env=_clean_env(), check=True
    )
    for line in result.stdout.split():
        path = Path(line)
        assert path.is_file(), line
        assert "_bundled" in path.parts
    demo = Path(result.stdout.split()[0]).parent
    assert sorted(p.name for p in (demo / "comites").glob("*.xlsx")) == ["est.xlsx", "longueuil.xlsx", "ouest.xlsx"]


def test_template_and_python_dash_m(installed):
    python, _, work = installed
    result = run(installed, "template", "--output", "gabarit.xlsx")
    assert result.returncode == 0, result.stderr
    assert (work / "gabarit.xlsx").is_file()
    result = subprocess.run(
        [str(python), "-m", "sync", "--help"], cwd=work, capture_output=True, text=True, env=_clean_env()
    )
    assert result.returncode == 0
    assert "validate" in result.stdout


# -- the README's first command, on a stock Debian or Ubuntu


def readme_first_command() -> str:
    """The first block under « Les deux commandes », exactly as a newcomer copies it."""
    found = re.search(r"^## Les deux commandes\n.*?```\n(.*?)\n```", README, flags=re.S | re.M)
    assert found, "README : section « Les deux commandes » sans bloc de commande"
    return found.group(1)


def stock_system(root: Path) -> Path:
    """A PATH folder standing for a stock Debian 12 or Ubuntu 24.04: ``python3`` is the
    system's, which refuses any pip install into itself (PEP 668, with the message
    those distributions print); ``pip`` and ``pip3``, when present, say the same."""
    real = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert real.is_file(), real
    refusal = "error: externally-managed-environment"
    bin_dir = root / "systeme"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do [ "$a" = pip ] && {{ echo "{refusal}" >&2; exit 1; }}; done\n'
        f'exec "{real}" "$@"\n'
    )
    for name in ("pip", "pip3"):
        (bin_dir / name).write_text(f'#!/bin/sh\necho "{refusal}" >&2\nexit 1\n')
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    return bin_dir


@pytest.mark.skipif(os.name == "nt", reason="la commande Windows du README (cmd) ne se lance pas ici")
def test_the_first_readme_command_works_on_a_stock_system_python(tmp_path):
    """Copied from the README into a fresh copy of the project, with only the system's
    python3 on the PATH: it creates .venv, installs into it and runs the demo. The
    dependencies are lent through PYTHONPATH (pip counts them as installed, so the test
    needs no download of them; the wheel itself is really built and installed)."""
    command = readme_first_command()
    project = tmp_path / "alliance"
    _copy_tree(project)
    env = _clean_env()
    env["PATH"] = f"{stock_system(tmp_path)}{os.pathsep}/usr/bin{os.pathsep}/bin"
    env["PYTHONPATH"] = sysconfig.get_path("purelib")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    # The simulated system is strict: the old, bare command fails there as it does on Debian.
    old = subprocess.run(
        ["bash", "-c", "pip install . && alliance-sync run"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert old.returncode != 0 and "externally-managed-environment" in old.stderr

    result = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(
        r"Conforme — 0 erreur, 1 avertissement\. Classeur écrit : rapport-fqis-\d{4}-\d\d-\d\d\.xlsx",
        result.stdout.strip().splitlines()[-1],
    ), result.stdout
    assert (project / ".venv" / "bin" / "alliance-sync").is_file()  # what cron and systemd call later
    assert len(list(project.glob("rapport-fqis-*.xlsx"))) == 1


def test_the_windows_command_is_the_same_steps():
    """Windows cannot run here: its line must do what the tested one does, step by step."""
    posix = readme_first_command()
    windows = next(b.strip() for b in re.findall(r"```\n(.*?)```", README, flags=re.S) if b.startswith("py -m venv"))
    as_posix = windows.replace("py -m venv", "python3 -m venv").replace("\\Scripts\\", "/bin/")
    assert as_posix == posix
