"""Jobs: the pipeline's work as tasks, run by procrastinate workers on PostgreSQL.

`tasks.py` holds what each job does (plain functions on `Services`, the same steps a
SQLite window runs in one process); `queue.py` the procrastinate app, how jobs are
deferred inside the caller's transaction, and the worker.
"""
