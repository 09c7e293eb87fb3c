"""Field readers of the text layer: each reads one kind of value from a `Layout`."""
