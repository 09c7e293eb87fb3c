"""Enrichment: supplier resolution, ledger accounts, duplicates, routing inputs."""
