"""The enricher that knows the workspace: its suppliers, its history, its past documents.

It runs the pure enrich logic (`liasse.enrich.enrich_document`) with knowledge loaded from
the store. The directory is checked for each document (a one-row query on its version) and
read again only when it changed, so a supplier created for one document, here or by
another window, and any edit a person made, are known to the next; the duplicate index
is built once per window and grows as documents are enriched, so two copies arriving in
the same window still meet.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.documents import KnownDocument
from liasse.domain.extraction import ExtractionResult
from liasse.domain.ports import Enrichment, WorkspaceContext
from liasse.domain.routing import Thresholds
from liasse.domain.suppliers import OwnCompany, Posting, Supplier
from liasse.enrich import EnrichedDocument, WorkspaceKnowledge, enrich_document
from liasse.enrich.classifier import AccountClassifier
from liasse.enrich.directory import InMemoryDirectory
from liasse.enrich.duplicates import DuplicateIndex
from liasse.store.db import autocommit_session
from liasse.store.memory_repo import MemoryRepo, SharedModel
from liasse.store.suppliers_repo import SupplierRepo
from liasse.sync.pipeline import utc_now

# The workspace's history trains the account classifier from this many postings on.
CLASSIFIER_FROM = 10
# A classifier is trained again when the history grew by this factor since it was trained
# (1,600 postings take about 1.8 s to fit), or when the history changed and the model is
# older than RETRAIN_SECONDS (an account a person corrected reaches it within that time).
RETRAIN_GROWTH = 1.5
RETRAIN_SECONDS = 600.0
# A job's view reads the posting history again at most this often: every job of a first
# sync approves documents (history is approved and posted ones), so each job read it
# whole again (a row a posted document, quadratic over a backfill). An account suggestion
# learns from postings a few seconds old at worst; a window's enricher reads it at once.
JOB_HISTORY_SECONDS = 2.0
HistoryVersion = tuple[int, datetime | None]
# While another worker fits a workspace's classifier, one with a model of its own looks
# for the new one this often, not before each document (two statements each).
OTHERS_FIT_SECONDS = 1.0


@dataclass(frozen=True)
class _Trained:
    version: HistoryVersion
    postings: int
    at: float  # time.monotonic() when it was fitted
    classifier: AccountClassifier | None


class SharedClassifiers:
    """The account classifiers the workers of an installation share through the store: a
    worker whose model is due to be fitted again loads the one another fitted, when that
    one is not due itself (the same rule), instead of fitting it on the same history."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts(self, workspace_id: str) -> SharedModel | None:
        with autocommit_session(self._sessions) as session:
            return MemoryRepo(session, workspace_id).shared_model()

    def load(self, workspace_id: str) -> AccountClassifier | None:
        with autocommit_session(self._sessions) as session:
            data = MemoryRepo(session, workspace_id).shared_model_bytes()
        return AccountClassifier.from_bytes(data) if data is not None else None

    @contextmanager
    def fitting(self, workspace_id: str, *, wait: bool) -> Iterator[MemoryRepo | None]:
        """This worker's turn to fit the workspace's model (the repo to share it through,
        in the turn's transaction), or None while another worker fits it (`wait`: until
        it is done, then the turn is this one's)."""
        with self._sessions.begin() as session:
            repo = MemoryRepo(session, workspace_id)
            yield repo if repo.take_model_fit(wait=wait) else None


