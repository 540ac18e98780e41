from tests.recording import recorder

__all__ = ["recorder"]  # the fixture, for every test of this folder
