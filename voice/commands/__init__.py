"""One module per sub-command, each with `run(args) -> int`."""
