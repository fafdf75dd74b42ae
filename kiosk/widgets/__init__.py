"""Reusable widgets: the scan box, big text, the result banner, the recent list and the title bar."""
