"""The `cramp-coach` command line: one module per sub-command."""
