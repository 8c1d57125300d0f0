"""Training plots: Figures that show once in Jupyter, saved as PNGs of the requested size."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd import Value
from viz import plot_decision_boundary, plot_history
from viz.plots import plot_input_gradients, plot_loss_curves, plot_matrices
from viz.style import NEGATIVE, POSITIVE

matplotlib = pytest.importorskip("matplotlib", reason="plots need pip install blameflow[plot]")


def png_size(path_or_png: Path | bytes) -> tuple[int, int]:
    """(width, height) from the PNG signature and IHDR chunk, the first 24 bytes."""
    png = path_or_png if isinstance(path_or_png, bytes) else path_or_png.read_bytes()
    header = png[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def pixel(path: Path, x_fraction: float, y_fraction: float) -> tuple[float, float, float]:
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    red, green, blue = image[int(y_fraction * height), int(x_fraction * width)][:3]
    return float(red), float(green), float(blue)


def test_history_is_a_png_of_the_requested_size(tmp_path: Path) -> None:
    history = SimpleNamespace(loss=[1.0 / (step + 1) for step in range(50)],
                              accuracy=[min(1.0, step / 40) for step in range(50)],
                              lr=[0.1] * 50, seconds=[0.01] * 50)
    path = tmp_path / "history.png"
    figure = plot_history(history, path, figsize=(7, 3), dpi=80)
    assert png_size(path) == (560, 240)
    assert len(figure.axes) == 2  # loss and accuracy side by side


def test_history_without_accuracy_and_as_a_dict(tmp_path: Path) -> None:
    path = tmp_path / "loss.png"
    figure = plot_history({"loss": [3.0, 2.0, 1.5]}, path, figsize=(4, 3), dpi=50)
    assert png_size(path) == (200, 150)
    assert len(figure.axes) == 1


def test_plots_return_a_figure_and_save_only_when_given_a_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    history = plot_history({"loss": [3.0, 2.0, 1.5]}, figsize=(4, 3), dpi=50)
    boundary = plot_decision_boundary(lambda point: point[0], [[0, 0], [1, 1]], [0, 1],
                                      figsize=(3, 3), dpi=40, resolution=5)
    assert isinstance(history, Figure) and isinstance(boundary, Figure)
    assert list(tmp_path.iterdir()) == []  # path=None: nothing written, here or anywhere
    # What Jupyter shows is the PNG the path would get, at the same size.
    assert png_size(history._repr_png_()) == (200, 150)
    assert png_size(boundary._repr_png_()) == (120, 120)
    saved = tmp_path / "saved.png"
    plot_history({"loss": [3.0, 2.0, 1.5]}, saved, figsize=(4, 3), dpi=50)
    assert saved.read_bytes() == history._repr_png_()


def test_saving_writes_the_whole_file_at_once(tmp_path: Path) -> None:
    # A file is replaced by rename, never rewritten in place: a hard link to the old one
    # keeps the old picture, and no temporary file is left beside the new one.
    path = tmp_path / "loss.png"
    plot_history({"loss": [1.0, 2.0]}, path, figsize=(2, 2), dpi=20)
    old = path.read_bytes()
    os.link(path, tmp_path / "old.png")
    plot_history({"loss": [1.0, 2.0, 3.0, 4.0]}, path, figsize=(3, 2), dpi=20)
    assert (tmp_path / "old.png").read_bytes() == old
    assert png_size(path) == (60, 40)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png", "old.png"]


def test_a_wrong_suffix_is_refused_before_any_drawing(tmp_path: Path) -> None:
    calls = []

    def model(point: list[float]) -> float:
        calls.append(point)
        return point[0]

    with pytest.raises(ValueError, match="end the file name with .png"):
        plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1], tmp_path / "a.jpg")
    with pytest.raises(ValueError, match="end the file name with .png"):
        plot_history({"loss": [1.0]}, tmp_path / "loss.svg")
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_without_matplotlib_viz_imports_and_plots_say_how_to_install_it() -> None:
    # matplotlib set to None in sys.modules makes `import matplotlib` fail, as if missing.
    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "import viz\n"
              "try:\n"
              "    viz.plot_history({'loss': [1.0]})\n"
              "except ImportError as error:\n"
              "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent.parent)
    assert result.stdout.strip() == "plotting needs matplotlib: pip install blameflow[plot]"


def test_history_without_loss_says_what_it_needs(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="needs an object with a `loss` list"):
        plot_history(SimpleNamespace(accuracy=[0.5]), tmp_path / "x.png")


def pixel_at(figure, path: Path, x: float, y: float) -> tuple[float, float, float]:
    """The colour in the saved PNG at the data point (x, y) of the figure's main axes."""
    column, row = figure.axes[0].transData.transform((x, y))
    width, height = png_size(path)
    return pixel(path, column / width, 1 - row / height)


