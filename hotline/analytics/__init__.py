"""Analytics queries: figures, rollups, hot topics, exports and the wallboard (read by web/routes/analytics)."""
