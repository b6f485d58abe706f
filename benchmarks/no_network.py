"""``check-access``, ``run``, ``run --deliver`` and ``deliver --dry-run`` with no network at all, for three
Google committees (issue 19), each command as a process in a network namespace of its
own (``unshare -rn``: no interface but a down loopback, every name lookup fails at
once).

``--slow-resolver`` plays the other « no network »: a resolver that never answers, each
lookup failing after 10 s (``socket.getaddrinfo`` replaced in the child process only).

The configuration uses Google's addresses and the [google] table's default retries
(not the tests' fast ones), a service-account key whose token endpoint is Google's,
feedback on and delivery to a Drive folder; ``deliver`` needs a sync in the history,
made first against the local Sheets server of the tests.

    python benchmarks/no_network.py [--repeat 3] [--slow-resolver] [--only "run --deliver"]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: benchmarks/ is a package of the repository

from tests.support.sheets_server import SheetsServer, google_config  # noqa: E402
from tests.test_google_resilience import fill, service_account_file  # noqa: E402

COMMANDS = (("check-access",), ("run",), ("run", "--deliver"), ("deliver", "--dry-run"))
DEFAULT_RETRIES = {"max_attempts": 8, "retry_deadline": 120, "backoff_initial": 1, "backoff_max": 30, "timeout": 60}
SLOW_RESOLVER = """import socket, time
def _never(*args, **kwargs):
    time.sleep(10)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
socket.getaddrinfo = _never
"""


def prepare(folder: Path) -> Path:
    service_account_file(folder / "cle.json", "https://oauth2.googleapis.com/token")
    google = {"credentials": "cle.json", **DEFAULT_RETRIES}
    config = google_config(folder, feedback=True, google=google, extra='[delivery]\ndrive_folder = "0ABCdossier"\n')
    with SheetsServer() as server:  # a first sync, so that deliver has something to deliver
        fill(server)
        env = {**os.environ, "ALLIANCE_SYNC_SHEETS_URL": server.url}
        subprocess.run(
            [sys.executable, "-m", "sync", "run", "--config", str(config), "--state-dir", "etat"],
            cwd=folder,
            env=env,
            capture_output=True,
            check=True,
        )
    return config


def timed(folder: Path, config: Path, command: tuple[str, ...], slow: Path | None) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_SYNC_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (slow, REPO) if p is not None)
    argv = ["unshare", "-rn", sys.executable, "-m", "sync", *command, "--config", str(config), "--state-dir", "etat"]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False)
    return time.monotonic() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slow-resolver", action="store_true")
    parser.add_argument("--only", action="append", default=[], help="une commande seulement (répétable)")
    options = parser.parse_args()
    if shutil.which("unshare") is None:
        sys.exit("unshare (util-linux) est requis")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        config = prepare(folder)
        slow = None
        if options.slow_resolver:
            slow = folder / "resolveur"
            slow.mkdir()
            (slow / "sitecustomize.py").write_text(SLOW_RESOLVER, encoding="utf-8")
        print("| commande | médiane | essais (s) | code de sortie |")
        print("|---|---:|---|---:|")
        for command in [c for c in COMMANDS if not options.only or " ".join(c) in options.only]:
            runs = [timed(folder, config, command, slow) for _ in range(options.repeat)]
            times = [t for t, _ in runs]
            shown = ", ".join(f"{t:.1f}".replace(".", ",") for t in times)
            median = f"{statistics.median(times):.1f}".replace(".", ",")
            print(f"| `{' '.join(command)}` | {median} s | {shown} | {runs[-1][1]} |")


if __name__ == "__main__":
    main()
