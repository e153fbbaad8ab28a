"""gankit: generative adversarial networks you can watch learn, measure and trust."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """`gankit.load_generator` (`gankit.api`), imported on first use so `import gankit` stays cheap."""
    if name == "load_generator":
        from .api import load_generator

        return load_generator
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")
