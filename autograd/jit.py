"""jit: record a function's graph once, then replay it on plain floats.

A training step builds the same graph every time; only the numbers change. `jit(f)`
(in the spirit of `jax.jit` and `torch.compile`) runs f once on Values as usual and
records the graph it built; it writes that graph down as straight-line Python (one line
per node, forward and backward) and compiles it. Later calls run the compiled code on
plain floats, reading the current numbers of the Values f depends on (parameters) and
of the numbers passed as arguments; no Value is created and no graph is walked or sorted.

    step = jit(lambda: total_loss(model, X, y))
    for k in range(100):
        loss = step()                       # the recorded forward pass, on floats
        model.zero_grad(); loss.backward()  # the recorded backward pass
        for p in model.parameters(): p.data -= lr * p.grad

The numbers are the interpreted engine's: each node's forward function and local
derivative come from the table of primitives, the backward pass visits the nodes in the
same reverse creation order as backward() and adds into the same .grads in the same
order, so the results agree bit for bit. print(step.source) shows the generated code.

What costs the replay removes (see benchmarks/README.md): making a Value per node (a
children tuple, a saved list, the grad-mode look-up), finding and sorting the nodes for
backward, and freeing the graph afterwards. When the loss is a sum over samples whose
graphs have the same shape (the learner's [model(x) for x in X]), one sample's graph is
written once, as the body of a loop over the samples: the code stays small (it compiles in
milliseconds) and it is faster still.

Correct or loud, never silently stale:
- Python that looked at a Value's number while tracing (`if loss > 0.5`, `max(scores)`,
  `bool(v)`, `v.data`) is recorded as a guard: the comparison and its outcome, or the
  number read. A replay whose guards come out differently traces f again.
- Another shape of arguments (another batch size, another model passed in) is another
  trace; so is a different object behind a name f reads from its closure or globals.
- A number in the arguments that only becomes a Value is read afresh at each call; one
  that f also computes with as a plain number (x * 2, math.exp(x), a comparison) is
  treated as part of the trace's shape: another number traces again.
- An error in the replayed arithmetic (log of 0, a derivative that is infinite) runs f
  on Values again, so the error is the interpreted engine's own, with its message.
- f may not change a Value's number or use no_grad() while it is traced: a replay would
  skip the change, or bake in numbers it computed. jit says so and stops.

What jit cannot see: numbers f reads from elsewhere that change in place (a list in a
global that is edited between calls): those are baked into the trace. Pass data that
changes as arguments. Side effects of f (printing) happen only while tracing.

Also here: jit(f, vectorize=True) runs the loop over samples with NumPy, a layer's dot
nodes as one matrix product (autograd/jit_numpy.py); f may return (loss, outputs) to get
the outputs' numbers from each call; loss.graph() rebuilds the step's graph as Values
with its numbers and gradients, for viz.explore and viz.render.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import operator
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from autograd import clock, jit_numpy, mode
from autograd.backward import reachable
from autograd.errors import StaleGraphError
from autograd.node import CONSTANT, Node, describe
from autograd.primitives import (
    ADD,
    ARITHMETIC_ERRORS,
    DOT,
    EXP,
    IDENTITY,
    MUL,
    NEG,
    RELU,
    SUB,
    SUM,
    TANH,
    Primitive,
)
from autograd.value import Value

# A trace keeps at most this many variants (guard outcomes) per argument shape, and at
# most SHAPES argument shapes (the oldest is dropped first).
TRACES_PER_SHAPE = 8
SHAPES = 32
# A sum needs at least this many samples for its samples to be written as a loop.
SMALLEST_LOOP = 2


def jit(function: Callable[..., Value], vectorize: bool = False) -> Compiled:
    """A compiled version of function: same results, recorded once and replayed on floats.

    function(*args) must return a Value (a loss). Arguments may be numbers, Values, lists,
    tuples and dicts of them, and objects with a parameters() method (a model), whose
    parameters are then read from the object at every call.
    vectorize=True: a sum over same-shaped samples runs on all samples at once with NumPy
    (autograd/jit_numpy.py; the optional 'numpy' extra), agreeing with the interpreted
    engine to rounding (about 1e-15 relative) rather than bit for bit.
    """
    if not callable(function):
        raise TypeError(f"jit takes a function that returns a Value, got "
                        f"{type(function).__name__}")
    if not isinstance(vectorize, bool):
        raise TypeError(f"jit(vectorize=...) must be True or False, got {vectorize!r}")
    if vectorize:
        jit_numpy.numpy()  # now, with its install hint, rather than at the first call
    return Compiled(function, vectorize)


class Compiled:
    """A function recorded by jit: call it as the function itself.

    source: the generated Python of the latest trace (forward and backward).
    trace_count: how many times the function has been traced; reason: why the last time
    ("first call", "a guard came out differently: ...", "new argument shape").
    """

    def __init__(self, function: Callable[..., Value], vectorize: bool = False) -> None:
        self.function = function
        self.vectorize = vectorize
        self.trace_count = 0
        self.reason = ""
        self._traces: dict[tuple, list[_Trace]] = {}
        self._latest: _Trace | None = None
        functools.update_wrapper(self, function)

    @property
    def source(self) -> str:
        """The Python code of the latest trace ("" before the first call)."""
        return "" if self._latest is None else self._latest.source

    def __call__(self, *args: Any) -> Replayed:
        shape, numbers, values = _flatten(args)
        closure = _closure_objects(self.function)
        reason = "new argument shape" if self.trace_count else "first call"
        for trace in self._traces.get(shape, ()):
            if not trace.matches(closure, numbers):
                reason = "an argument number or a name f reads changed"
                continue
            try:
                result = trace.replay(numbers, values, self._interpreted(args))
            except _GuardFailed as failed:
                reason = f"a guard came out differently: {failed.args[0]}"
                continue
            except (*ARITHMETIC_ERRORS, FloatingPointError):
                # Let the interpreted engine meet the error itself: same error, same words.
                reason = "the replay met an arithmetic error"
                break
            self._latest = trace
            return result
        return self._trace(args, shape, closure, reason)

    def _trace(self, args: tuple, shape: tuple, closure: tuple, reason: str) -> Replayed:
        recording = _Recording(clock.tick())
        traced_args = _with_tracked_numbers(args, recording)
        with _recording(recording):
            root, outputs = _split(self.function(*traced_args))
        _, numbers, values = _flatten(args)
        trace = _Trace(root, recording, numbers, values, closure, args, self.vectorize, outputs)
        if shape not in self._traces and len(self._traces) >= SHAPES:
            del self._traces[next(iter(self._traces))]
        variants = self._traces.setdefault(shape, [])
        variants.insert(0, trace)
        del variants[TRACES_PER_SHAPE:]
        self.trace_count += 1
        self.reason = reason
        self._latest = trace
        return trace.replay(numbers, values, self._interpreted(args))

    def _interpreted(self, args: tuple) -> Callable[[], Value]:
        """f on Values, as without jit: for the interpreted engine to meet an error itself."""
        return lambda: _split(self.function(*args))[0]

    def __repr__(self) -> str:
        name = getattr(self.function, "__qualname__", repr(self.function))
        return f"<jit of {name}: traced {self.trace_count} time(s)>"


class Replayed:
    """The result of a compiled call: the number of the recorded output, and its backward.

    data: the output's number. backward(grad=1.0) adds d output / d leaf (times grad) into
    the .grad of every Value the output depends on, as Value.backward() does; the leaves
    must still hold the numbers this result was computed from.
    """

    __slots__ = ("data", "grad", "_trace", "_saved", "_leaves", "_numbers_read",
                 "_changes_seen", "_interpreted", "_backward_done")

    def __init__(self, data: float, trace: _Trace, saved: tuple, leaves: list[Node],
                 numbers_read: list[float], interpreted: Callable[[], Value]) -> None:
        self.data = data
        self.grad = 0.0
        self._trace = trace
        self._saved = saved
        self._leaves = leaves
        self._numbers_read = numbers_read
        self._changes_seen = clock.last_change
        self._interpreted = interpreted
        self._backward_done = False

    def backward(self, grad: float = 1.0) -> None:
        """The recorded backward pass: fill in .grad of every leaf the output depends on."""
        if not isinstance(grad, numbers.Real) or isinstance(grad, bool):
            raise TypeError(f"backward(grad=...) takes an int or float, got "
                            f"{type(grad).__name__}: {grad!r}")
        if clock.last_change != self._changes_seen:
            self._refuse_stale()
        self.grad = float(grad)
        try:
            self._trace.backward(self.grad, self._saved, self._leaves)
        except (*ARITHMETIC_ERRORS, FloatingPointError):
            # A derivative is infinite or not real somewhere. Nothing was written yet: let
            # the interpreted engine run this step and raise its own DomainError, which names
            # the op, the numbers and the nodes.
            self._interpreted().backward(self.grad)
        self._backward_done = True

    def graph(self) -> Value:
        """The recorded graph as Values, with this call's numbers: for pictures.

        viz.explore(loss.graph()) or viz.render(loss.graph(), "graph.svg") draw what the
        step computed. After loss.backward() the nodes carry their gradients too; the
        leaves keep the .grad they hold (drawing adds nothing to them). The leaves must
        still hold this call's numbers (StaleGraphError otherwise: call the step again).
        """
        if clock.last_change != self._changes_seen:
            self._refuse_stale()
        root = self._interpreted()  # f on Values: the same graph, built once more
        if self._backward_done:
            held = [(leaf, leaf.grad) for leaf in self._leaves]
            root.backward(self.grad)
            for leaf, grad in held:
                leaf.grad = grad
        return root

    def _refuse_stale(self) -> None:
        for leaf, number in zip(self._leaves, self._numbers_read):
            if leaf._data is not number:
                raise StaleGraphError(
                    f"backward: {describe(leaf)} was given a new number ({number!r} -> "
                    f"{leaf._data!r}) after the compiled step read it. The recorded numbers "
                    f"and derivatives are from before the change. Call the step again after "
                    f"changing data (an optimizer step changes every parameter).")

    def __repr__(self) -> str:
        return f"Replayed(data={self.data:.6g}, grad={self.grad:.6g})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)


def _split(result: Any) -> tuple[Value, Any]:
    """(loss, outputs) from what f returned: a Value, or a pair (loss, outputs) where
    outputs is a list of Values or of lists of Values (the model's outputs, whose numbers
    each call then returns beside the loss: step() gives (loss, numbers))."""
    if isinstance(result, Value):
        return result, None
    if (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Value)
            and isinstance(result[1], list)):
        return result
    raise TypeError(f"jit: the function returned a {type(result).__name__}; it must return "
                    f"one Value (a loss) for backward() to start from, or a pair (loss, list "
                    f"of output Values)")


# ---- tracing: what f looked at ---------------------------------------------------------------
class TraceError(RuntimeError):
    """f does something a replay could not repeat (changes a Value's number, computes under
    no_grad(), uses a node computed before the call): jit refuses to compile it."""



class _GuardFailed(Exception):
    """A replay's guard came out differently from the trace: trace again."""


