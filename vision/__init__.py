"""vision layer of Takt Control Room: people, zones and activity from camera images.

Headless (no Qt, no SQL, no Redis). The path of a frame:

- ``sources`` / ``capture``: files, image folders, USB cameras, RTSP/HTTP URLs; a capture
  thread keeps the newest frame, counts dropped ones, reconnects with backoff;
- ``detect``: person boxes from ultralytics YOLO (``.pt``) or an ONNX export (onnxruntime);
- ``track``: ByteTrack ids (ultralytics' own, or the torch-free ``edgefirst-tracker``);
- ``zones`` / ``activity``: anchor points in zone polygons, motion-based active/idle;
- ``analyzer``: one frame through all of it plus the domain's presence and alert rules
  (``domain.rules.zone_presence`` / ``zone_alerts``), giving a ``types.FrameObservation``;
- ``recorder``: time logs, work sessions and index records (seed 003) from observations;
- ``pipeline``: offline analysis of a file, or a live camera in two threads publishing into
  ``latest.LatestValue`` one-slot holders for the GUI.
"""
