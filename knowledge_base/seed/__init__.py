"""The shipped seed catalogue (service_items.csv)."""
