"""What a sentence means, typed or heard: the template matcher, the safety rules and the
judge of a recogniser's readings."""
