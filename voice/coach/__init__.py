"""The coach itself: a pure state machine, and what it knows of the diary."""
