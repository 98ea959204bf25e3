"""The zone editor: polygons drawn on a camera picture, saved through services.zones."""
