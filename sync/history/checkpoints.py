"""Named points of a run where the kill tests stop it.

With ``ALLIANCE_SYNC_TEST_PAUSE_AT=<step>`` in the environment, a run that
reaches that step says so on standard error and sleeps until it is killed, so a
test can SIGKILL it at an exact moment without timing guesses. The steps, in
order: ``verrou`` (lock taken, run started), ``rapport`` (report built),
``classeur-temporaire`` (workbook written beside its target, run not recorded),
``historique`` (run recorded and committed, workbook not yet in place),
``classeur`` (workbook in place, its placement not yet confirmed in the history),
``fin`` (all done, lock still held).
"""

from __future__ import annotations

import os
import sys
import time

ENV = "ALLIANCE_SYNC_TEST_PAUSE_AT"
STEPS = ("verrou", "rapport", "classeur-temporaire", "historique", "classeur", "fin")


def pause_at(step: str) -> None:
    if os.environ.get(ENV) != step:
        return
    sys.stderr.write(f"PAUSE {step} {os.getpid()}\n")
    sys.stderr.flush()
    while True:  # until killed
        time.sleep(60)
