"""Turns corpus/ into an index directory: parse, chunk, tag, embed, build."""
