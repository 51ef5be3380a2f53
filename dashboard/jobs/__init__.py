"""Bulk jobs: exports to CSV/XLSX and bulk actions, run by Celery (see dashboard.tasks).

- `columns`  what an export can contain and how a store's answer becomes a row
- `writers`  typed rows to CSV and XLSX, formulas neutralised, in constant memory
- `forms`    the new-export and bulk-action forms, and the orders filters
- `services` create, run (resumably), assemble, cancel, expire and sweep jobs
- `selectors` the jobs an operator may see, and their progress
"""
