"""One colour per seller strategy, per product and per buying job, for every report and the
explorer: a colour means the same thing wherever a trainer sees it.

Strategies are warm or dark (red, teal, gold); products are blue (ours), purple and green
(rivals) and grey (doing nothing); jobs keep their own soft set.
"""

from __future__ import annotations

STRATEGY_COLOURS = {
    "none": "#52606d",
    "funnel_pusher": "#c1292e",
    "maze_guide": "#2a9d8f",
    "social_seller": "#d4a017",
}
SPARE_COLOURS = ("#6a4c93", "#ff9f1c", "#8ac926", "#1f2933")
STATUS_QUO_COLOUR = "#9aa5b1"
OUR_PRODUCT_COLOUR = "#235789"
RIVAL_COLOURS = ("#7b3f99", "#4d8b31", "#b5651d", "#c2185b")
JOB_COLOURS = {"seek": "#3e7cb1", "validate": "#f0a202", "align": "#57a773", "idle": "#d9e2ec"}
THRESHOLD_COLOUR = "#52606d"

STRATEGY_WORDS = {
    "none": "no seller",
    "funnel_pusher": "funnel pusher",
    "maze_guide": "maze guide",
    "social_seller": "social seller",
}


def strategy_colour(strategy: str, index: int = 0) -> str:
    """The strategy's colour; an unknown name (a sweep's other parameter) takes a spare one."""
    return STRATEGY_COLOURS.get(strategy, SPARE_COLOURS[index % len(SPARE_COLOURS)])


def strategy_label(strategy: str) -> str:
    """'maze_guide' -> 'maze guide (maze_guide)': words first, the id beside them."""
    words = STRATEGY_WORDS.get(strategy)
    return f"{words} ({strategy})" if words else strategy


def strategy_words(strategy: str) -> str:
    """'maze_guide' -> 'maze guide': for sentences meant for a room (no code names)."""
    return STRATEGY_WORDS.get(strategy, strategy.replace("_", " "))


def option_colours(options: list[str], our_vendor: str, status_quo: str = "status_quo") -> dict:
    """Doing nothing grey, our product blue, each rival its own colour in scenario order."""
    colours = {}
    rivals = 0
    for option in options:
        if option == status_quo:
            colours[option] = STATUS_QUO_COLOUR
        elif option == our_vendor:
            colours[option] = OUR_PRODUCT_COLOUR
        else:
            colours[option] = RIVAL_COLOURS[rivals % len(RIVAL_COLOURS)]
            rivals += 1
    return colours


def fill(hex_colour: str, alpha: float) -> str:
    """A translucent version of a colour, for interval bands."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
