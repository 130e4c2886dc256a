"""The shipped seed catalogue: catalogue/<zone>.csv, 885 items in the national standard item structure."""
