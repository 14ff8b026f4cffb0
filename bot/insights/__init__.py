"""Insights: the console dashboard's figures, and the counters that keep them quick."""
