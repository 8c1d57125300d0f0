"""blameflow's engine: scalar reverse-mode automatic differentiation.

    >>> from autograd import Value
    >>> x, w, b = Value(2.0, "x"), Value(0.4, "w"), Value(0.1, "b")
    >>> y = (x * w + b).sigmoid()
    >>> y.backward()
    >>> round(y.data, 4), round(w.grad, 4)
    (0.7109, 0.411)
"""

from autograd.backward import gradients, topological_order
from autograd.custom import OwnPrimitive, primitive
from autograd.errors import DomainError, GradcheckError, StaleGraphError
from autograd.functional import grad, hessian, value_and_grad
from autograd.functions import exp, leaky_relu, log, relu, sigmoid, softplus, sqrt, tanh
from autograd.gradcheck import gradcheck
from autograd.jit import jit
from autograd.mode import enable_grad, is_grad_enabled, no_grad, scope
from autograd.primitives import TABLE, Primitive
from autograd.value import Value, apply, constant, dot, set_data

# autograd.sum(values) makes one node for a whole sum. It is left out of __all__ so that
# `from autograd import *` keeps Python's own sum (and its start argument) in place.
from autograd.value import sum as sum  # noqa: A004, E402, I001

__all__ = [
    "TABLE", "DomainError", "GradcheckError", "OwnPrimitive", "Primitive", "StaleGraphError",
    "Value", "apply", "constant", "dot", "enable_grad", "exp", "grad", "gradcheck",
    "gradients", "hessian", "is_grad_enabled", "jit", "leaky_relu", "log", "no_grad", "primitive",
    "relu", "scope", "set_data", "sigmoid", "softplus", "sqrt", "tanh", "topological_order",
    "value_and_grad",
]
