"""Test helpers: model-built issues, the edge-tts stand-in, media checks, and the QR and
listener-site builders (qr.py, site.py)."""
