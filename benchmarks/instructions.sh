#!/usr/bin/env bash
# Instructions per moons training step, counted by valgrind's callgrind: the same count on
# every run, whatever else the machine is doing, so small engine changes can be compared
# where wall-clock timings on a shared machine vary by more than the change.
# Usage: bash benchmarks/instructions.sh   (needs valgrind; uses .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
steps=3
program="
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
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$python" -c "$1" 2>&1 \
        | grep -oP "Collected : \K[0-9]+"
}
baseline=$(count "import nn, autograd")   # start-up and imports, subtracted
total=$(count "$program")
echo "$(( (total - baseline) / steps / 1000000 )) M instructions per moons step (set-up included)"