def test_decision_boundary_separates_the_two_sides(tmp_path: Path) -> None:
    # Score x1: positive on the right, negative on the left; the points sit in the corners.
    X = [[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]]
    y = [-1, -1, 1, 1]
    path = tmp_path / "boundary.png"
    figure = plot_decision_boundary(lambda point: Value(point[0]) * 1.0, X, y, path,
                                    figsize=(4, 4), dpi=60)
    assert png_size(path) == (240, 240)
    left, right = pixel_at(figure, path, -1.0, 0.0), pixel_at(figure, path, 1.0, 0.0)
    assert left[2] > left[0], f"left half should be blue-ish ({NEGATIVE}), got {left}"
    assert right[0] > right[2], f"right half should be red-ish ({POSITIVE}), got {right}"


def test_threshold_moves_the_boundary(tmp_path: Path) -> None:
    # A sigmoid-like score in (0, 1) with 0/1 labels: threshold 0.5 puts the boundary at
    # x1 = 0; with threshold 0.9 most of the picture is on the negative side.
    X, y = [[-2.0, 0.0], [2.0, 0.0]], [0, 1]

    def model(point: list[float]) -> list[Value]:
        return [Value(point[0]).sigmoid()]  # a one-output network may return a list

    at_half, at_high = tmp_path / "half.png", tmp_path / "high.png"
    half = plot_decision_boundary(model, X, y, at_half, threshold=0.5)
    high = plot_decision_boundary(model, X, y, at_high, threshold=0.9)
    spot = (0.6, 0.1)  # x1 a little above 0
    assert pixel_at(half, at_half, *spot)[0] > pixel_at(half, at_half, *spot)[2]
    assert pixel_at(high, at_high, *spot)[2] > pixel_at(high, at_high, *spot)[0]


def test_decision_boundary_says_what_it_shows(tmp_path: Path) -> None:
    # Axis names, class names, the accuracy on the points, a colour bar naming the score,
    # and the black boundary line where the score crosses the threshold.
    X, y = [[-1.0, 0.0], [1.0, 0.0], [0.5, 1.0]], [0, 1, 0]
    figure = plot_decision_boundary(lambda point: point[0], X, y, tmp_path / "b.png",
                                    class_names=("cats", "dogs"), score_name="dogness",
                                    axis_names=("width", "height"), title="pets")
    axes, colour_bar = figure.axes
    assert axes.get_xlabel() == "width" and axes.get_ylabel() == "height"
    assert axes.get_title() == ("pets\naccuracy 67% (2 of 3)\n"
                                "black line: the boundary, dogness = 0")
    assert "dogness" in colour_bar.get_ylabel()
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["cats", "dogs"]
    boundary = [c for c in axes.collections if "LineCollection" in type(c).__name__
                or getattr(c, "levels", None) is not None and len(c.levels) == 1]
    assert boundary, "no boundary line drawn"


def test_the_legend_hides_no_point(tmp_path: Path) -> None:
    # XOR's corners fill the whole picture: a legend inside it would cover one of them.
    X, y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0]
    figure = plot_decision_boundary(lambda point: point[0] - point[1], X, y,
                                    tmp_path / "xor.png")
    (legend,) = figure.legends
    box = legend.get_window_extent()  # where saving the PNG drew it, in pixels
    axes = figure.axes[0]
    for point in X:
        column, row = axes.transData.transform(point)
        assert not box.contains(column, row), f"the legend covers {point}"


def test_an_unsure_model_is_pale_and_the_title_says_where_the_boundary_is(
        tmp_path: Path) -> None:
    # Probabilities within 0.01 of 0.5 everywhere: with colour_span=0.5 the picture stays
    # almost white instead of painting "sure" colours on tiny differences.
    X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    path = tmp_path / "unsure.png"
    figure = plot_decision_boundary(lambda point: 0.505 + 0.001 * point[0], X, y, path,
                                    threshold=0.5, colour_span=0.5, score_name="P(1)")
    assert "no boundary in view: P(1) > 0.5 everywhere" in figure.axes[0].get_title()
    red, green, blue = pixel_at(figure, path, 0.5, 0.5)
    assert min(red, green, blue) > 0.9, f"an unsure model should look pale, got {red, green, blue}"


def test_loss_curves_mark_a_run_that_diverged(tmp_path: Path) -> None:
    curves = {"lr 0.1": [1.0, 0.5, 0.25], "lr 10": [1.0, 30.0, float("inf")],
              "lr 5": [1.0, 2.0, 2.0]}
    path = tmp_path / "curves.png"
    figure = plot_loss_curves(curves, path, notes={"lr 5": "stuck"}, figsize=(5, 4), dpi=50)
    assert png_size(path) == (250, 200)
    axes = figure.axes[0]
    assert axes.get_yscale() == "log"
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert list(lines["lr 10"].get_ydata()) == [1.0, 30.0]  # cut at its last finite loss
    notes = {text.get_text() for text in axes.texts}
    assert notes == {"stuck", "inf at step 3"}
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == list(curves)
    with pytest.raises(ValueError, match="no curves given"):
        plot_loss_curves({})


