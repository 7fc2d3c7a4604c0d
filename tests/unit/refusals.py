"""What the domain tests of every service check the same way: a refusal's code and message, and
the field paths a command model's validation names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.errors import Rejected


def refused(code: str, fragment: str, decide: Callable[..., Any], *args: Any,
            **kwargs: Any) -> Rejected:
    with pytest.raises(Rejected) as caught:
        decide(*args, **kwargs)
    assert caught.value.code == code
    assert fragment in caught.value.message
    return caught.value


def invalid_fields(commands: dict[str, type[BaseModel]], name: str, data: Any) -> list[str]:
    """Validate like the edge does; the loc paths are what the reply's details name."""
    with pytest.raises(ValidationError) as caught:
        commands[name].model_validate(data)
    return [".".join(map(str, e["loc"])) for e in caught.value.errors()]
