"""Web presentation of the analytics figures (queries live in hotline.analytics)."""
