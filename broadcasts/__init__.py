"""Outbound work on RQ: jobs, workers and (with the broadcasts issue) paced delivery."""
