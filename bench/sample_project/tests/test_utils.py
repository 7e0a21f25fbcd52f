from utils import chunks, last_n, page_count


def test_last_n():
    assert last_n([1, 2, 3, 4], 2) == [3, 4]


def test_last_n_zero():
    assert last_n([1, 2, 3], 0) == []


def test_chunks():
    assert chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]


def test_page_count():
    assert page_count(10, 3) == 4
    assert page_count(9, 3) == 3