class ClassifierCache:
    """The account classifiers of one process, by workspace. A worker rebuilds its
    pipelines (and enrichers) every half minute; fitting the classifier again each time
    cost more than reading the documents in between, so the fitted model outlives them.
    With `shared`, a model due to be fitted again is first looked for among the other
    workers' (each worker fitted its own, on the same history)."""

    def __init__(self, *, growth: float = RETRAIN_GROWTH, max_age: float = RETRAIN_SECONDS,
                 shared: SharedClassifiers | None = None) -> None:
        self._growth, self._max_age = growth, max_age
        self._shared = shared
        self._trained: dict[str, _Trained] = {}
        self._others_fit_until: dict[str, float] = {}  # time.monotonic(), by workspace
        self._lock = threading.Lock()

    def classifier(self, workspace_id: str, version: HistoryVersion,
                   history: list[Posting]) -> AccountClassifier | None:
        with self._lock:  # the threads of a worker share it: one fit at a time
            trained = self._trained.get(workspace_id)
            if self._stale(trained, version, len(history)):
                trained = self._renewed(workspace_id, trained, version, history)
                if trained is not None:
                    self._trained[workspace_id] = trained
            return trained.classifier if trained is not None else None

    def _renewed(self, workspace_id: str, trained: _Trained | None, version: HistoryVersion,
                 history: list[Posting]) -> _Trained | None:
        """The model for this history: fitted here, or by another worker (shared)."""
        if self._shared is None:
            return self._fitted(version, history)
        has_model = trained is not None and trained.classifier is not None
        if has_model and time.monotonic() < self._others_fit_until.get(workspace_id, 0.0):
            return trained  # another worker fits it: not asked again for each document
        found = self._from_others(workspace_id, version, len(history))
        if found is not None:
            return found
        # A worker with a model goes on with it while another fits the next (the history
        # a suggestion learns from is a few seconds old at worst, as in `JOB_HISTORY_
        # SECONDS`); one without waits for it, and suggests as it would have.
        with self._shared.fitting(workspace_id, wait=not has_model) as turn:
            if turn is None:
                self._others_fit_until[workspace_id] = time.monotonic() + OTHERS_FIT_SECONDS
                return trained
            found = self._from_others(workspace_id, version, len(history))  # done meanwhile
            if found is not None:
                return found
            fitted = self._fitted(version, history)
            if fitted.classifier is not None:
                turn.share_model(SharedModel(len(history), version, utc_now()),
                                 fitted.classifier.to_bytes())
            return fitted

    @staticmethod
    def _fitted(version: HistoryVersion, history: list[Posting]) -> _Trained:
        return _Trained(version, len(history), time.monotonic(),
                        AccountClassifier.train(history))

    def _from_others(self, workspace_id: str, version: HistoryVersion, postings: int
                     ) -> _Trained | None:
        """The shared model, when it is not due to be fitted again itself."""
        facts = self._shared.facts(workspace_id) if self._shared is not None else None
        if facts is None or self._shared is None:
            return None
        age = max(0.0, (utc_now() - facts.fitted_at).total_seconds())
        theirs = _Trained(facts.history_version, facts.postings, time.monotonic() - age,
                          None)
        if self._due(theirs, version, postings):
            return None
        classifier = self._shared.load(workspace_id)
        return replace(theirs, classifier=classifier) if classifier is not None else None

    def _stale(self, trained: _Trained | None, version: HistoryVersion, postings: int) -> bool:
        if postings < CLASSIFIER_FROM:
            return False  # too little history: the classifier stays as it is (or absent)
        if trained is None or trained.classifier is None:
            return trained is None or trained.version != version
        return self._due(trained, version, postings)

    def _due(self, trained: _Trained, version: HistoryVersion, postings: int) -> bool:
        """Whether a fitted model is due to be fitted again on this history."""
        if trained.version == version:
            return False
        return (postings >= trained.postings * self._growth
                or time.monotonic() - trained.at >= self._max_age)


@dataclass
class _Caches:
    """What an enricher read from the store, shared by its views for jobs (`for_job`)."""

    duplicates: DuplicateIndex | None = None
    directory: _CachedDirectory | None = None
    history: tuple[HistoryVersion, list[Posting]] | None = None
    history_read_at: float = 0.0  # time.monotonic() when `history` was read


class StoreEnricher:
    def __init__(self, sessions: sessionmaker[Session],
                 classifiers: ClassifierCache | None = None) -> None:
        self._sessions = sessions
        self._classifiers = classifiers or ClassifierCache()
        self._cache = _Caches()
        # A job's view: the knowledge checked on its first document, kept for the others.
        self._job: bool = False
        self._checked: tuple[HistoryVersion, list[Posting]] | None = None

    def for_job(self) -> StoreEnricher:
        """This enricher for one job's documents (a read job's chunk, read side by side):
        the store's version of the directory and the history is checked on the job's first
        document only, not on each (a statement a document, an aggregate over the
        workspace's suppliers and documents). Suppliers it creates are still known to the
        next document, and one another worker created meanwhile is found by its company
        identifier when this one would create it again (`SupplierRepo.add`)."""
        view = copy.copy(self)
        view._job, view._checked = True, None
        return view

    def enrich(self, extraction: ExtractionResult, context: WorkspaceContext, *,
               document_id: str = "") -> Enrichment:
        knowledge = self._knowledge(context)
        result = enrich_document(extraction, document_id, knowledge,
                                 text=_words(extraction))
        supplier = result.supplier.supplier or self._create_if_confident(result, context)
        known = result.known_document
        self._index(context).add(known if supplier is None else _with_supplier(known, supplier))
        enrichment = _as_enrichment(result, supplier)
        if extraction.errors:  # the real reason comes before "confidence 9 %"
            unreadable = f"liasse could not read this file: {'; '.join(extraction.errors)}"
            enrichment = replace(enrichment, reasons=(unreadable, *enrichment.reasons))
        return enrichment

    def _knowledge(self, context: WorkspaceContext) -> WorkspaceKnowledge:
        if self._checked is not None and self._cache.directory is not None:
            directory = self._cache.directory.directory  # with what this job created
            version, history = self._checked
        else:
            directory, (version, history) = self._read_knowledge(context)
            if self._job:
                self._checked = (version, history)
        classifier = self._classifiers.classifier(context.workspace_id, version, history)
        return WorkspaceKnowledge(
            directory=directory,
            own_company=OwnCompany.from_identifiers(context.own_names, context.own_identifiers),
            thresholds=Thresholds(float(context.review_from), float(context.approve_from)),
            history=history, classifier=classifier, duplicates=self._index(context),
        )

    def _read_knowledge(self, context: WorkspaceContext
                        ) -> tuple[InMemoryDirectory, tuple[HistoryVersion, list[Posting]]]:
        # Without a transaction: a version check, three round trips in one (what changed
        # since is read again, see `autocommit_session`).
        with autocommit_session(self._sessions) as session:
            repo = SupplierRepo(session, context.workspace_id)
            directory_version, history_version = repo.knowledge_version()
            directory = self._current_directory(repo, directory_version)
            return directory, self._current_history(repo, history_version)

    def _current_directory(self, repo: SupplierRepo, version: tuple[int, int]
                           ) -> InMemoryDirectory:
        cached = self._cache.directory
        if cached is None or cached.version != version:
            cached = self._cache.directory = (_grown(repo, cached, version)
                                        or _CachedDirectory(version, tuple(repo.suppliers())))
        return cached.directory

    def _current_history(self, repo: SupplierRepo, version: HistoryVersion
                         ) -> tuple[HistoryVersion, list[Posting]]:
        """The posting history, read again only when it changed (it grows with every
        posted document: reading it for each document made a window quadratic)."""
        cache = self._cache
        recent = self._job and time.monotonic() - cache.history_read_at < JOB_HISTORY_SECONDS
        if cache.history is None or (cache.history[0] != version and not recent):
            cache.history, cache.history_read_at = (version, repo.postings()), time.monotonic()
        return cache.history

    def _remember(self, supplier: Supplier) -> None:
        """Keep the cache current after adding `supplier`: one row more than it had (a new
        row has revision 1). When others changed the directory too, the next check finds
        only theirs missing and reads those (`_grown`); a job's view goes on without
        checking before its next document (two workers creating sellers made each of its
        documents check and read again), and no version is read after the insert."""
        cached = self._cache.directory
        if cached is None or any(known.id == supplier.id for known in cached.suppliers):
            return
        self._cache.directory = _CachedDirectory(
            (cached.version[0] + 1, cached.version[1] + 1), (*cached.suppliers, supplier),
            cached.directory.with_supplier(supplier))

    def _index(self, context: WorkspaceContext) -> DuplicateIndex:
        if self._cache.duplicates is None:
            with self._sessions.begin() as session:
                known = SupplierRepo(session, context.workspace_id).known_documents()
            self._cache.duplicates = DuplicateIndex(known)
        return self._cache.duplicates

    def _create_if_confident(self, result: EnrichedDocument, context: WorkspaceContext
                             ) -> Supplier | None:
        proposal = result.supplier.proposal
        if result.supplier.outcome != "new" or proposal is None or not proposal.confident:
            return None
        with self._sessions.begin() as session:
            repo = SupplierRepo(session, context.workspace_id)
            supplier = repo.add(proposal.to_supplier(""))
        self._remember(supplier)
        return supplier