def test_decision_boundary_rejects_bad_input(tmp_path: Path) -> None:
    def model(point: list[float]) -> float:
        return point[0]

    with pytest.raises(ValueError, match="2 points in X but 3 labels"):
        plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1, 1], tmp_path / "a.png")
    with pytest.raises(ValueError, match="point 1 has 3 coordinates"):
        plot_decision_boundary(model, [[0, 0], [1, 1, 1]], [0, 1], tmp_path / "a.png")
    with pytest.raises(ValueError, match="end the file name with .png"):
        plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1], tmp_path / "a.svg")
    with pytest.raises(TypeError, match="must return a Value or a number.*str"):
        plot_decision_boundary(lambda p: "yes", [[0, 0], [1, 1]], [0, 1], tmp_path / "a.png")


def test_input_gradients_put_each_image_above_its_blame(tmp_path: Path) -> None:
    # Two 2 x 2 images; the first gradient is positive only in the top left pixel.
    images = [[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 1.0, 0.0]]
    gradients = [[0.2, 0.0, 0.0, 0.0], [-0.01, 0.01, 0.0, 0.0]]
    path = tmp_path / "blame.png"
    figure = plot_input_gradients(images, gradients, ["a", "b"], (2, 2), path,
                                  figsize=(4, 4), dpi=50)
    assert png_size(path) == (200, 200)
    top_left, bottom_left = figure.axes[0], figure.axes[2]
    assert top_left.get_title() == "a" and bottom_left.get_xlabel() == "largest 0.2"
    # Each heat map is scaled to its own largest gradient: both show full-strength colour.
    heats = [axes.get_images()[0].get_array() for axes in figure.axes[2:4]]
    assert heats[0][0][0] == 1.0 and heats[1][0][1] == 1.0 and heats[1][0][0] == -1.0
    with pytest.raises(ValueError, match="as many gradients and titles as images"):
        plot_input_gradients(images, gradients[:1], ["a", "b"], (2, 2))
    with pytest.raises(ValueError, match="needs 4 numbers per image, got 3"):
        plot_input_gradients([[0.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]], ["a"], (2, 2))


def test_matrices_side_by_side_with_their_numbers_and_shapes(tmp_path: Path) -> None:
    path = tmp_path / "product.png"
    figure = plot_matrices({"A": [[1.0, -2.0, 0.5]], "B": [[1.0], [0.0], [2.0]],
                            "A B": [[2.0]]}, path, title="a product")
    assert png_size(path)[0] > png_size(path)[1] > 0
    labels = [axes.get_xlabel() for axes in figure.axes]
    assert labels == ["A\n(1 x 3)", "B\n(3 x 1)", "A B\n(1 x 1)"]
    assert [text.get_text() for text in figure.axes[0].texts] == ["1", "-2", "0.5"]
    assert figure.get_suptitle() == "a product"
    # Two to a line: two lines, and a narrower picture for a phone.
    stacked = plot_matrices({"A": [[1.0, -2.0, 0.5]], "B": [[1.0], [0.0], [2.0]],
                             "A B": [[2.0]]}, tmp_path / "stacked.png", per_row=2)
    assert len(stacked.subfigs) == 2
    assert png_size(tmp_path / "stacked.png")[0] < png_size(path)[0]
    with pytest.raises(ValueError, match="all of one length"):
        plot_matrices({"ragged": [[1.0, 2.0], [3.0]]})
    with pytest.raises(ValueError, match="no matrices given"):
        plot_matrices({})


@pytest.mark.parametrize("names", [
    ["lr 0.1: creeps, still going down after all 200 steps of plain gradient descent",
     "lr 1: overshoots, then settles on the target", "lr 10: diverges, ends worse, stuck"],
    ["a_single_run_name_without_any_spaces_that_is_far_wider_than_the_figure_itself_is"],
    ["lr 0.1", "lr 1", "lr 10"],
])
def test_the_loss_curves_legend_stays_inside_the_figure(names: list[str], tmp_path: Path) -> None:
    curves = {name: [1.0 / (step + index + 1) for step in range(20)]
              for index, name in enumerate(names)}
    figure = plot_loss_curves(curves, tmp_path / "long.png")  # saving draws it
    (legend,) = figure.legends
    box, whole = legend.get_window_extent(), figure.bbox
    assert whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0, (box, whole)
    # Wrapped, never cut: every word of every name is in the legend.
    shown = [" ".join(text.get_text().split()) for text in legend.get_texts()]
    assert ["".join(s.split()) for s in shown] == ["".join(n.split()) for n in names]
    # And the plot keeps most of the figure's height.
    assert figure.axes[0].get_window_extent().height > 0.4 * whole.height
