"""liasse: a self-hostable invoice pipeline from a cloud folder to Qonto."""

__version__ = "0.1.0"
