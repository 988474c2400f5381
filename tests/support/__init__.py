"""Test helpers owned by the audio output: model-built issues and the edge-tts stand-in."""
