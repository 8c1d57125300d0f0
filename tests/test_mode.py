"""no_grad, enable_grad and scope."""

from __future__ import annotations

import pytest

from autograd import Value, enable_grad, is_grad_enabled, no_grad, scope


def test_no_grad_as_decorator_and_context_restores_state():
    @no_grad()
    def evaluate(x):
        assert not is_grad_enabled()
        return x * 2

    x = Value(1.0)
    assert evaluate(x).children == ()
    assert is_grad_enabled()
    with no_grad():
        with enable_grad():
            assert (x * 2).children[0] is x
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError
    assert is_grad_enabled()


def test_scopes_nest_with_slashes():
    with scope("layer0"):
        with scope("neuron3") as path:
            node = Value(1.0) * 2
            assert path == "layer0/neuron3"
        outer = Value(1.0)
    assert node.scope == "layer0/neuron3" and outer.scope == "layer0" and Value(0).scope == ""


def test_scope_rejects_bad_names():
    for bad in ("", "a/b", 3):
        with pytest.raises(ValueError, match="scope name"):
            with scope(bad):
                pass
