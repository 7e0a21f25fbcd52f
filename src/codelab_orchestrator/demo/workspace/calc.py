"""A tiny calculator: the sample project of `codelab demo`."""


def add(a: float, b: float) -> float:
    return a + b


def divide(a: float, b: float) -> float:
    return a / b
