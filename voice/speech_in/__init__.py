"""Speech in: recognisers behind one small interface."""