@dataclass
class _Guard:
    """Python looked at a Value's number while tracing.

    kind: "<", "<=", ">", ">=" (node compared with other), "bool" (if node:), or "data"
    (node.data was read: the replay must see the same number). outcome: what it gave.
    """

    kind: str
    node: Node
    other: Any
    outcome: Any

    def describe(self) -> str:
        if self.kind == "data":
            return f"the number of {describe(self.node)} was read ({self.outcome!r})"
        if self.kind == "bool":
            return f"bool({describe(self.node)}) was {self.outcome}"
        other = describe(self.other) if isinstance(self.other, Node) else repr(self.other)
        return f"{describe(self.node)} {self.kind} {other} was {self.outcome}"


@dataclass
class _Recording:
    """What tracing learned besides the graph: guards, and which numbers came from the
    arguments. start: the clock's tick when tracing began (leaves made before are read
    afresh at each call)."""

    start: int
    guards: list[_Guard] = field(default_factory=list)
    argument_floats: dict[int, int] = field(default_factory=dict)  # id(float) -> position
    kept_floats: list[float] = field(default_factory=list)  # keeps those ids unique
    used_as_numbers: set[int] = field(default_factory=set)  # positions f computed with
    quiet: int = 0  # > 0 while Value's own printing reads its number (not a guard)


class _ArgumentNumber:
    """A number of f's arguments while f is traced.

    float(x) gives a new float object each time, remembered with x's position: if it
    becomes a leaf's number, the leaf reads that argument at each replay. Arithmetic and
    comparisons on x itself (f computing with it as a plain number, math.exp(x)) mark the
    position as used: its number is then part of the trace's shape.
    """

    __slots__ = ("number", "position", "recording")

    def __init__(self, number: float, position: int, recording: _Recording) -> None:
        self.number = number
        self.position = position
        self.recording = recording

    def __float__(self) -> float:
        copy = self.number * 1.0  # a new float object with the same bits (also -0.0, nan)
        self.recording.argument_floats[id(copy)] = self.position
        self.recording.kept_floats.append(copy)
        return copy

    def __repr__(self) -> str:
        return repr(self.number)

    def __format__(self, spec: str) -> str:
        return format(self.number, spec)

    def _plain(self) -> float:
        self.recording.used_as_numbers.add(self.position)
        return self.number


