"""Matching documents with bank transactions: candidates, scores, decisions with reasons.

The entry point is `liasse.domain.matching.engine.match_transactions`. This package file
stays empty on purpose: `domain.documents` imports `matching.fx`, and an eager import of the
engine here would close an import cycle.
"""