@dataclass(frozen=True)
class _CachedDirectory:
    version: tuple[int, int]  # `SupplierRepo.directory_version` when it was read
    suppliers: tuple[Supplier, ...]
    grown: InMemoryDirectory | None = None  # the previous directory with the new supplier

    @cached_property
    def directory(self) -> InMemoryDirectory:
        return self.grown or InMemoryDirectory(self.suppliers)


def _grown(repo: SupplierRepo, cached: _CachedDirectory | None, version: tuple[int, int]
           ) -> _CachedDirectory | None:
    """The cached directory with the suppliers others created since, when that is all that
    changed: as many rows more as revisions more (a new row starts at revision 1, any change
    to a row adds to its revision, none is deleted). Another worker creating sellers made
    each document read and index the whole directory again. None: read it all."""
    added = version[0] - cached.version[0] if cached is not None else 0
    if cached is None or added <= 0 or version[1] - cached.version[1] != added:
        return None
    new_ids = repo.live_supplier_ids() - {supplier.id for supplier in cached.suppliers}
    if len(new_ids) != added:
        return None  # something else moved meanwhile
    new = repo.suppliers_by_ids(sorted(new_ids))
    directory = cached.directory
    for supplier in new:
        directory = directory.with_supplier(supplier)
    return _CachedDirectory(version, (*cached.suppliers, *new), directory)


def _with_supplier(known: KnownDocument, supplier: Supplier) -> KnownDocument:
    return replace(known, supplier_key=supplier.id)


def _as_enrichment(result: EnrichedDocument, supplier: Supplier | None) -> Enrichment:
    duplicate = next((finding for finding in result.duplicates if finding.blocks_posting), None)
    name = supplier.legal_name if supplier else result.facts.supplier_name
    # Routing already quotes some supplier reasons: keep each line once, in order.
    reasons = tuple(dict.fromkeys((*result.routing.reasons, *result.supplier.reasons,
                                   *result.account.reasons)))
    return Enrichment(
        route=result.routing.route, confidence=Decimal(str(round(result.routing.confidence, 4))),
        reasons=reasons, supplier_name=name, ledger_account=result.account.account,
        supplier_id=supplier.id if supplier else None,
        duplicate_of=duplicate.original_id if duplicate else None,
    )


def _words(extraction: ExtractionResult) -> str | None:
    """The page text with the supplier's name (what account keywords and the classifier
    read); None lets the enrich logic fall back to the evidence snippets."""
    if not extraction.text:
        return None
    return f"{extraction.value('supplier_name') or ''} {extraction.text}"
