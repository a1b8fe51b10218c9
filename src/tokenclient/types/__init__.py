"""The pydantic models of requests, responses, stream chunks and errors."""

from .errors import ErrorObject, ErrorResponse
from .models import Model, ModelList

__all__ = ["ErrorObject", "ErrorResponse", "Model", "ModelList"]
