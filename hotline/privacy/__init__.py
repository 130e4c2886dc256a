"""Personal data protection: masking phone and ID numbers for roles that may not see them."""
