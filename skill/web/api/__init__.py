"""The REST API (`/api/v1`): token auth, pydantic models, an OpenAPI document generated from them."""

from skill.web.api.blueprint import api_blueprint

__all__ = ["api_blueprint"]
