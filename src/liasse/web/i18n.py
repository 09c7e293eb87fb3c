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
    "login_throttled": "Too many failed attempts. Wait a moment and try again.",
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
    "connection_failing": "failing (last attempt)",
    "retry_now": "Retry now",
    "receipts_exports": "Receipts exports", "export_schedule": "Schedule",
    "last_run": "Last run", "next_run": "Next run", "export_files": "Files this round",
    "export_daily": "daily at {schedule}", "export_stopped": "stopped",
    "export_exported": "written", "export_pending": "pending", "export_failed": "failed",
    "export_folder_deleted": "folder deleted",
    "qonto_sandbox_invoice": "in the built-in Qonto sandbox (not in Qonto's app)",
    "msg_sync_planned": "A sync of this connection starts now.",
    "msg_no_such": "No active connection by that name.",
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
    "auto_rate": "posted without a person", "unmatched": "bank debits not explained yet",
    "spend_by_supplier": "This month's spend by supplier", "no_data": "No data yet.",
    "month_hint": "Invoices approved or posted, issued", "ask_button": "Ask",
    "ask_placeholder": "e.g. what needs attention? · how much did we spend with … this year?",
    "mark_read": "Mark all as read", "open": "Open", "no_notifications": "No notifications.",
    "suppliers_hint": "The supplier directory liasse resolves documents with: names, "
                      "identifiers, default ledger account and routing rules.",
    "spend_year": "Spend", "thresholds": "Routing thresholds",
    "review_from": "Review from", "approve_from": "Post automatically from",
    "sync_window": "Sync window", "members": "Members", "role": "Role",
    "smtp_on": "E-mail notifications through", "smtp_off": "E-mail is not configured: "
               "notifications are shown in the app only.",
    "privacy": "Privacy", "privacy_export": "Download everything (zip)",
    "privacy_export_what": "Every record with its fields and audit trail, suppliers, matches "
                           "and bank lines as JSON, and every original file.",
    "privacy_retention": "Originals are deleted {years} years after they arrived.",
    "privacy_retention_off": "Originals are kept for ever (no retention period is set).",
    "privacy_erase": "Erase this workspace",
    "privacy_erase_what": "Deletes every record, original and secret of this workspace for "
                          "good. Type the workspace's slug to confirm.",
    "privacy_erase_mismatch": "The slug typed does not match: nothing was erased.",
    "msg_saved": "Fields saved.", "msg_approved": "Approved: it will be posted at the end of "
                 "the window, or now with “Post now”.",
    "msg_rejected": "Rejected.", "msg_sent_back": "Sent back to review.",
    "msg_routed": "Routing overridden.", "msg_retried": "Sent back to the step that failed.",
    "msg_bulk_approved": "All selected documents approved.",
    "msg_nothing_selected": "Select documents first.",
    "msg_posted_now": "Approved invoices posted.",
    "msg_post_parked": "Posting done; some were refused and are parked with their error.",
    "msg_no_bank": "Qonto is not connected: nothing was posted.",
    # suppliers directory
    "directory_empty": "No supplier in the directory yet: they are added as documents arrive.",
    "identifiers": "Identifiers", "default_account": "Default account", "rules": "Rules",
    "always_review": "Always review", "other_names": "Other names", "vat": "VAT",
    "siren": "SIREN", "siret": "SIRET", "iban": "IBAN", "domains": "Web domains",
    "names_unattributed": "Names on documents not linked to a directory supplier",
    "rule_form": "Account and routing rule", "no_account": "— no account —",
    "workspace_default": "workspace default", "save_rule": "Save the rule",
    "rename": "Rename", "legal_name": "Legal name", "merge": "Merge",
    "merge_hint": "Merge another supplier into this one: its names, identifiers and "
                  "documents move here; this one's name and rule are kept.",
    "merge_pick": "Supplier to absorb", "merge_button": "Merge into this supplier",
    "its_documents": "Its documents", "percent_hint": "in %, empty for the workspace default",
    # a document's supplier, account, duplicates and bank matches
    "classify": "Supplier and account", "set_supplier": "Set the supplier",
    "ledger_account": "Ledger account", "set_account": "Set the account",
    "unknown_supplier": "— not in the directory —",
    "duplicate_of": "This looks like a copy of an earlier document:",
    "open_original": "open the original",
    "matches": "Bank matches and alerts", "no_matches": "No bank line matched yet.",
    "confirm_match": "Link", "dismiss_match": "Dismiss", "dismiss_reason": "Why (optional)",
    "bank_line": "Bank line", "qonto_transaction": "Qonto transaction",
    "also_in_match": "Also in this match", "score": "Score", "line_missing": "not synced yet",
    "kind_payment": "payment", "kind_confirmation": "payment confirmation",
    "kind_credit": "credit", "kind_double_charge": "double-charge alert",
    "kind_duplicate": "duplicate alert",
    "status_linked": "linked", "status_proposed": "proposed", "status_dismissed": "dismissed",
    "band_auto": "automatic", "band_review": "to review",
    # dashboard and the unmatched records page
    "spend_by_account": "This month's spend by ledger account",
    "unmatched_title": "Unmatched records", "unmatched_debits": "Bank debits not explained",
    "posted_unmatched": "Posted invoices not matched to a debit",
    "all_debits_explained": "Every bank debit is explained by a document.",
    "sandbox_tag": "sandbox data",
    "sandbox_lines_note": "Lines marked “sandbox data” come from liasse's built-in Qonto "
                          "sandbox: a made-up year of bank history for the demo, not your "
                          "bank. Most of its debits have no demo document, so they stay "
                          "unexplained; connect your own Qonto account to see your bank.",
    "sandbox_debits": "{n} of them made-up sandbox data",
    "sandbox_connection": "built-in sandbox: made-up bank history, not your bank",
    "all_posted_matched": "Every posted invoice is matched.",
    "counterparty": "Counterparty", "label": "Label", "proposed": "Proposed",
    "learned": "What liasse learned", "learned_anchor": "Where it sits",
    "learned_trust": "Confirmations",
    "learned_hint": "From {confirmations} confirmed document(s) and {rejected} rejected as "
                    "not an invoice: the next document of this supplier is read with it.",
    "learned_account": "Account chosen in review:", "forget": "Forget what was learned",
    "learned_nothing": "Nothing learned yet: approving a corrected document teaches liasse.",
    "msg_forgotten": "What liasse learned about this supplier is forgotten.",
    "msg_rule_saved": "Rule saved.", "msg_renamed": "Supplier renamed.",
    "msg_merged": "Suppliers merged.", "msg_supplier_set": "Supplier set.",
    "msg_account_set": "Ledger account set.", "msg_match_linked": "Bank line linked.",
    "msg_match_dismissed": "Match dismissed.",
    # connecting Dropbox and Qonto (routes/oauth.py)
    "connect_dropbox": "Connect a Dropbox folder", "dropbox_folder": "Folder to watch",
    "write_back": "Write processed PDFs back", "instant": "Pick up files within seconds",
    "connection_name": "Connection name", "connect": "Connect",
    "connect_qonto": "Connect Qonto", "connect_qonto_oauth": "Connect with Qonto (OAuth)",
    "qonto_api_key": "API key (<organization-login>:<secret-key>)",
    "connect_api_key": "Connect with the API key", "disconnect": "Disconnect",
    "connection_disconnected": "disconnected",
    "msg_connected": "Connected: the next window will use it.",
    "msg_reconnected": "Reconnected: what waited for it has been sent back to its step.",
    "msg_disconnected": "Disconnected: no more calls or writes; what was written stays.",
    "msg_enter_api_key": "Enter a new Qonto API key to reconnect.",
    "oauth_bad_state": "This connection attempt is unknown or expired, or was started by "
                       "someone else. Start again from the settings page.",
    "oauth_denied": "Access was not granted.",
    "oauth_exchange_failed": "The service refused to finish the connection.",
    "dropbox_check_token_refused": "Dropbox refused the access liasse was given. "
                                   "Connect again from the settings page.",
    "dropbox_check_folder_missing": "There is no folder {folder} in this Dropbox. Create "
                                    "it in Dropbox, or connect again with an existing folder.",
    "dropbox_check_not_a_folder": "{folder} is a file in this Dropbox, not a folder. "
                                  "Connect again with a folder.",
    "dropbox_check_bad_path": "{folder} is not a Dropbox folder path. Connect again with a "
                              "path such as /Invoices.",
    "dropbox_check_unreachable": "Dropbox could not be reached to check the folder. "
                                 "Try again in a moment.",
    "oauth_qonto_not_configured": "Qonto OAuth is not configured on this server "
                                  "(qonto.oauth settings): connect with an API key.",
    "oauth_no_connection": "No connection by that name in this workspace.",
    "oauth_cannot_reconnect": "This kind of connection has nothing to reconnect.",
    "api_key_refused": "Qonto did not accept this API key.",
    "open_original_file": "Open the original file",
    "page_zoom": "Open this page at full size",
    "pages_none_xml": "An XML e-invoice has no page image: open the original file to read it.",
    "pages_unreadable": "This file cannot be shown as pages (damaged or password-protected): "
                        "open the original file.",
    "converted_total": "In the account's currency",
    "converted_from_bank": "as the bank converted it",
    "converted_from_rate": "at the configured rate, until the bank line is matched",
    "backfill_running": "Backfill of {name} since {since}: {listed} files listed, {kept} kept, "
                        "{recorded} recorded so far",
    "backfill_done": "Backfill of {name} since {since} done: {recorded} files recorded",
    "jobs": "Job queue", "jobs_waiting": "Waiting", "jobs_running": "Running",
    "jobs_failed": "Failed", "jobs_oldest": "Oldest waiting job queued at",
    "jobs_live_workers": "Live workers", "jobs_by_queue": "Waiting per queue",
    "jobs_none_waiting": "none",
    "jobs_no_worker": "No worker is running: jobs wait until `liasse worker` (or "
                      "`liasse run --workers 1`) starts on a host.",
    "jobs_failed_hint": "A failed job gave up after its retries; the connection's next "
                        "window queues its documents again, and those that keep failing "
                        "are listed below.",
    "jobs_single_process": "SQLite database: liasse runs every job in this one process "
                           "(`liasse run`), so there is no job queue to watch. Move to "
                           "PostgreSQL (`liasse db copy`) to run workers on several hosts.",
    "why_decided": "How liasse decided",
    "unreadable": "liasse could not read this file: {reason}.",
    "cannot_approve": "Cannot be approved: liasse could not read this file ({reason}).",
    "pages_not_a_document": "liasse could not read this file, so it has no pages to show: "
                            "open the original file to see what it is.",
    "document_type": "Document type", "plan": "What liasse does with it",
    "doc_type_invoice": "invoice", "doc_type_credit_note": "credit note",
    "doc_type_receipt": "receipt", "doc_type_payment_confirmation": "payment confirmation",
    "doc_type_other": "not an invoice",
    "plan_post": "posted to Qonto as a supplier invoice",
    "plan_attach_receipt": "attached to the bank line that paid it in Qonto, not posted as a "
                           "supplier invoice",
    "plan_attach_confirmation": "attached to the bank line it confirms, not posted",
    "plan_keep_sales": "kept to recognise incoming payments, never posted as a supplier "
                       "invoice",
    "plan_nothing": "nothing: liasse posts invoices and credit notes only",
}

