"""Plain questions about a workspace, in English or French, answered from the database."""
