"""Oversight: the dashboard's figures, reports over any period, exports and the annual review pack."""
