"""gankit: generative adversarial networks you can watch learn, measure and trust.

    import gankit
    run = gankit.train("configs/fast.toml", {"train.steps": 500})   # see gankit.api

`import gankit` stays cheap: torch and the rest load on first use of a name below.
"""

import importlib

__version__ = "0.1.0"

# name -> module
_API = {"train": "gankit.api", "open_run": "gankit.api", "Run": "gankit.api", "load_generator": "gankit.trained"}


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
