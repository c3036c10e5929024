"""Speech models on disk: the pinned catalogue, installing and verifying."""
