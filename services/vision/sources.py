"""A camera row's source as something OpenCV can open: bundled clips, keyring credentials."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit, urlunsplit

from domain.model.vision import Camera
from services.resources import resolve_source

log = logging.getLogger(__name__)


def camera_source(camera: Camera) -> str:
    """``demo:<file>`` -> the bundled clip; a URL whose camera has a ``credential_ref`` gets
    the user name and password from the OS keyring (they are never stored in the database)."""
    source = resolve_source(camera.source)
    if not camera.credential_ref:
        return source
    parts = urlsplit(source)
    if not parts.scheme or not parts.hostname or parts.password is not None:
        return source
    from services.secrets import camera_credentials

    creds = camera_credentials(camera.credential_ref)
    if creds is None:
        log.warning("%s: no credentials in the keyring under %r", camera.id, camera.credential_ref)
        return source
    user, password = creds
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
