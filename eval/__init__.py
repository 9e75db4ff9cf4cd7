"""Evaluation harness: gold sets and metrics over kb/ or the HTTP API."""
