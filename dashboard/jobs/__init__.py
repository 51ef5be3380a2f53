"""Bulk jobs: exports to CSV/XLSX and bulk actions, run by Celery (see dashboard.tasks).

One module per step of a job's life; none of them imports `dashboard.tasks` (what to
enqueue is passed in):

- `create`      a new export or bulk action (idempotent per submit), audited
- `runner`      run or resume one part (one store) under its lease; fail a job
- `leases`      who holds a part, and whether that lease still counts
- `exports`     an export part: its intermediate file and the walk of the list pages
- `platform`    an export part made by the platform's own export, chunk by chunk
- `bulk`        a bulk-action part: one item per object, each call recorded
- `assembly`    every part's file into the final CSV or XLSX
- `cancel`      the owner stops a job
- `downloads`   the finished file for its owner, audited
- `maintenance` what beat runs: the sweep for lost messages, expired files
- `in_process`  a whole job in this process (the command line)
- `columns`     what an export can contain and how a store's answer becomes a row
- `writers`     typed rows to CSV and XLSX, formulas neutralised, in constant memory
- `resources`   each resource's list endpoint and actions, and the permission a job needs
- `workfiles`   where the intermediate files live
- `selectors`   the jobs an operator may see, their progress, their notices (reads)
- `notices`     ended jobs shown to their owner are marked as seen (writes)
"""
