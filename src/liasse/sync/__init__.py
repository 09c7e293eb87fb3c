"""Orchestration: sync windows, pipeline steps, scheduling. Owns ordering and transactions."""
