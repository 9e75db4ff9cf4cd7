"""The `kb` command: the composition root, the one package that wires every layer (indexer, kb, server, eval)."""
