"""Shipped model files (package so that setuptools ships the data files; see classifier/shipped.py)."""
