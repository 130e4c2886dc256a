"""Files that people attach: photos of a problem (web form, kiosk) and of a home visit (grid, red teams)."""
