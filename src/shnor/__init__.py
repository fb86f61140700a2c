"""shnor: the information-analytical system for work with ШНОР and ШНСУ."""

__version__ = "0.1.0"
