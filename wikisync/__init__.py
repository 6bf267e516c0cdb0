"""wikisync: keep organisation pages on a MediaWiki wiki true to canonical data in git."""

__version__ = "0.1.0"
__all__ = ["__version__"]
