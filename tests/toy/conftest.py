"""Toy networks are tiny: one thread is fastest, and far faster than several on a busy machine."""

import pytest


@pytest.fixture(autouse=True)
def single_thread(one_thread):
    yield
