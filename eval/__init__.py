"""The evaluation harness: a gold set, retrieval and answer metrics, reports, and a CI gate."""
