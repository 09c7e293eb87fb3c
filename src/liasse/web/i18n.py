"""Every string the web app shows, in English and French, in one place.

`tests/web/test_i18n.py` checks both languages have the same keys.
"""

from __future__ import annotations

from typing import Final

_EN: Final[dict[str, str]] = {
    "title": "liasse", "dashboard": "Dashboard", "review": "Review", "documents": "Documents",
    "status": "Status", "ask": "Ask", "suppliers": "Suppliers", "settings": "Settings",
    "notifications": "Notifications", "workspace": "Workspace", "switch": "Switch",
    "logout": "Log out", "login": "Log in", "email": "E-mail", "password": "Password",
    "login_failed": "Wrong e-mail or password.",
    "login_throttled": "Too many failed attempts. Wait a few minutes and try again.",
    "home": "Home", "error": "Error", "error_400": "Not possible", "error_403": "Not allowed",
    "error_404": "Not found", "error_429": "Slow down",
    "connections": "Connections", "connection": "Connection", "by_state": "Documents by state",
    "file": "File", "state": "State", "supplier": "Supplier", "number": "Number",
    "total": "Total", "date": "Issued", "confidence": "Confidence", "why": "Why",
    "updated": "Updated", "never": "never", "audit_trail": "Audit trail", "when": "When",
    "who": "Who", "change": "Change", "fields": "Extracted fields", "field": "Field",
    "value": "Value", "evidence": "Source", "sources": "Source files",
    "last_sync": "Last sync", "next_sync": "Next sync", "health": "Health",
    "backlog": "Backlog", "reconnect": "Reconnect", "connection_active": "working",
    "connection_needs_reconnect": "needs reconnecting", "connection_paused": "paused",
    "failures": "Failures waiting", "attempts": "Attempts", "next_attempt": "Next attempt",
    "retry": "Retry", "no_failures": "Nothing failed: every document is on its way.",
    "outbox_pending": "Waiting to be sent to Qonto", "outbox_parked": "post parked",
    "post_now": "Post now", "no_bank": "Qonto is not connected: approved invoices wait.",
    "queue": "Queue", "queue_empty": "Nothing to review. Well done.", "select": "Select",
    "bulk_approve": "Approve selected", "bulk_done": "Approved",
    "bulk_refused": "Not approved, and why",
    "shortcuts": "Keys: j next · k previous · a approve · r reject · s save fields",
    "open_file": "Open the file", "open_in_review": "Open in the review queue",
    "why_review": "Why a person should look", "low": "check", "save": "Save fields",
    "approve": "Approve", "reject": "Reject", "reject_reason": "Reason for rejecting",
    "send_back": "Send back to review", "override": "Override routing",
    "override_reason": "Why", "qonto_invoice": "Qonto supplier invoice",
    "search_text": "Search the documents' text", "any_state": "Any state",
    "min_amount": "Min amount", "max_amount": "Max amount", "issued_from": "Issued from",
    "issued_to": "Issued to", "search": "Search", "previous": "Previous", "next": "Next",
    "page": "Page", "no_match": "No document matches.",
    "auto_rate": "posted without a person", "unmatched": "posted, not matched yet",
    "spend_by_supplier": "This month's spend by supplier", "no_data": "No data yet.",
    "month_hint": "Invoices approved or posted, issued", "ask_button": "Ask",
    "ask_placeholder": "e.g. what needs attention? · how much did we spend with … this year?",
    "mark_read": "Mark all as read", "open": "Open", "no_notifications": "No notifications.",
    "suppliers_hint": "Suppliers as read from the documents. Merging and rules (default "
                      "account, thresholds, always review) arrive with the supplier directory.",
    "spend_year": "Spend", "thresholds": "Routing thresholds",
    "review_from": "Review from", "approve_from": "Post automatically from",
    "sync_window": "Sync window", "members": "Members", "role": "Role",
    "smtp_on": "E-mail notifications through", "smtp_off": "E-mail is not configured: "
               "notifications are shown in the app only.",
    "msg_saved": "Fields saved.", "msg_approved": "Approved: it will be posted at the end of "
                 "the window, or now with “Post now”.",
    "msg_rejected": "Rejected.", "msg_sent_back": "Sent back to review.",
    "msg_routed": "Routing overridden.", "msg_retried": "Sent back to the step that failed.",
    "msg_bulk_approved": "All selected documents approved.",
    "msg_nothing_selected": "Select documents first.",
    "msg_posted_now": "Approved invoices posted.",
    "msg_post_parked": "Posting done; some were refused and are parked with their error.",
    "msg_no_bank": "Qonto is not connected: nothing was posted.",
}

