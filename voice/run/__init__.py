"""The coach at work: one stepper for the live loop and the rendered session, and the
adapters that bring it the microphone or typed text."""
