"""Small list and number helpers."""


def last_n(items, n):
    """Return the last ``n`` items of ``items`` (all of them if there are fewer)."""
    if n <= 0:
        return []
    return items[len(items) - n + 1:]


def chunks(items, size):
    """Split ``items`` into lists of ``size`` items; the last one may be shorter."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size] for i in range(0, len(items), size)]


def page_count(total, per_page):
    """How many pages ``total`` items fill at ``per_page`` items a page."""
    return (total + per_page - 1) // per_page