_FR: Final[dict[str, str]] = {
    "title": "liasse", "dashboard": "Tableau de bord", "review": "À vérifier",
    "documents": "Documents", "status": "État", "ask": "Questions", "suppliers": "Fournisseurs",
    "settings": "Réglages", "notifications": "Notifications", "workspace": "Espace",
    "switch": "Changer", "logout": "Se déconnecter", "login": "Se connecter",
    "email": "E-mail", "password": "Mot de passe",
    "login_failed": "E-mail ou mot de passe incorrect.",
    "login_throttled": "Trop d'essais manqués. Attendez quelques minutes.",
    "home": "Accueil", "error": "Erreur", "error_400": "Impossible",
    "error_403": "Non autorisé", "error_404": "Introuvable", "error_429": "Trop de demandes",
    "connections": "Connexions", "connection": "Connexion",
    "by_state": "Documents par état", "file": "Fichier", "state": "État",
    "supplier": "Fournisseur", "number": "Numéro", "total": "Total", "date": "Émise le",
    "confidence": "Confiance", "why": "Pourquoi", "updated": "Mis à jour",
    "never": "jamais", "audit_trail": "Journal d'audit", "when": "Quand", "who": "Qui",
    "change": "Changement", "fields": "Champs extraits", "field": "Champ",
    "value": "Valeur", "evidence": "Source", "sources": "Fichiers sources",
    "last_sync": "Dernière synchro", "next_sync": "Prochaine synchro", "health": "Santé",
    "backlog": "En attente", "reconnect": "Reconnecter", "connection_active": "fonctionne",
    "connection_needs_reconnect": "à reconnecter", "connection_paused": "en pause",
    "failures": "Échecs en attente", "attempts": "Essais", "next_attempt": "Prochain essai",
    "retry": "Réessayer", "no_failures": "Aucun échec : chaque document suit son cours.",
    "outbox_pending": "En attente d'envoi à Qonto", "outbox_parked": "envoi en erreur",
    "post_now": "Envoyer maintenant",
    "no_bank": "Qonto n'est pas connecté : les factures approuvées attendent.",
    "queue": "File", "queue_empty": "Rien à vérifier. Bravo.", "select": "Choisir",
    "bulk_approve": "Approuver la sélection", "bulk_done": "Approuvés",
    "bulk_refused": "Non approuvés, et pourquoi",
    "shortcuts": "Touches : j suivant · k précédent · a approuver · r refuser · "
                 "s enregistrer",
    "open_file": "Ouvrir le fichier", "open_in_review": "Ouvrir dans la file",
    "why_review": "Pourquoi vérifier", "low": "à vérifier", "save": "Enregistrer",
    "approve": "Approuver", "reject": "Refuser", "reject_reason": "Motif du refus",
    "send_back": "Renvoyer en vérification", "override": "Forcer l'orientation",
    "override_reason": "Pourquoi", "qonto_invoice": "Facture fournisseur Qonto",
    "search_text": "Chercher dans le texte", "any_state": "Tous états",
    "min_amount": "Montant min", "max_amount": "Montant max", "issued_from": "Émise depuis",
    "issued_to": "Émise jusqu'au", "search": "Chercher", "previous": "Précédent",
    "next": "Suivant", "page": "Page", "no_match": "Aucun document ne correspond.",
    "auto_rate": "envoyés sans intervention", "unmatched": "envoyés, non rapprochés",
    "spend_by_supplier": "Dépenses du mois par fournisseur",
    "no_data": "Pas encore de données.", "month_hint": "Factures approuvées ou envoyées, émises",
    "ask_button": "Demander",
    "ask_placeholder": "ex. qu'est-ce qui demande mon attention ? · combien avec … cette année ?",
    "mark_read": "Tout marquer comme lu", "open": "Ouvrir",
    "no_notifications": "Aucune notification.",
    "suppliers_hint": "Les fournisseurs lus sur les documents. Fusion et règles (compte par "
                      "défaut, seuils, toujours vérifier) viendront avec l'annuaire.",
    "spend_year": "Dépenses", "thresholds": "Seuils d'orientation",
    "review_from": "Vérification dès", "approve_from": "Envoi automatique dès",
    "sync_window": "Fenêtre de synchro", "members": "Membres", "role": "Rôle",
    "smtp_on": "Notifications par e-mail via", "smtp_off": "E-mail non configuré : "
               "les notifications restent dans l'application.",
    "msg_saved": "Champs enregistrés.", "msg_approved": "Approuvé : envoi en fin de fenêtre, "
                 "ou tout de suite avec « Envoyer maintenant ».",
    "msg_rejected": "Refusé.", "msg_sent_back": "Renvoyé en vérification.",
    "msg_routed": "Orientation forcée.", "msg_retried": "Renvoyé à l'étape qui a échoué.",
    "msg_bulk_approved": "Tous les documents choisis sont approuvés.",
    "msg_nothing_selected": "Choisissez d'abord des documents.",
    "msg_posted_now": "Factures approuvées envoyées.",
    "msg_post_parked": "Envoi fait ; certaines refusées sont en erreur avec leur motif.",
    "msg_no_bank": "Qonto n'est pas connecté : rien n'a été envoyé.",
}

MESSAGES: Final[dict[str, dict[str, str]]] = {"en": _EN, "fr": _FR}

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

FIELD_LABELS: Final[dict[str, dict[str, str]]] = {
    "en": {"supplier_name": "Supplier", "supplier_vat_id": "Supplier VAT number",
           "supplier_siren": "Supplier SIREN", "supplier_siret": "Supplier SIRET",
           "supplier_iban": "Supplier IBAN", "supplier_domain": "Supplier domain",
           "customer_name": "Customer", "customer_vat_id": "Customer VAT number",
           "invoice_number": "Invoice number", "issue_date": "Issue date",
           "due_date": "Due date", "currency": "Currency", "net_amount": "Net amount",
           "tax_amount": "VAT amount", "total_amount": "Total amount",
           "payment_reference": "Payment reference"},
    "fr": {"supplier_name": "Fournisseur", "supplier_vat_id": "TVA du fournisseur",
           "supplier_siren": "SIREN du fournisseur", "supplier_siret": "SIRET du fournisseur",
           "supplier_iban": "IBAN du fournisseur", "supplier_domain": "Domaine du fournisseur",
           "customer_name": "Client", "customer_vat_id": "TVA du client",
           "invoice_number": "Numéro de facture", "issue_date": "Date d'émission",
           "due_date": "Échéance", "currency": "Devise", "net_amount": "Montant HT",
           "tax_amount": "Montant TVA", "total_amount": "Montant TTC",
           "payment_reference": "Référence de paiement"},
}


def pick_language(accept_language: str | None) -> str:
    """The first of the browser's languages that we speak; English otherwise."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in MESSAGES:
            return code
    return "en"
