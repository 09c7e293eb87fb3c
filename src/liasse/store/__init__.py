"""Persistence: the only package that speaks SQL (tables, repositories, migrations, blobs)."""
