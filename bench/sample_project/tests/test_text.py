from text import slugify, word_count


def test_word_count():
    assert word_count("one two  three") == 3


def test_slugify():
    assert slugify("Hello World") == "hello-world"