_FR: Final[dict[str, str]] = {
    "title": "liasse", "dashboard": "Tableau de bord", "review": "À vérifier",
    "documents": "Documents", "status": "État", "ask": "Questions", "suppliers": "Fournisseurs",
    "settings": "Réglages", "notifications": "Notifications", "workspace": "Espace",
    "switch": "Changer", "logout": "Se déconnecter", "login": "Se connecter",
    "email": "E-mail", "password": "Mot de passe",
    "login_failed": "E-mail ou mot de passe incorrect.",
    "login_throttled": "Trop d'essais manqués. Attendez un instant et réessayez.",
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
    "connection_failing": "en échec (dernier essai)",
    "retry_now": "Réessayer maintenant",
    "receipts_exports": "Exports des reçus", "export_schedule": "Horaire",
    "last_run": "Dernier passage", "next_run": "Prochain passage",
    "export_files": "Fichiers de ce tour", "export_daily": "chaque jour à {schedule}",
    "export_stopped": "arrêté", "export_exported": "écrits", "export_pending": "en cours",
    "export_failed": "en échec", "export_folder_deleted": "dossier supprimé",
    "qonto_sandbox_invoice": "dans le bac à sable Qonto intégré (pas dans l'app Qonto)",
    "msg_sync_planned": "Une synchro de cette connexion démarre maintenant.",
    "msg_no_such": "Aucune connexion active de ce nom.",
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
    "auto_rate": "envoyés sans intervention", "unmatched": "débits bancaires non expliqués",
    "spend_by_supplier": "Dépenses du mois par fournisseur",
    "no_data": "Pas encore de données.", "month_hint": "Factures approuvées ou envoyées, émises",
    "ask_button": "Demander",
    "ask_placeholder": "ex. qu'est-ce qui demande mon attention ? · combien avec … cette année ?",
    "mark_read": "Tout marquer comme lu", "open": "Ouvrir",
    "no_notifications": "Aucune notification.",
    "suppliers_hint": "L'annuaire des fournisseurs qui sert à reconnaître les documents : "
                      "noms, identifiants, compte par défaut et règles d'orientation.",
    "spend_year": "Dépenses", "thresholds": "Seuils d'orientation",
    "review_from": "Vérification dès", "approve_from": "Envoi automatique dès",
    "sync_window": "Fenêtre de synchro", "members": "Membres", "role": "Rôle",
    "smtp_on": "Notifications par e-mail via", "smtp_off": "E-mail non configuré : "
               "les notifications restent dans l'application.",
    "privacy": "Confidentialité", "privacy_export": "Tout télécharger (zip)",
    "privacy_export_what": "Chaque dossier avec ses champs et son historique, les fournisseurs, "
                           "les rapprochements et les lignes bancaires en JSON, et chaque "
                           "fichier original.",
    "privacy_retention": "Les originaux sont supprimés {years} ans après leur arrivée.",
    "privacy_retention_off": "Les originaux sont gardés sans limite (aucune durée de "
                             "conservation n'est réglée).",
    "privacy_erase": "Effacer cet espace",
    "privacy_erase_what": "Supprime définitivement chaque dossier, original et secret de cet "
                          "espace. Tapez l'identifiant de l'espace pour confirmer.",
    "privacy_erase_mismatch": "L'identifiant tapé ne correspond pas : rien n'a été effacé.",
    "msg_saved": "Champs enregistrés.", "msg_approved": "Approuvé : envoi en fin de fenêtre, "
                 "ou tout de suite avec « Envoyer maintenant ».",
    "msg_rejected": "Refusé.", "msg_sent_back": "Renvoyé en vérification.",
    "msg_routed": "Orientation forcée.", "msg_retried": "Renvoyé à l'étape qui a échoué.",
    "msg_bulk_approved": "Tous les documents choisis sont approuvés.",
    "msg_nothing_selected": "Choisissez d'abord des documents.",
    "msg_posted_now": "Factures approuvées envoyées.",
    "msg_post_parked": "Envoi fait ; certaines refusées sont en erreur avec leur motif.",
    "msg_no_bank": "Qonto n'est pas connecté : rien n'a été envoyé.",
    # annuaire des fournisseurs
    "directory_empty": "Aucun fournisseur dans l'annuaire : ils s'ajoutent avec les documents.",
    "identifiers": "Identifiants", "default_account": "Compte par défaut", "rules": "Règles",
    "always_review": "Toujours vérifier", "other_names": "Autres noms", "vat": "TVA",
    "siren": "SIREN", "siret": "SIRET", "iban": "IBAN", "domains": "Domaines web",
    "names_unattributed": "Noms lus sur des documents sans fournisseur de l'annuaire",
    "rule_form": "Compte et règle d'orientation", "no_account": "— aucun compte —",
    "workspace_default": "réglage de l'espace", "save_rule": "Enregistrer la règle",
    "rename": "Renommer", "legal_name": "Raison sociale", "merge": "Fusionner",
    "merge_hint": "Fusionner un autre fournisseur dans celui-ci : ses noms, identifiants et "
                  "documents viennent ici ; le nom et la règle de celui-ci sont gardés.",
    "merge_pick": "Fournisseur à absorber", "merge_button": "Fusionner dans ce fournisseur",
    "its_documents": "Ses documents", "percent_hint": "en %, vide pour le réglage de l'espace",
    # fournisseur, compte, doublons et rapprochements d'un document
    "classify": "Fournisseur et compte", "set_supplier": "Choisir le fournisseur",
    "ledger_account": "Compte comptable", "set_account": "Choisir le compte",
    "unknown_supplier": "— hors annuaire —",
    "duplicate_of": "Ce document semble être la copie d'un document antérieur :",
    "open_original": "ouvrir l'original",
    "matches": "Rapprochements bancaires et alertes",
    "no_matches": "Aucune ligne bancaire rapprochée.",
    "confirm_match": "Rapprocher", "dismiss_match": "Écarter",
    "dismiss_reason": "Pourquoi (facultatif)",
    "bank_line": "Ligne bancaire", "qonto_transaction": "Transaction Qonto",
    "also_in_match": "Aussi dans ce rapprochement", "score": "Score",
    "line_missing": "pas encore synchronisée",
    "kind_payment": "paiement", "kind_confirmation": "confirmation de paiement",
    "kind_credit": "avoir", "kind_double_charge": "alerte double paiement",
    "kind_duplicate": "alerte doublon",
    "status_linked": "rapproché", "status_proposed": "proposé", "status_dismissed": "écarté",
    "band_auto": "automatique", "band_review": "à vérifier",
    # tableau de bord et page des non-rapprochés
    "spend_by_account": "Dépenses du mois par compte comptable",
    "unmatched_title": "Non rapprochés", "unmatched_debits": "Débits bancaires non expliqués",
    "posted_unmatched": "Factures envoyées non rapprochées d'un débit",
    "all_debits_explained": "Chaque débit bancaire est expliqué par un document.",
    "sandbox_tag": "données du bac à sable",
    "sandbox_lines_note": "Les lignes marquées « données du bac à sable » viennent du bac à "
                          "sable Qonto intégré à liasse : une année d'historique bancaire "
                          "inventée pour la démo, pas votre banque. La plupart de ses débits "
                          "n'ont pas de document dans la démo et restent donc non "
                          "expliqués ; connectez votre propre compte Qonto pour voir votre "
                          "banque.",
    "sandbox_debits": "dont {n} inventés (bac à sable)",
    "sandbox_connection": "bac à sable intégré : historique bancaire inventé, pas votre banque",
    "all_posted_matched": "Chaque facture envoyée est rapprochée.",
    "counterparty": "Contrepartie", "label": "Libellé", "proposed": "Proposé",
    "learned": "Ce que liasse a appris", "learned_anchor": "Où se trouve la valeur",
    "learned_trust": "Confirmations",
    "learned_hint": "D'après {confirmations} document(s) confirmé(s) et {rejected} rejeté(s) "
                    "comme n'étant pas une facture : le prochain document de ce fournisseur "
                    "est lu avec.",
    "learned_account": "Compte choisi en revue :", "forget": "Oublier ce qui a été appris",
    "learned_nothing": "Rien appris pour l'instant : approuver un document corrigé instruit "
                       "liasse.",
    "msg_forgotten": "Ce que liasse avait appris sur ce fournisseur est oublié.",
    "msg_rule_saved": "Règle enregistrée.", "msg_renamed": "Fournisseur renommé.",
    "msg_merged": "Fournisseurs fusionnés.", "msg_supplier_set": "Fournisseur choisi.",
    "msg_account_set": "Compte comptable choisi.", "msg_match_linked": "Ligne bancaire rapprochée.",
    "msg_match_dismissed": "Rapprochement écarté.",
    # connexion de Dropbox et Qonto (routes/oauth.py)
    "connect_dropbox": "Connecter un dossier Dropbox", "dropbox_folder": "Dossier à suivre",
    "write_back": "Déposer les PDF traités en retour",
    "instant": "Prendre les fichiers en quelques secondes",
    "connection_name": "Nom de la connexion", "connect": "Connecter",
    "connect_qonto": "Connecter Qonto", "connect_qonto_oauth": "Se connecter avec Qonto (OAuth)",
    "qonto_api_key": "Clé d'API (<identifiant-organisation>:<clé-secrète>)",
    "connect_api_key": "Connecter avec la clé", "disconnect": "Déconnecter",
    "connection_disconnected": "déconnectée",
    "msg_connected": "Connecté : la prochaine fenêtre l'utilisera.",
    "msg_reconnected": "Reconnecté : ce qui l'attendait est renvoyé à son étape.",
    "msg_disconnected": "Déconnecté : plus aucun appel ni dépôt ; ce qui a été déposé reste.",
    "msg_enter_api_key": "Saisissez une nouvelle clé d'API Qonto pour reconnecter.",
    "oauth_bad_state": "Cette tentative de connexion est inconnue, expirée, ou lancée par "
                       "quelqu'un d'autre. Recommencez depuis les réglages.",
    "oauth_denied": "L'accès n'a pas été accordé.",
    "oauth_exchange_failed": "Le service a refusé de terminer la connexion.",
    "dropbox_check_token_refused": "Dropbox a refusé l'accès donné à liasse. "
                                   "Connectez-vous à nouveau depuis les réglages.",
    "dropbox_check_folder_missing": "Il n'y a pas de dossier {folder} dans ce Dropbox. "
                                    "Créez-le dans Dropbox, ou reconnectez-vous avec un "
                                    "dossier existant.",
    "dropbox_check_not_a_folder": "{folder} est un fichier dans ce Dropbox, pas un dossier. "
                                  "Reconnectez-vous avec un dossier.",
    "dropbox_check_bad_path": "{folder} n'est pas un chemin de dossier Dropbox. "
                              "Reconnectez-vous avec un chemin comme /Factures.",
    "dropbox_check_unreachable": "Dropbox n'a pas pu être joint pour vérifier le dossier. "
                                 "Réessayez dans un instant.",
    "oauth_qonto_not_configured": "OAuth Qonto n'est pas configuré sur ce serveur "
                                  "(réglages qonto.oauth) : connectez-vous avec une clé d'API.",
    "oauth_no_connection": "Aucune connexion de ce nom dans cet espace.",
    "oauth_cannot_reconnect": "Ce type de connexion n'a rien à reconnecter.",
    "api_key_refused": "Qonto n'a pas accepté cette clé d'API.",
    "open_original_file": "Ouvrir le fichier d'origine",
    "page_zoom": "Ouvrir cette page en grand",
    "pages_none_xml": "Une facture électronique XML n'a pas d'image de page : ouvrez le "
                      "fichier d'origine pour la lire.",
    "pages_unreadable": "Ce fichier ne peut pas être affiché en pages (abîmé ou protégé par "
                        "mot de passe) : ouvrez le fichier d'origine.",
    "converted_total": "Dans la devise du compte",
    "converted_from_bank": "converti par la banque",
    "converted_from_rate": "au taux configuré, en attendant le rapprochement bancaire",
    "backfill_running": "Reprise de l'historique de {name} depuis le {since} : {listed} "
                        "fichiers listés, {kept} retenus, {recorded} enregistrés",
    "backfill_done": "Reprise de l'historique de {name} depuis le {since} terminée : "
                     "{recorded} fichiers enregistrés",
    "jobs": "File des tâches", "jobs_waiting": "En attente", "jobs_running": "En cours",
    "jobs_failed": "En échec", "jobs_oldest": "Plus ancienne tâche en attente depuis",
    "jobs_live_workers": "Workers actifs", "jobs_by_queue": "En attente par file",
    "jobs_none_waiting": "aucune",
    "jobs_no_worker": "Aucun worker ne tourne : les tâches attendent qu'un `liasse worker` "
                      "(ou `liasse run --workers 1`) démarre sur une machine.",
    "jobs_failed_hint": "Une tâche en échec a abandonné après ses nouvelles tentatives ; "
                        "la prochaine synchronisation de la connexion remet ses documents "
                        "en file, et ceux qui échouent encore sont listés ci-dessous.",
    "jobs_single_process": "Base SQLite : liasse exécute toutes les tâches dans ce seul "
                           "processus (`liasse run`), il n'y a donc pas de file de tâches à "
                           "surveiller. Passez à PostgreSQL (`liasse db copy`) pour faire "
                           "tourner des workers sur plusieurs machines.",
    "why_decided": "Comment liasse a décidé",
    "unreadable": "liasse n'a pas pu lire ce fichier : {reason}.",
    "cannot_approve": "Impossible à approuver : liasse n'a pas pu lire ce fichier ({reason}).",
    "pages_not_a_document": "liasse n'a pas pu lire ce fichier : il n'a pas de page à "
                            "afficher. Ouvrez le fichier d'origine pour voir ce qu'il est.",
    "document_type": "Type de document", "plan": "Ce que liasse en fait",
    "doc_type_invoice": "facture", "doc_type_credit_note": "avoir",
    "doc_type_receipt": "reçu", "doc_type_payment_confirmation": "confirmation de paiement",
    "doc_type_other": "pas une facture",
    "plan_post": "envoyée à Qonto comme facture fournisseur",
    "plan_attach_receipt": "joint dans Qonto à la ligne bancaire qui l'a payé, pas envoyé "
                           "comme facture fournisseur",
    "plan_attach_confirmation": "jointe à la ligne bancaire qu'elle confirme, pas envoyée",
    "plan_keep_sales": "gardé pour reconnaître les paiements reçus, jamais envoyé comme "
                       "facture fournisseur",
    "plan_nothing": "rien : liasse n'envoie que les factures et les avoirs",
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
