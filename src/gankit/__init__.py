"""gankit: generative adversarial networks you can watch learn, measure and trust."""

__version__ = "0.1.0"
