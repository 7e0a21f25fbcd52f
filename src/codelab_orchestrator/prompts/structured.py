"""The one corrective message sent when a structured reply could not be read."""

STRUCTURED_RETRY = """Your reply could not be used: {problem}
Answer again with only one JSON object, no other text, with these fields:
{fields}"""

CUT_OFF = "it was cut off at the length limit; keep every text field short"
