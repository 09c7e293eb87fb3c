"""Faithful fakes of outside HTTP APIs (Dropbox, Qonto) for tests, e2e runs and the demo."""
