"""Every string the CLI shows, in one place (English; French lives in liasse.i18n)."""

KEYS_HELP = "Manage the master key that protects tokens and API keys."
INIT_DEMO_HELP = "Also set up the demo company and drop sample invoices in the inbox."
INIT_DONE = "liasse is set up in {home}\nDrop supplier documents into {inbox}"
INIT_KEY_CREATED = (
    "A new master key was written (mode 0600). "
    "Back it up: without it, stored tokens are lost."
)
INIT_DEMO_FILE = "  sample: {path}"
SYNC_ONCE_HELP = "Run a single window now and exit."
SYNC_NEEDS_ONCE = "use --once to run one window now (`liasse run` keeps syncing)"
JSON_HELP = "Print JSON instead of a table."
KEYS_ROTATED = "Master key rotated; {count} workspace data key(s) re-wrapped."
KEYS_REPLACED = ("Master key rotated; {count} workspace data key(s) replaced and every "
                 "secret re-encrypted.")
KEYS_PREVIOUS_REMOVED = "The old master key was checked unneeded and deleted."
KEYS_PREVIOUS_KEPT = ("The old master key is kept ({path}): some secret still needs it. "
                      "Run `liasse keys rotate` again once `liasse doctor` is clean.")
KEYS_DATA_HELP = "Also replace every workspace's data key, re-encrypting every secret."
WORKSPACE_HELP = "Settings of this workspace."
THRESHOLDS_SET = "Thresholds: refused below {review_from}, posted from {approve_from}."
FIRM_HELP = "Accounting firms: one folder and one workspace per client."
FIRM_ENABLED = "{client} enabled: workspace {slug}, folders created in the firm's Dropbox."
FIRM_DISABLED = "{slug}: {count} connection(s) stopped; its data stays."
SLUG_HELP = "The workspace's slug (as in /w/<slug>/ in the web app)."
EXPORT_OUT_HELP = "The zip file to write (created 0600; never overwritten)."
EXPORT_EXISTS = "{path} already exists: choose another file"
EXPORTED = "Workspace {slug} exported to {path}: {rows} record(s), {files} original(s)."
ERASE_YES_HELP = "Do not ask for confirmation (scripts)."
ERASE_CONFIRM = "This erases workspace {slug} for good. Type its slug to confirm"
ERASE_CANCELLED = "Nothing was erased."
ERASED = ("Workspace {slug} erased: {rows} row(s) and {files} original(s) deleted "
          "({shared} shared with another workspace kept).")
ERASED_KEY_ROTATED = ("The master key was rotated and the old one deleted: the erased data "
                      "key cannot be unwrapped from any copy of the database.")
RUN_HOST_HELP = "Listen on this address (default 127.0.0.1; LIASSE_WEB__HOST)."
RUN_PORT_HELP = "Serve the web app on this port (default 8000; LIASSE_WEB__PORT)."
RUN_SANDBOX_PORT_HELP = ("Port of the built-in Qonto sandbox (default 8765; "
                         "LIASSE_QONTO__SANDBOX_PORT).")
SYNC_ALL_HELP = "Run one window in every workspace, not only the selected one."
SYNC_WORKSPACE = "workspace {slug}:"
WORKSPACE_OPTION_HELP = "The workspace to work on (default: `default`)."
ERROR = "error: {detail}"
UNEXPECTED = ("error: unexpected {kind}: {detail}\n"
              "This is a bug in liasse; run again with LIASSE_DEBUG=1 for the details.")
# liasse learn (a reviewer's confirmation from the command line), in English and French
LEARN_HELP = "Record a reviewer's confirmed values for a document (as approving in review)."
LEARN_SET_HELP = ("A confirmed value, FIELD=VALUE (dates YYYY-MM-DD, amounts with a dot); "
                  "repeat for several fields.")
LEARN_FORMAT = ("expected FIELD=VALUE, not {pair!r}\n"
                "valeur attendue sous la forme CHAMP=VALEUR, et non {pair!r}")
LEARN_UNKNOWN_FIELD = ("unknown field {name!r}; the fields are: {fields}\n"
                       "champ inconnu {name!r} ; les champs sont : {fields}")
LEARN_BAD_VALUE = ("{name}: malformed value ({detail}); dates as YYYY-MM-DD, amounts like "
                   "1234.56\n{name} : valeur mal formée ; dates en AAAA-MM-JJ, montants "
                   "comme 1234.56")
LEARN_UNREADABLE = "cannot read {path}: {detail}\nimpossible de lire {path} : {detail}"
LEARN_DONE = ("Learned for supplier {supplier} ({fields} field(s) confirmed).\n"
              "Appris pour le fournisseur {supplier} ({fields} champ(s) confirmé(s)).")
LEARN_NOTHING = ("Nothing learned: no supplier named or identified on the document; "
                 "add --set supplier_name=...\nRien appris : aucun fournisseur nommé ou "
                 "identifié sur le document ; ajoutez --set supplier_name=...")
LEARN_ABSORBED = "  {count} supplier(s) created by mistake folded in / fournisseur(s) fusionné(s)"
EXTRACT_WORKSPACE_HELP = ("Read with what this workspace learned from corrections "
                          "(default: the only workspace, when there is one).")
DROPBOX_CONNECTED = "Dropbox connected: watching {folder}"
DROPBOX_CHECK = {
    "token_refused": ("Dropbox refused this token: nothing was connected. Generate a new "
                      "access token in your app's settings (dropbox.com/developers/apps) "
                      "and run `liasse connect dropbox --token ...` again."),
    "folder_missing": ("There is no folder {folder} in this Dropbox: nothing was connected. "
                       "Create it in Dropbox, or give an existing folder with --folder."),
    "not_a_folder": ("{folder} is a file in this Dropbox, not a folder: nothing was "
                     "connected. Give a folder with --folder."),
    "bad_path": ("{folder} is not a Dropbox folder path: nothing was connected. Give a path "
                 "such as --folder /Invoices."),
    "unreachable": ("Dropbox could not be reached to check the token and the folder: nothing "
                    "was connected. Check the network (or that the emulator runs, "
                    "LIASSE_DROPBOX__BASE_URL) and try again."),
}
RUN_WORKERS_HELP = ("On PostgreSQL: how many `liasse worker` processes run beside the web "
                    "app (0: workers run elsewhere, this process schedules and serves). "
                    "SQLite runs every job in this process.")
WORKER_CONCURRENCY_HELP = "Jobs this worker runs at once (threads; 1 per core is plenty)."
WORKER_QUEUES_HELP = "Only these queues (windows, documents, outbox); default: all."
WORKER_NAME_HELP = "The worker's name in `liasse status` (default: host and process id)."
WORKER_NEEDS_PG = ("`liasse worker` needs PostgreSQL (LIASSE_DATABASE_URL=postgresql://…): "
                   "on SQLite `liasse run` does every job itself. Moving? `liasse db copy`.")
WORKER_BAD_QUEUE = "unknown queue {name!r}: choose among {choices}"
WORKER_STARTED = "liasse worker {name} runs jobs from {queues} ({concurrency} at once)"
EXTRACT_TITLE = "{file} — {document_type} via {layer}, confidence {confidence:.0%}"
EXTRACT_FILE_ERROR = "error: {file}: {error}"