def _plain_operator(name: str) -> Callable:
    method = getattr(float, name)

    def use_as_number(self: _ArgumentNumber, *others: Any) -> Any:
        if any(isinstance(other, Value) for other in others):
            return NotImplemented  # Value's reflected operator lifts x: no plain use
        others = tuple(o._plain() if isinstance(o, _ArgumentNumber) else o for o in others)
        return method(self._plain(), *others)

    return use_as_number


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__rmod__", "__divmod__", "__rdivmod__", "__pow__", "__rpow__", "__neg__",
              "__pos__", "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__",
              "__ne__", "__bool__", "__int__", "__round__", "__trunc__",
              "__floor__", "__ceil__", "__hash__"):
    setattr(_ArgumentNumber, _name, _plain_operator(_name))
numbers.Real.register(_ArgumentNumber)  # Value(x) and the checks accept it as a number


_current: ContextVar[_Recording | None] = ContextVar("blameflow_jit_recording", default=None)


def _record(guard_kind: str, node: Value, other: Any, outcome: Any) -> None:
    recording = _current.get()
    if recording is not None and not recording.quiet:
        recording.guards.append(_Guard(guard_kind, node, other, outcome))


def _comparison(symbol: str, compare: Callable[[float, float], bool]) -> Callable:
    def compared(self: Value, other: Any) -> bool:
        other_number = other._data if isinstance(other, Value) else _plain_number(other)
        outcome = compare(self._data, other_number)
        _record(symbol, self, other if isinstance(other, Value) else other_number, outcome)
        return outcome

    return compared


def _plain_number(x: Any) -> float:
    if isinstance(x, _ArgumentNumber):
        return x._plain()
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        raise TypeError(f"comparison with a Value takes an int or float, got "
                        f"{type(x).__name__}: {x!r}")
    return float(x)


def _traced_bool(self: Value) -> bool:
    outcome = self._data != 0.0
    _record("bool", self, None, outcome)
    return outcome


def _traced_data_get(self: Value) -> float:
    _record("data", self, None, self._data)
    return self._data


def _traced_data_set(self: Value, number: float) -> None:
    if _current.get() is not None:
        raise TraceError(
            f"jit: the traced function gives {describe(self)} a new number; a replay would "
            f"skip that change. Change numbers outside the compiled function (the optimizer "
            f"step after loss.backward()).")
    _ORIGINALS["data"].fset(self, number)


def _quietly(method: Callable) -> Callable:
    """Value's printing reads its own number: that is not Python deciding anything."""
    def printed(self: Value, *args: Any) -> Any:
        recording = _current.get()
        if recording is None:
            return method(self, *args)
        recording.quiet += 1
        try:
            return method(self, *args)
        finally:
            recording.quiet -= 1

    return printed


