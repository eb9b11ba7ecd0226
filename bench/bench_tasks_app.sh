#!/usr/bin/env bash
# The app's daily task run on the medium bank (SQLite), after import and the day's segmentation.
set -e
cd /work/main
export RMPERF_HOME=/tmp/med-home PATH="$HOME/.pyenv/shims:$PATH"
rm -rf /tmp/med-home; mkdir -p /tmp/med-home
.venv/bin/rmperf migrate -v 0
/usr/bin/time -f "import: %e s, %M KB" .venv/bin/rmperf import /tmp/bank-medium --today 2026-11-23 > /tmp/med-import.log
.venv/bin/rmperf shell -c "
import time, resource, datetime as dt
from rmperf.segments.services import segment_run_latest
from rmperf.tasks.services import task_run
t=time.perf_counter(); s=segment_run_latest(actor=None); print('segment run', s.as_of, round(time.perf_counter()-t,1), 's')
t=time.perf_counter(); r=task_run(actor=None, as_of=dt.date(2026,9,30)); print('task run (cold app, stored segmentation)', r.created, 'created', round(time.perf_counter()-t,1), 's')
t=time.perf_counter(); r=task_run(actor=None, as_of=dt.date(2026,9,30)); print('task run again (same day: no duplicates)', r.created, 'created', r.closed, 'closed', round(time.perf_counter()-t,1), 's')
print('peak RSS MiB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024)
"
