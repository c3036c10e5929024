"""The recognisers behind `SpeechIn`: Whisper (the default), PocketSphinx with its grammar,
and Vosk."""
