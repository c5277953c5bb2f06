#!/usr/bin/env bash
# The main job end to end on the embedded default: install what is missing, start the stack, run the
# `peak` shape scaled to what this machine holds (--scale auto: a recent capacity result or a short
# calibration; the chosen scale and why are printed), write its report, then check the data invariants.
# Extra arguments go to `loadctl run`: the full-size peak is `npm start -- --scale 1`. Exits with the run's
# exit code, or verify's when the data is wrong.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit $?
./bin/loadctl up || exit $?
./bin/loadctl run peak --scale auto "$@"
run_status=$?
./bin/loadctl verify || exit $?
echo "The stack is still running (loadctl status); stop it with: ./bin/loadctl down"
exit "$run_status"
