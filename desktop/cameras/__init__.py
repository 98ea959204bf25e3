"""The camera wall: live tiles with zone, person and health overlays."""
