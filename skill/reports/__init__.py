"""Adherence reports and the history heatmap: pure functions over domain records and bounded store reads."""
