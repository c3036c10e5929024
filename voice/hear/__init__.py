"""From sound to text: the endpointer, the speech gate, the listener and its recogniser
process."""
