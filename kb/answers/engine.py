"""AnswerEngine (placeholder until the handlers land)."""