_ORIGINALS: dict[str, Any] = {name: Value.__dict__[name] for name in (
    "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "data", "__repr__", "__format__")}
_TRACING_METHODS: dict[str, Any] = {
    "__lt__": _comparison("<", operator.lt),
    "__le__": _comparison("<=", operator.le),
    "__gt__": _comparison(">", operator.gt),
    "__ge__": _comparison(">=", operator.ge),
    "__bool__": _traced_bool,
    "data": property(_traced_data_get, _traced_data_set, doc=_ORIGINALS["data"].__doc__),
    "__repr__": _quietly(_ORIGINALS["__repr__"]),
    "__format__": _quietly(_ORIGINALS["__format__"]),
}
_GRAD_MODE_ENTER = mode._GradMode.__enter__
_installed = 0
_install_lock = threading.Lock()


def _traced_grad_mode_enter(self: Any) -> None:
    if _current.get() is not None and not self.enabled:
        raise TraceError(
            "jit: the traced function uses no_grad(); numbers it computes there have no "
            "link to the graph, so a replay would use the traced ones. Compute them outside "
            "the compiled function and pass them in, or leave no_grad() out.")
    _GRAD_MODE_ENTER(self)


@contextmanager
def _recording(recording: _Recording) -> Iterator[None]:
    """Record guards while f runs on this thread.

    Value's comparisons, bool() and .data are swapped, for the duration of the trace, for
    versions that also write down what they saw. (The engine a learner reads stays free of
    tracing hooks; other threads see the swap but record nothing.) The engine itself reads
    numbers through ._data, so only f's own looks are recorded.
    """
    global _installed
    with _install_lock:
        if not _installed:
            for name, method in _TRACING_METHODS.items():
                setattr(Value, name, method)
            mode._GradMode.__enter__ = _traced_grad_mode_enter
        _installed += 1
    token = _current.set(recording)
    try:
        yield
    finally:
        _current.reset(token)
        with _install_lock:
            _installed -= 1
            if not _installed:
                for name, method in _ORIGINALS.items():
                    setattr(Value, name, method)
                mode._GradMode.__enter__ = _GRAD_MODE_ENTER


# ---- arguments: their shape (the cache key), their numbers and their Values ----------------
def _flatten(args: Any) -> tuple[tuple, list[float], list[Value]]:
    """(shape, numbers, values) of args: the shape is hashable and equal for arguments that
    give the same graph; numbers are the floats and values the Values, in a fixed order."""
    shape: list[Any] = []
    found_numbers: list[float] = []
    found_values: list[Value] = []
    _walk(args, shape, found_numbers, found_values)
    return tuple(shape), found_numbers, found_values


def _walk(x: Any, shape: list, found_numbers: list, found_values: list) -> None:
    kind = x.__class__
    if kind is float:
        shape.append(float)
        found_numbers.append(x)
    elif kind is Value:
        shape.append(Value)
        found_values.append(x)
    elif kind is list or kind is tuple:
        if _floats_only(x):  # a row of plain floats, the common case: in one step
            shape.append((kind, len(x), float))
            found_numbers += x
            return
        shape.append((kind, len(x)))
        for item in x:
            _walk(item, shape, found_numbers, found_values)
    elif kind is dict:
        shape.append((dict, tuple(x)))
        for item in x.values():
            _walk(item, shape, found_numbers, found_values)
    elif kind in (int, bool, str, bytes, type(None)):
        shape.append((kind, x))  # ints are counts and class indices: part of the shape
    elif callable(getattr(x, "parameters", None)):
        shape.append(("parameters of", id(x)))  # the object is kept by the trace
        found_values.extend(x.parameters())
    else:
        shape.append(("object", id(x)))


def _floats_only(items: list | tuple) -> bool:
    """Whether items is not empty and holds floats only (not ints, bools or subclasses)."""
    return {*map(type, items)} == _JUST_FLOAT


_JUST_FLOAT = {float}


def _with_tracked_numbers(x: Any, recording: _Recording, counter: list[int] | None = None
                          ) -> Any:
    """args with every float replaced by an _ArgumentNumber, in _flatten's order."""
    counter = [0] if counter is None else counter
    kind = x.__class__
    if kind is float:
        counter[0] += 1
        return _ArgumentNumber(x, counter[0] - 1, recording)
    if kind is list or kind is tuple:
        return kind(_with_tracked_numbers(item, recording, counter) for item in x)
    if kind is dict:
        return {key: _with_tracked_numbers(item, recording, counter) for key, item in x.items()}
    return x


def _closure_objects(function: Callable) -> tuple:
    """The objects behind the names function reads from its closure and its globals (a
    model rebuilt under the same name is another graph)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return ()
    found = [cell.cell_contents for cell in function.__closure__ or ()
             if _cell_is_set(cell)]
    names = function.__globals__
    found += [names[name] for name in code.co_names if name in names]
    return tuple(found)


def _cell_is_set(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


# ---- the trace: the graph written as Python -------------------------------------------------
class _Trace:
    """One recorded graph, compiled: forward(P, A) and backward(seed, saved).

    P: the numbers of the leaves read at each call (the Values made before tracing), A:
    the argument numbers. Leaves made while tracing from other numbers are constants.
    """

    def __init__(self, root: Value, recording: _Recording, argument_numbers: list[float],
                 argument_values: list[Value], closure: tuple, args: tuple,
                 vectorize: bool = False, outputs: list | None = None) -> None:
        self.closure = closure
        self.args = args  # objects in the shape are known by id: keep them alive
        self.outputs = outputs
        self.output_nodes = [] if outputs is None else _output_nodes(outputs)
        graph = _Graph(root, recording, argument_values, self.output_nodes)
        self.static_numbers = [(k, argument_numbers[k])
                               for k in sorted(recording.used_as_numbers)]
        self.leaf_sources = graph.leaf_sources
        # Where, among the read leaves, the ones backward() gives a gradient stand.
        self.gradient_positions = [index for index, leaf in enumerate(graph.read_leaves)
                                   if id(leaf) in graph.needs_grad]
        # When no leaf is an argument's Value, every call reads the same leaves: list them,
        # and those that get a gradient, once (None: found among the arguments each call).
        self.fixed_leaves = self.fixed_receiving = None
        if not any(source.__class__ is int for source in self.leaf_sources):
            self.fixed_leaves = self.leaf_sources
            self.fixed_receiving = self.gradients_of(self.leaf_sources)
        writer = _Writer(graph, vectorize)
        self.source = writer.source()
        self.errors_raised = writer.errors_raised
        namespace = dict(graph.namespace)
        exec(compile(self.source, f"<jit of {describe(root)}>", "exec"), namespace)
        self.forward = namespace["forward"]
        self.backward_code = namespace["backward"]
        # What each guard checks, in words; not the guards themselves, whose nodes would
        # keep the whole traced graph alive.
        self.guards = [guard.describe() for guard in graph.guards]

    def matches(self, closure: tuple, argument_numbers: list[float]) -> bool:
        if len(closure) != len(self.closure) or any(
                a is not b for a, b in zip(closure, self.closure)):
            return False
        return all(_same(argument_numbers[k], number) for k, number in self.static_numbers)

    def replay(self, argument_numbers: list[float], argument_values: list[Value],
               interpreted: Callable[[], Value]) -> Replayed:
        leaves = self.fixed_leaves
        if leaves is None:
            leaves = [argument_values[source] if source.__class__ is int else source
                      for source in self.leaf_sources]
        numbers_read = [leaf._data for leaf in leaves]
        try:
            with self.errors_raised():
                out, saved, output_numbers = self.forward(numbers_read, argument_numbers)
        except _GuardFailed as failed:
            raise _GuardFailed(self.guards[failed.args[0]]) from None
        result = Replayed(out, self, saved, leaves, numbers_read, interpreted)
        if self.outputs is None:
            return result
        return result, _numbers_like(self.outputs, iter(output_numbers))

    def backward(self, seed: float, saved: tuple, leaves: list[Node]) -> None:
        with self.errors_raised():
            fresh = self.backward_code(seed, saved)  # writes no .grad: an error changes nothing
        # A leaf's gradient from this call is summed on its own, then added to what it
        # held, as backward() does (so calling twice gives exactly twice).
        receiving = (self.fixed_receiving if leaves is self.fixed_leaves
                     else self.gradients_of(leaves))
        for leaf, gradient in zip(receiving, fresh):
            before = leaf.grad
            leaf.grad = gradient + before if before else gradient

    def gradients_of(self, leaves: list[Node]) -> list[Node]:
        """The leaves among these (the read leaves, in order) that get a gradient."""
        return [leaves[position] for position in self.gradient_positions]


def _output_nodes(outputs: list) -> list[Value]:
    """The Values in outputs (a list of Values or of lists of Values), in order."""
    return [x for item in outputs for x in (item if isinstance(item, list) else [item])
            if isinstance(x, Value)]


def _numbers_like(outputs: list, numbers: Iterator[float]) -> list:
    """outputs with each Value replaced by the next of numbers (other items kept)."""
    return [_numbers_like(item, numbers) if isinstance(item, list)
            else next(numbers) if isinstance(item, Value) else item for item in outputs]


def _same(a: float, b: float) -> bool:
    """a == b, and NaN is the same as NaN."""
    return a == b or (a != a and b != b)


class _Graph:
    """The traced graph, sorted out for writing: which node is what, and the loops."""

    def __init__(self, root: Value, recording: _Recording, argument_values: list[Value],
                 outputs: list[Value]) -> None:
        self.root = root
        self.outputs = outputs
        self.guards = recording.guards
        starts = [root, *outputs] + [g.node for g in self.guards] + [
            g.other for g in self.guards if isinstance(g.other, Node)]
        nodes = {id(node): node for start in starts for node in reachable(start)}
        self.nodes = sorted(nodes.values(), key=lambda node: node._serial)
        self.in_backward = {id(node) for node in reachable(root)}
        by_argument = {id(value): k for k, value in enumerate(argument_values)}
        self.leaf_sources: list[Any] = []  # per read leaf: argument position or the Value
        self.namespace: dict[str, Any] = {"_GuardFailed": _GuardFailed, "_sum": sum,
                                           "_nan": math.nan, "_inf": math.inf, "_same": _same}
        self.name: dict[int, str] = {}
        self.needs_grad: set[int] = set()
        self.read_leaves: list[Node] = []
        self.computed = 0
        # A float made from an argument that is no leaf's number went elsewhere (math.exp(x),
        # a comparison): the argument's number is then part of the trace's shape.
        leaf_numbers = {id(node._data) for node in self.nodes if not node._children}
        recording.used_as_numbers.update(
            position for key, position in recording.argument_floats.items()
            if key not in leaf_numbers)
        for node in self.nodes:
            self._classify(node, recording, by_argument)
        self.loops = _find_loops(self)

    def gradient_leaves(self) -> list[Node]:
        """The read leaves that get a gradient: all but the constants."""
        return [leaf for leaf in self.read_leaves if id(leaf) in self.needs_grad]

    def _classify(self, node: Node, recording: _Recording, by_argument: dict) -> None:
        key = id(node)
        if node._children:
            if node._serial < recording.start:
                raise TraceError(
                    f"jit: the traced function uses {describe(node)}, computed before it was "
                    f"called; a replay could not follow a change of the Values it was "
                    f"computed from. Compute it inside the function (or pass its inputs).")
            self.name[key] = f"v{self.computed}"
            self.computed += 1
            if any(id(child) in self.needs_grad for child in node._children):
                self.needs_grad.add(key)
        elif node._serial < recording.start or key in by_argument:
            self.name[key] = f"p{len(self.read_leaves)}"
            self.read_leaves.append(node)
            self.leaf_sources.append(by_argument.get(key, node))
            if node._kind != CONSTANT:  # a constant gets no gradient, as in backward()
                self.needs_grad.add(key)
        else:
            position = recording.argument_floats.get(id(node._data))
            if position is not None and position not in recording.used_as_numbers:
                self.name[key] = f"A[{position}]"
            else:
                self.name[key] = _literal(node._data)


def _literal(x: float) -> str:
    if x != x:
        return "_nan"
    if x in (math.inf, -math.inf):
        return "_inf" if x > 0 else "-_inf"
    return repr(x)


# ---- loops: a sum over samples whose graphs have the same shape ----------------------------
@dataclass
class _Loop:
    """A sum node whose children are the outputs of samples with graphs of the same shape.

    samples: each sample's computed nodes in creation order (sample 0's are written as the
    loop's body); slots: each sample's own leaves (its inputs and constants), in the order
    the body reads them.
    """

    sum_node: Node
    samples: list[list[Node]]
    slots: list[list[Node]]


def _find_loops(graph: _Graph) -> dict[int, _Loop]:
    parents: Counter = Counter()
    for node in graph.nodes:
        for child in node._children:
            parents[id(child)] += 1
    guarded = {id(g.node) for g in graph.guards} | {
        id(g.other) for g in graph.guards if isinstance(g.other, Node)}
    # From the root down: a sum inside a sample of a loop already found is written in
    # that loop's body (and looking at it would walk the sample's graph once more).
    found, inside_a_loop = [], set()
    for node in reversed(graph.nodes):
        if (node._op is SUM and len(node._children) >= SMALLEST_LOOP
                and id(node) not in inside_a_loop):
            loop = _as_loop(node, graph, parents, guarded)
            if loop is not None:
                found.append(loop)
                inside_a_loop.update(id(n) for sample in loop.samples for n in sample)
    return {id(loop.sum_node): loop for loop in reversed(found)}  # in creation order


def _as_loop(sum_node: Node, graph: _Graph, parents: Counter, guarded: set) -> _Loop | None:
    samples, slots, shapes = [], [], set()
    for output in sum_node._children:
        found = _sample(output, graph, parents, guarded)
        if found is None:
            return None
        nodes, leaves, shape = found
        shapes.add(shape)
        if len(shapes) > 1:
            return None
        samples.append(nodes)
        slots.append(leaves)
    return _Loop(sum_node, samples, slots)


def _sample(output: Node, graph: _Graph, parents: Counter, guarded: set
            ) -> tuple[list[Node], list[Node], tuple] | None:
    """The computed nodes only output needs (its private graph), the leaves made while
    tracing that they read, and the graph's shape; None if it is not private."""
    if not output._children or parents[id(output)] != 1:
        return None
    inside = {id(output): output}
    edges_inside: Counter = Counter({id(output): 1})
    queue = [output]
    for node in queue:
        for child in node._children:
            if child._children:
                edges_inside[id(child)] += 1
                if id(child) not in inside:
                    inside[id(child)] = child
                    queue.append(child)
    if any(edges_inside[key] != parents[key] or key in guarded for key in inside):
        return None
    nodes = sorted(inside.values(), key=lambda node: node._serial)
    local = {id(node): i for i, node in enumerate(nodes)}
    leaves: list[Node] = []
    slot_of: dict[int, int] = {}
    shape = []
    for node in nodes:
        references = []
        for child in node._children:
            key = id(child)
            if key in local:
                references.append(("n", local[key]))
            elif graph.name[key].startswith("p"):
                references.append(("p", graph.name[key]))
            else:
                if key not in slot_of:
                    slot_of[key] = len(leaves)
                    leaves.append(child)
                references.append(("s", slot_of[key]))
        shape.append((node._op, tuple(references)))
    return nodes, leaves, tuple(shape)


# ---- writing the code ------------------------------------------------------------------------
class _Writer:
    """Writes forward(P, A) and backward(seed, saved) for a graph, one line per node.

    vectorize: write loops with NumPy where their operations allow (autograd/jit_numpy.py).
    errors_raised: a context for running the code in which NumPy raises on arithmetic
    errors (as Python's math does) instead of giving inf or NaN with a warning.
    """

    def __init__(self, graph: _Graph, vectorize: bool = False) -> None:
        self.graph = graph
        self.errors_raised: Callable[[], Any] = contextlib.nullcontext
        self.vectorized: dict[int, jit_numpy.LoopWriter] = {}
        if vectorize:
            np = jit_numpy.numpy()
            for index, (key, loop) in enumerate(graph.loops.items()):
                names = self.loop_names(loop)
                try:
                    self.vectorized[key] = jit_numpy.LoopWriter(
                        index, loop.samples[0], loop.slots[0], names, graph.needs_grad)
                    self.vectorized[key]._check_order()
                except jit_numpy.CannotVectorize:
                    continue  # that loop stays a Python loop
            if self.vectorized:
                graph.namespace.update(jit_numpy.helpers(np))
                for writer in self.vectorized.values():
                    graph.namespace.update(writer.primitives)
                self.errors_raised = functools.partial(
                    np.errstate, over="raise", divide="raise", invalid="raise")
        self.in_loop: dict[int, _Loop] = {}
        self.loop_position: dict[int, tuple[int, int]] = {}  # node -> (sample, position)
        for loop in graph.loops.values():
            for sample_index, sample in enumerate(loop.samples):
                for position, node in enumerate(sample):
                    self.in_loop[id(node)] = loop
                    self.loop_position[id(node)] = (sample_index, position)
        # Sums and dots of weights outside the loops (l2's dot(p, p)) as NumPy rows too.
        self.leaf_rows = {}
        if self.vectorized:
            for node in graph.nodes:
                rows = None if id(node) in self.in_loop else jit_numpy.leaf_rows(node, graph.name)
                if rows is not None:
                    self.leaf_rows[id(node)] = rows
        self.guard_after: dict[int, list[int]] = {}
        for index, guard in enumerate(graph.guards):
            operands = [guard.node] + ([guard.other] if isinstance(guard.other, Node) else [])
            last = max(operands, key=lambda node: node._serial)
            self.guard_after.setdefault(id(last), []).append(index)

    def source(self) -> str:
        return "\n".join(self.forward() + [""] + self.backward()) + "\n"

    # -- forward --
    def forward(self) -> list[str]:
        graph = self.graph
        lines = ['def forward(P, A):',
                 '    """The recorded forward pass: P the leaves\' numbers, A the arguments\'."""']
        lines += self.leaf_legend()
        lines.append(f"    {_target(len(graph.read_leaves), 'p')} = P")
        if self.vectorized:
            lines.append("    PN = _np.array(P)  # the same numbers as one NumPy row: the "
                         "weights are slices of it")
        for node in graph.nodes:
            key = id(node)
            if key in self.in_loop:
                continue
            if key in graph.loops:
                lines += self.loop_forward(graph.loops[key])
            elif key in self.leaf_rows:
                lines.append(f"    {graph.name[key]} = {self.leaf_rows[key][0]}"
                             f"  # {_where(node)}, with NumPy")
            elif node._children:
                lines.append(f"    {graph.name[key]} = {self.value(node, graph.name)}"
                             f"  # {_where(node)}")
            for guard_index in self.guard_after.get(key, []):
                lines += self.guard(guard_index, "    ")
        kept = self.kept_names()
        outputs = self.output_numbers(lines)
        lines.append(f"    outputs = {_tuple_of(outputs)}")
        lines.append(f"    return {graph.name[id(graph.root)]}, {_tuple_of(kept)}, outputs")
        return lines

    def output_numbers(self, lines: list[str]) -> list[str]:
        """The expressions of the outputs' numbers (a node in a loop: its sample's copy)."""
        found = []
        rows_read = set()
        for node in self.graph.outputs:
            key = id(node)
            if key not in self.in_loop:
                found.append(self.graph.name[key])
                continue
            loop = self.in_loop[key]
            index = list(self.graph.loops).index(id(loop.sum_node))
            sample, position = self.loop_position[key]
            vectorized = self.vectorized.get(id(loop.sum_node))
            if vectorized is None:
                found.append(f"kept{index}[{sample}][{position}]")
                continue
            block, row = vectorized.place[id(loop.samples[0][position])]
            name = f"{block.name}_{row}"
            if name not in rows_read:
                rows_read.add(name)
                lines.append(f"    {name} = {block.name}[{row}].tolist()")
            found.append(f"{name}[{sample}]")
        return found

    def leaf_legend(self) -> list[str]:
        """Comment lines saying which Value each p is: "# p0 layer0/neuron0/w0, p1 ..."."""
        described = [f"p{i} {' '.join(leaf.label.split()) or describe(leaf)}"
                     for i, leaf in enumerate(self.graph.read_leaves)]
        lines, line = [], "    # the leaves read:"
        for item in described:
            if len(line) + len(item) > 96:
                lines.append(line.rstrip(","))
                line = "    #"
            line += f" {item},"
        return [*lines, line.rstrip(",")] if described else []

    def kept_names(self) -> list[str]:
        graph = self.graph
        kept = ["A"] + [graph.name[id(node)] for node in graph.nodes
                        if id(node) not in self.in_loop and graph.name[id(node)][0] in "vp"]
        if self.vectorized:
            kept.append("PN")
        for index, key in enumerate(graph.loops):
            if key in self.vectorized:
                kept += self.vectorized[key].kept()
            else:
                kept += [f"rows{index}", f"kept{index}"]
        return kept

    def guard(self, index: int, indent: str) -> list[str]:
        guard = self.graph.guards[index]
        names = self.graph.name
        node = names[id(guard.node)]
        if guard.kind == "data":
            test = f"_same({node}, {_literal(guard.outcome)})"
            return [f"{indent}if not {test}: raise _GuardFailed({index})  # {node}.data read"]
        if guard.kind == "bool":
            test = f"{node} != 0.0"
        else:
            other = names[id(guard.other)] if isinstance(guard.other, Node) else _literal(
                guard.other)
            test = f"{node} {guard.kind} {other}"
        wrong = f"not ({test})" if guard.outcome else f"({test})"
        return [f"{indent}if {wrong}: raise _GuardFailed({index})  # traced: {guard.outcome}"]

    def value(self, node: Node, names: dict[int, str]) -> str:
        """The expression for node's number, from its children's names."""
        op = node._op
        args = [names[id(child)] for child in node._children]
        template = _FORWARD.get(op)
        if template is not None:
            return template(args)
        function = self.bind("forward", op, op.forward)
        if op.arity is None:
            return f"{function}([{', '.join(args)}])"
        return f"{function}({', '.join(args)})"

    def loop_forward(self, loop: _Loop) -> list[str]:
        index = list(self.graph.loops).index(id(loop.sum_node))
        rows = [_display([self.graph.name[id(leaf)] for leaf in slots]) for slots in loop.slots]
        vectorized = self.vectorized.get(id(loop.sum_node))
        if vectorized is not None:
            samples = self.samples_matrix(loop, index, rows)
            return vectorized.forward(samples, len(loop.samples)) + [
                f"    {self.graph.name[id(loop.sum_node)]} = {vectorized.output_sum()}"
                f"  # {_where(loop.sum_node)}"]
        names = self.loop_names(loop)
        sample = loop.samples[0]
        slot_names = _target(len(loop.slots[0]), "s")
        lines = [f"    # {len(loop.samples)} samples, each the same graph of {len(sample)} "
                 f"nodes: one loop"]
        if all("A[" not in row for row in rows):
            self.graph.namespace[f"ROWS{index}"] = [
                tuple(leaf._data for leaf in slots) for slots in loop.slots]
            rows_code = f"ROWS{index}"
        else:
            rows_code = _tuple_of(rows)  # a tuple of rows, a few to a line
        lines.append(f"    rows{index} = {rows_code}")
        lines += [f"    outputs{index} = []", f"    kept{index} = []",
                  f"    for {slot_names} in rows{index}:"]
        for node in sample:
            lines.append(f"        {names[id(node)]} = {self.value(node, names)}"
                         f"  # {_where(node)}")
        lines += [f"        outputs{index}.append({names[id(sample[-1])]})",
                  f"        kept{index}.append({_target(len(sample), 'u', ' ' * 12)})",
                  f"    {self.graph.name[id(loop.sum_node)]} = _sum(outputs{index})"
                  f"  # {_where(loop.sum_node)}"]
        return lines

    def samples_matrix(self, loop: _Loop, index: int, rows: list[str]) -> str:
        """The code of a vectorised loop's matrix S: row k holds leaf k of every sample.
        rows: each sample's leaves as the Python loop would read them ("(*A[0:64], 1.0,)").

        Constants (the samples were made inside f) are fixed: S is made once, now. Argument
        numbers are picked out of A by their positions, SLOTS[k][i] for sample i's leaf k.
        """
        np = jit_numpy.numpy()
        if all("A[" not in row for row in rows):
            self.graph.namespace[f"ROWS{index}"] = np.array(
                [[leaf._data for leaf in slots] for slots in loop.slots], dtype=float).T
            return f"ROWS{index}  # one row per sample leaf: the samples' fixed numbers"
        positions = [[_argument(self.graph.name[id(leaf)]) for leaf in slots]
                     for slots in loop.slots]
        if all(k is not None for row in positions for k in row):
            self.graph.namespace[f"SLOTS{index}"] = np.array(positions).T
            return (f"_np.array(A)[SLOTS{index}]  # one row per sample leaf: "
                    f"SLOTS{index}[k][i] is where sample i's leaf k is in A")
        return f"_np.array({_tuple_of(rows)}, dtype=float).T  # one row per sample leaf"

    def loop_names(self, loop: _Loop) -> dict[int, str]:
        """Names inside the loop, from sample 0: u0.. for its nodes, s0.. for its leaves."""
        names = dict(self.graph.name)
        for i, node in enumerate(loop.samples[0]):
            names[id(node)] = f"u{i}"
        for i, leaf in enumerate(loop.slots[0]):
            names[id(leaf)] = f"s{i}"
        return names

    # -- backward --
    def backward(self) -> list[str]:
        graph = self.graph
        lines = ['def backward(seed, saved):',
                 '    """The recorded backward pass: d output / d leaf for each read leaf, in '
                 'order."""']
        kept = self.kept_names()
        lines.append(f"    {_tuple_of(kept)} = saved")
        grads = self.grad_names()
        read_by_python = self.read_by_python()
        needing = [node for node in graph.nodes if id(node) in graph.needs_grad
                   and id(node) not in self.in_loop
                   and (id(node) in graph.in_backward if node._children
                        else id(node) in read_by_python or not self.vectorized)]
        if needing:
            lines.append(f"    {' = '.join(grads[id(node)] for node in needing)} = 0.0")
        if self.vectorized:
            lines.append(f"    GP = _np.zeros({len(graph.read_leaves)})  # the NumPy blocks' "
                         f"d output / d leaf, one per read leaf")
        root = graph.root
        if id(root) in graph.needs_grad:
            lines.append(f"    {grads[id(root)]} += seed")
        for node in reversed(graph.nodes):
            key = id(node)
            if (key in self.in_loop or key not in graph.in_backward
                    or key not in graph.needs_grad or not node._children):
                continue
            if key in graph.loops:
                lines += self.loop_backward(graph.loops[key], grads)
            elif key in self.leaf_rows:
                lines.append(f"    if {grads[key]}:  # {_where(node)}, with NumPy")
                for gradient_row, partial in self.leaf_rows[key][1]:
                    share = grads[key] if partial == "1.0" else f"{grads[key]} * {partial}"
                    lines.append(f"        {gradient_row} += {share}")
            else:
                lines += self.shares(node, graph.name, grads, "    ")
        lines += self.gradients_returned(grads, read_by_python)
        return lines

    def read_by_python(self) -> set[int]:
        """The nodes that plain-Python lines read (all of them, without NumPy blocks), and
        the output, which backward's seed goes to: their gradients are Python floats, g..."""
        return {id(self.graph.root)} | {
            id(child) for node in self.graph.nodes
            if not self.in_numpy_block(node) and id(node) not in self.leaf_rows
            for child in node._children}

    def in_numpy_block(self, node: Node) -> bool:
        loop = self.in_loop.get(id(node))
        return loop is not None and id(loop.sum_node) in self.vectorized

    def gradients_returned(self, grads: dict[int, str], read_by_python: set[int]
                           ) -> list[str]:
        """The return line: each gradient leaf's d output / d leaf. With NumPy blocks, a
        leaf's is its place in GP, plus its Python float when plain lines read it too."""
        leaves = self.graph.gradient_leaves()
        if not self.vectorized:
            return [f"    return {_tuple_of([grads[id(leaf)] for leaf in leaves])}"]
        position = {id(leaf): k for k, leaf in enumerate(self.graph.read_leaves)}
        returned = []
        for leaf in leaves:
            from_numpy = f"_g[{position[id(leaf)]}]"
            returned.append(f"{from_numpy} + {grads[id(leaf)]}"
                            if id(leaf) in read_by_python else from_numpy)
        if returned == [f"_g[{k}]" for k in range(len(self.graph.read_leaves))]:
            return ["    return GP.tolist()"]
        return ["    _g = GP.tolist()", f"    return {_tuple_of(returned)}"]

    def grad_names(self) -> dict[int, str]:
        return {key: "g" + name for key, name in self.graph.name.items()
                if name[0] in "vp"}

    def shares(self, node: Node, names: dict[int, str], grads: dict[int, str],
               indent: str) -> list[str]:
        """`if g: child's grad += g * d node / d child` for each child needing a gradient."""
        upstream = grads[id(node)]
        needed = [i for i, child in enumerate(node._children) if id(child) in grads
                  and id(child) in self.graph.needs_grad]
        if not needed:
            return []
        args = [names[id(child)] for child in node._children]
        partials = self.partials(node, args, names[id(node)], needed)
        lines = [f"{indent}if {upstream}:  # {_where(node)}"]
        for prelude in partials.pop(None, []):
            lines.append(f"{indent}    {prelude}")
        for i in needed:
            share = partials[i]
            product = upstream if share == "1.0" else f"{upstream} * {share}"
            lines.append(f"{indent}    {grads[id(node._children[i])]} += {product}")
        return lines

    def partials(self, node: Node, args: list[str], out: str, needed: list[int]) -> dict:
        """i -> the expression of d node / d child i (and None -> lines to run first)."""
        op = node._op
        template = _BACKWARD.get(op)
        if template is not None:
            return template(args, out)
        if op.constant_partials is not None:
            return {i: _literal(op.constant_partials[i]) for i in range(2)}
        if op.partial_rules is not None:
            found = {}
            for i in needed:
                rule = self.bind(f"partial{i}", op, op.partial_rules[i])
                found[i] = f"{rule}({', '.join(args)}, {out})"
            return found
        rule = self.bind("derivative", op, op.derivative)
        if op.arity == 1:
            return {0: f"{rule}({args[0]}, {out})"}
        call = (f"{rule}([{', '.join(args)}], {out})" if op.arity is None
                else f"{rule}({', '.join(args)}, {out})")
        found = {None: [f"d = {call}"]}
        found.update({i: f"d[{i}]" for i in needed})
        return found

    def bind(self, role: str, op: Primitive, function: Callable) -> str:
        """The name under which the code calls one of op's functions: _forward_tanh."""
        namespace = self.graph.namespace
        name = f"_{role}_{op.name}" if op.name.isidentifier() else f"_{role}_{id(op)}"
        if namespace.setdefault(name, function) is not function:  # two ops of one name
            name = f"{name}_{id(op)}"
            namespace[name] = function
        return name

    def loop_backward(self, loop: _Loop, grads: dict[int, str]) -> list[str]:
        index = list(self.graph.loops).index(id(loop.sum_node))
        names = self.loop_names(loop)
        sample = loop.samples[0]
        inner = dict(grads)
        for node in sample:
            inner[id(node)] = "h" + names[id(node)]
        needing = [node for node in sample if id(node) in self.graph.needs_grad]
        if not needing:
            return []
        upstream = grads[id(loop.sum_node)]
        vectorized = self.vectorized.get(id(loop.sum_node))
        if vectorized is not None:
            return vectorized.backward(upstream)
        lines = [f"    if {upstream}:  # {_where(loop.sum_node)}: each sample in reverse order",
                 f"        for {_target(len(loop.slots[0]), 's')}, "
                 f"{_target(len(sample), 'u', ' ' * 12)} in zip(reversed(rows{index}), "
                 f"reversed(kept{index})):",
                 f"            {' = '.join(inner[id(node)] for node in needing)} = 0.0",
                 f"            {inner[id(sample[-1])]} += {upstream}"]
        for node in reversed(sample):
            if id(node) in self.graph.needs_grad:
                lines += self.shares(node, names, inner, "            ")
        return lines


def _names(count: int, prefix: str) -> str:
    return ", ".join(f"{prefix}{i}" for i in range(count))


def _target(count: int, prefix: str, indent: str = "    ") -> str:
    """A tuple to unpack into: "(s0, s1,)", or "()" for none."""
    return _tuple_of([f"{prefix}{i}" for i in range(count)], indent)


def _tuple_of(names: list[str], indent: str = "    ") -> str:
    """A tuple display of names, "(a, b,)" or "()", broken into lines of at most 100."""
    if not names:
        return "()"
    lines, line = [], "("
    for name in names:
        if len(indent) + len(line) + len(name) > 96:
            lines.append(line.rstrip())
            line = " "
        line += name + ", "
    lines.append(line.rstrip(" ") + ")")
    return f"\n{indent}".join(lines)


def _display(names: list[str]) -> str:
    """A tuple display of names, each run of arguments written as a slice of A:
    "(*A[0:64], *A[128:138], 1.0,)"."""
    parts, start = [], 0
    while start < len(names):
        first, stop = _argument(names[start]), start + 1
        if first is not None:
            while stop < len(names) and _argument(names[stop]) == first + stop - start:
                stop += 1
        parts.append(f"*A[{first}:{first + stop - start}]" if stop - start > 1
                     else names[start])
        start = stop
    return f"({', '.join(parts)},)"


def _argument(name: str) -> int | None:
    """k for the name "A[k]" (the argument number k), else None."""
    return int(name[2:-1]) if name.startswith("A[") and name[2:-1].isdigit() else None


def _where(node: Node) -> str:
    """A comment for the node's line: its op, and its scope or label (on one line)."""
    place = " ".join((node.label or node.scope).split())
    return f"{node._op.name} {place}".rstrip()


def _sum_of(terms: list[str]) -> str:
    """Python's sum() of the terms, as the engine's sum and dot compute it, written out.

    sum() adds left to right, starting from the int 0: sum((a, b, c)) is exactly
    0.0 + a + b + c (0.0 + a also turns a -0.0 into 0.0, as sum does). The chain is faster
    than making a tuple for sum(). Where sum() adds with compensation (Python 3.12 on), or
    there is nothing to add (sum gives the int 0), the code calls sum() itself.
    """
    if not terms or not _SUM_ADDS_LEFT_TO_RIGHT:
        return f"_sum(({''.join(term + ', ' for term in terms)}))"
    return " + ".join(["0.0", *terms])


# 1e100 + 1.0 is 1e100 in floats: sum() adding left to right ends at 0.0; one that
# compensates for rounding gives 1.0.
_SUM_ADDS_LEFT_TO_RIGHT = sum([1e100, 1.0, -1e100]) == 0.0

# How the hottest primitives are written inline (the others call the table's functions).
# Each is exactly the table's forward function or derivative rule, so the bits agree;
# the tests compare every primitive with the interpreted engine.
_FORWARD: dict[Primitive, Callable[[list[str]], str]] = {
    ADD: lambda a: f"{a[0]} + {a[1]}",
    SUB: lambda a: f"{a[0]} - {a[1]}",
    MUL: lambda a: f"{a[0]} * {a[1]}",
    NEG: lambda a: f"-{a[0]}",
    IDENTITY: lambda a: a[0],
    RELU: lambda a: f"0.0 if {a[0]} <= 0.0 else {a[0]}",
    SUM: lambda a: _sum_of(a),
    DOT: lambda a: _sum_of([f"{w} * {x}" for w, x in zip(a[:len(a) // 2], a[len(a) // 2:])]),
}
_BACKWARD: dict[Primitive, Callable[[list[str], str], dict]] = {
    ADD: lambda a, out: {0: "1.0", 1: "1.0"},
    SUB: lambda a, out: {0: "1.0", 1: "-1.0"},
    MUL: lambda a, out: {0: a[1], 1: a[0]},
    NEG: lambda a, out: {0: "-1.0"},
    IDENTITY: lambda a, out: {0: "1.0"},
    EXP: lambda a, out: {0: out},
    TANH: lambda a, out: {0: f"(1 - {out} * {out})"},
    RELU: lambda a, out: {0: f"(1.0 if {a[0]} > 0 else 0.0 if {a[0]} <= 0 else _nan)"},
    SUM: lambda a, out: dict.fromkeys(range(len(a)), "1.0"),
    DOT: lambda a, out: {i: a[(i + len(a) // 2) % len(a)] for i in range(len(a))},
}
