"""Generated sample documents: the demo inbox of `make run` and the extraction corpus."""
