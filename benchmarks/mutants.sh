#!/usr/bin/env bash
# Mutation testing (issue 23): small deliberate mistakes (mutants) are made one at a
# time in sync/rules, sync/parsing, sync/consolidate.py and the ministry workbook's
# formulas (sync/outputs/ministry/formulas.py), and the fast tests that cover each
# one are run; a mutant they let pass « survives ». Slow (hours for the whole
# scope on two cores): run by hand or on a schedule, never in every CI run.
#
#     bash benchmarks/mutants.sh                      # the whole scope of pyproject.toml
#     bash benchmarks/mutants.sh "sync.consolidate*"  # only the mutants named so
#     MUTANTS_CHILDREN=1 MUTANTS_LIBREOFFICE=0 nice -n 15 bash benchmarks/mutants.sh \
#         "sync.parsing.values*"                      # one test at a time, no LibreOffice
#
# MUTANTS_LIBREOFFICE=0 leaves out the tests that start LibreOffice (the only ones
# that kill the formulas' mutants, and the slowest): for sync/rules and sync/parsing.
#
# The configuration is [tool.mutmut] in pyproject.toml; mutmut works in mutants/
# (ignored by git) and keeps the results of the functions that did not change, even
# after tests were added: remove mutants/ first for a fresh measure. The score and each surviving mutant, explained, are recorded in
# benchmarks/RESULTS.md (« Tests de mutation »); `mutmut show NAME` prints a mutant.
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m pip install -q -c constraints.txt -e ".[mutation]"
# Two cores are shared on the developers' machines: at most two tests at a time.
# Hypothesis's properties without shrinking (tests/support/plugin.py): a failure is enough.
export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --hypothesis-profile=mutants"
if [ "${MUTANTS_LIBREOFFICE:-1}" = 0 ]; then
    export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} -k 'not libreoffice'"
fi
.venv/bin/mutmut run --max-children "${MUTANTS_CHILDREN:-2}" "$@" || true
.venv/bin/mutmut results
