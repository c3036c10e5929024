"""Everything the coach knows and says, read once from `content/` into typed objects: the
schema, the YAML reading, the intents file and the checks across files."""
