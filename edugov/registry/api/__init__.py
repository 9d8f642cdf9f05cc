"""The registry's REST routes, mounted by edugov.api under /api/v1/."""

from edugov.registry.api.routes import router

__all__ = ["router"]
