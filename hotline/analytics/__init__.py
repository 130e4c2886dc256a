"""Analytics queries: figures, rollups, hot topics, exports, wallboard (read by web/routes/analytics)."""
