"""Basic statistics over lists of numbers."""


def total(values):
    """Sum of ``values``."""
    result = 0
    for value in values:
        result += value
    return result


def maximum(values):
    """Largest of ``values``; ValueError when there are none."""
    if not values:
        raise ValueError("maximum of an empty list")
    best = values[0]
    for value in values[1:]:
        if value > best:
            best = value
    return best
