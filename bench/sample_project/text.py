"""Text helpers."""


def word_count(text):
    """Number of whitespace-separated words in ``text``."""
    return len(text.split())


def slugify(title):
    """Lower-case ``title`` and join its words with dashes: "Hello World" -> "hello-world"."""
    return "-".join(title.lower().split())
