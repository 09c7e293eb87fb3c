"""Every string the web app shows, in English and French, in one place."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "liasse",
        "status": "Status",
        "documents": "Documents",
        "connections": "Connections",
        "by_state": "Documents by state",
        "file": "File",
        "state": "State",
        "supplier": "Supplier",
        "number": "Number",
        "total": "Total",
        "confidence": "Confidence",
        "why": "Why",
        "updated": "Updated",
        "never": "never",
        "no_documents": "No documents yet. Drop a PDF into the inbox.",
        "audit_trail": "Audit trail",
        "when": "When",
        "who": "Who",
        "change": "Change",
        "fields": "Extracted fields",
        "field": "Field",
        "value": "Value",
        "evidence": "Evidence",
        "sources": "Source files",
        "back": "Back to status",
        "last_sync": "Last sync",
        "error": "Error",
        "not_found": "Not found",
    },
    "fr": {
        "title": "liasse",
        "status": "État",
        "documents": "Documents",
        "connections": "Connexions",
        "by_state": "Documents par état",
        "file": "Fichier",
        "state": "État",
        "supplier": "Fournisseur",
        "number": "Numéro",
        "total": "Total",
        "confidence": "Confiance",
        "why": "Pourquoi",
        "updated": "Mis à jour",
        "never": "jamais",
        "no_documents": "Aucun document. Déposez un PDF dans la boîte de réception.",
        "audit_trail": "Journal d'audit",
        "when": "Quand",
        "who": "Qui",
        "change": "Changement",
        "fields": "Champs extraits",
        "field": "Champ",
        "value": "Valeur",
        "evidence": "Source",
        "sources": "Fichiers sources",
        "back": "Retour à l'état",
        "last_sync": "Dernière synchro",
        "error": "Erreur",
        "not_found": "Introuvable",
    },
}

STATE_LABELS: Final[dict[str, dict[str, str]]] = {
    "en": {"discovered": "discovered", "fetched": "fetched", "extracted": "extracted",
           "enriched": "enriched", "refused": "refused", "in_review": "in review",
           "approved": "approved", "posted": "posted", "matched": "matched",
           "filed_back": "filed back", "retry_scheduled": "retry scheduled",
           "parked": "parked with error", "blocked_on_auth": "blocked on auth"},
    "fr": {"discovered": "découvert", "fetched": "récupéré", "extracted": "lu",
           "enriched": "enrichi", "refused": "refusé", "in_review": "à vérifier",
           "approved": "approuvé", "posted": "envoyé à Qonto", "matched": "rapproché",
           "filed_back": "classé", "retry_scheduled": "nouvel essai prévu",
           "parked": "en erreur", "blocked_on_auth": "connexion à refaire"},
}


def pick_language(accept_language: str | None) -> str:
    """The first of the browser's languages that we speak; English otherwise."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in MESSAGES:
            return code
    return "en"
