"""issuepub: publish a magazine issue as an EPUB 3, narrated audio, print QR codes and listener pages."""

__version__ = "0.1.0"
