"""HTTP concerns only: the Litestar app and web chat (next issue); logic lives in kb/."""
