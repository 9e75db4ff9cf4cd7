"""`kb bench`: performance measured against the hardware floor, written as a JSON and Markdown report.

Numbers come from this benchmark, never from timed tests; the machines are noisy, so the report gives
medians and ratios measured in the same run.
"""
