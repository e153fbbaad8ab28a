"""The user's points in the page's URL, so that a link reproduces a drawn or uploaded setup.

    points=E.B64    E an int, B64 base64url (no padding) of int16 little-endian (N * 2,),
                    x0 y0 x1 y1 ...: each coordinate is int * 2**E

The points are kept on that grid from the moment they arrive (`data.check_points`), so a link
carries them exactly and loading it trains on the same numbers. A link holds at most
MAX_LINK_POINTS points: 4 bytes each, about 5.4 KB of URL at the limit, under the 8 KB many
servers and proxies accept. More points are not in the link: the page says to save the toy.
"""

import base64
import binascii

import numpy as np
import torch

from .data import MIN_GRID_EXPONENT, PointsError, check_points, grid_exponent

MAX_LINK_POINTS = 1000
MAX_LINK_CHARS = 8 + -(-16 * MAX_LINK_POINTS // 3)  # the exponent, the dot, base64 of 4 bytes a point


def points_link(points: torch.Tensor) -> str | None:
    """`points` (N, 2), as `check_points` returns them, as the URL's `points` value; None when
    N > MAX_LINK_POINTS."""
    if len(points) > MAX_LINK_POINTS:
        return None
    exponent = grid_exponent(points)
    ints = torch.round(points.double() / 2.0**exponent).to(torch.int16)  # exact: the points are on this grid
    raw = ints.numpy().astype("<i2").tobytes()
    return f"{exponent}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def points_from_link(text: str) -> torch.Tensor:
    """float32 (N, 2) from `points_link`'s text; anything else raises PointsError."""
    garbled = PointsError("the link's points are garbled: copy the whole link, or save the toy instead")
    if not isinstance(text, str):
        raise garbled
    if len(text) > MAX_LINK_CHARS:
        raise PointsError(f"a link holds at most {MAX_LINK_POINTS} points; save the toy instead")
    exponent, dot, digits = text.partition(".")
    try:
        exponent = int(exponent)
        raw = base64.b64decode(digits + "=" * (-len(digits) % 4), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        raise garbled from None
    if not dot or not MIN_GRID_EXPONENT <= exponent <= 0 or len(raw) % 4:
        raise garbled
    ints = np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64)
    return check_points(torch.from_numpy(ints) * 2.0**exponent)
