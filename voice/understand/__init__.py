"""What a sentence means, typed or heard: the template matcher and the safety rules, and
for heard words their correction toward the coach's own words."""
