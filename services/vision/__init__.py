"""Camera analytics as a service: hosting cameras, persisting what they see, sharing them.

- ``host``: :class:`~services.vision.host.CameraHost` runs one live pipeline per camera of the
  database (one shared detector), exposes frames, health and zone states, follows zone and
  camera changes without restarts;
- ``store``: observations into the database in batches (time logs, sessions, index records,
  zone alerts with snapshots) and low-rate change events for the other seats;
- ``leases`` / ``worker``: ``takt vision-worker``, the same host in its own process; workers
  share the cameras through leases in the database and take over from a dead one;
- ``policy`` / ``snapshots``: the site's privacy settings and the alert snapshots on disk.
"""
