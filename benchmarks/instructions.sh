#!/usr/bin/env bash
# Instructions counted by valgrind's callgrind, for comparing small engine changes on a busy
# machine: the count hardly moves from run to run (hash seed fixed), whatever else the
# machine is doing, where wall-clock timings on a shared machine vary by more than the change.
#   moons:  per training step of benchmarks/moons.py's set-up (3 steps, set-up included)
#   engine: per op node of benchmarks/engine.py's program (one build, one backward)
# Usage: bash benchmarks/instructions.sh   (needs valgrind; uses .venv/bin/python; counts
# the packages of the tree this script sits in)
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
export PYTHONHASHSEED=0 PYTHONPATH=$PWD
steps=3
moons="
import gc
from nn import MLP, SGD, hinge, l2, moons
X, y = moons(100, noise=0.1, signed=True)
model = MLP(2, [16, 16, 1], activation='relu', seed=7)
optimizer = SGD(model.parameters(), lr=0.5)
gc.disable()
for _ in range($steps):
    loss = hinge(model.forward_batch(X), y) + 1e-4 * l2(model.parameters())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"
engine_setup="
import gc, sys
sys.path.insert(0, 'benchmarks')
from engine import OP_NODES, build, make_leaves
from autograd import Value
leaves = make_leaves(Value)
gc.disable()
"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$python" -c "$1" 2>&1 \
        | grep -oP "Collected : \K[0-9]+"
}
per() {  # per(total, baseline, n, unit): (total - baseline) / n, in units
    awk -v t="$1" -v b="$2" -v n="$3" -v u="$4" 'BEGIN { printf "%.1f", (t - b) / n / u }'
}
baseline=$(count "import nn, autograd")   # start-up and imports, subtracted
total=$(count "$moons")
echo "moons:  $(per "$total" "$baseline" "$steps" 1e6) M instructions per step (set-up included)"
nodes=$("$python" -c "import sys; sys.path.insert(0, 'benchmarks'); import engine; print(engine.OP_NODES)")
baseline=$(count "$engine_setup")          # leaves made before, not counted
total=$(count "$engine_setup
build(leaves).backward()")
echo "engine: $(per "$total" "$baseline" "$nodes" 1) instructions per op node (build and backward)"
