"""What every family's tests share: an example is (f, variable, options), checked against
central finite differences by `check_example`."""

from helpers import assert_verified


def example_id(example) -> str:
    f, X, options = example
    return f"d({f})/d{X}" + (f" {options}" if options else "")


def check_example(example) -> None:
    f, X, options = example
    assert_verified(f, X, **options)
