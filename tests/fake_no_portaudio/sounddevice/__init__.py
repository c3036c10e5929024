"""Stands in for `sounddevice` on a machine without the PortAudio library: importing it
fails the way the real module does there."""

raise OSError("PortAudio library not found")
