"""The errors the engine raises, so users can catch exactly what they mean to."""


class DomainError(ValueError):
    """An operation got a value outside the inputs it is defined for.

    Examples: log of 0, sqrt of a negative number, division by zero. The message names
    the operation, the offending value and the node's label, and says what to do.
    """


class GradcheckError(AssertionError):
    """Analytic gradients disagree with central differences; the message holds the table."""
