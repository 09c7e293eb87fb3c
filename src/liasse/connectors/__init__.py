"""Adapters to outside systems: one package per system, each with an injected httpx client."""
