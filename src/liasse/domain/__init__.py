"""Pure business logic: models and rules, no I/O."""
