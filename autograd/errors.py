"""The errors the engine raises, so users can catch exactly what they mean to."""


class DomainError(ValueError):
    """An operation got a value outside the inputs it is defined for.

    Examples: log of 0, sqrt of a negative number, division by zero. The message names
    the operation, the offending value and the node's label, and says what to do.
    """


class StaleGraphError(RuntimeError):
    """A graph is used after a number it was built from changed.

    Example: loss.backward(); w.data -= 0.1 * w.grad; loss.backward() on the same loss.
    The graph's nodes hold numbers computed from the old w, so its gradient would mix old
    and new numbers. The message names the Value, its old and new number, and says to run
    the forward pass again (build a new graph) after changing data.
    """


class GradcheckError(AssertionError):
    """Analytic gradients disagree with central differences; the message holds the table."""

