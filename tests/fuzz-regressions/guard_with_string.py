# regression (issue 19): unwrapping re-indented only the first line
def load(path, validate_config=True):
    if validate_config:
        schema = """
{"a": 1}
"""
        check(schema)
    return config.get("a", 1)
