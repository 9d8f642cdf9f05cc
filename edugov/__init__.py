"""edugov: the platform a regional education bureau runs its work on."""

__version__ = "0.1.0"
