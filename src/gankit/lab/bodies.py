"""Request bodies with a size limit, and the lab's one shape of HTTP error: {"error": message}."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from gankit.errors import GankitError


class BodyTooLarge(GankitError):
    """A request body over its limit; the message says the limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or BodyTooLarge as soon as it passes `limit` bytes (the rest is not read)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"the upload is larger than {limit // 1024} KB")
    return bytes(body)


def error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
