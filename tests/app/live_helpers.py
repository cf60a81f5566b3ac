"""Reading live components in AppTest: the live charts' figures as the browser draws them (marks,
restyles and followed live-slider parts applied) and the live sliders' readouts at their values."""

from __future__ import annotations

import json

from ui.live_slider import compose


def _set_path(layout: dict, path: str, value) -> None:
    """layout["a.b"] = v the way Plotly.relayout reads a dotted key ("sliders[0].active" included)."""
    keys = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        keys.append(name)
        if index:
            keys.append(int(index.rstrip("]")))
    node = layout
    for k in keys[:-1]:
        node = node[k] if isinstance(k, int) else node.setdefault(k, {})
    node[keys[-1]] = value


def live_figure(args: dict) -> dict:
    """One live chart's figure with its marks, restyles and followed parts applied."""
    fig = json.loads(args["figure"])
    marks, restyles = dict(args.get("marks") or {}), list(args.get("restyle") or [])
    if args.get("follow"):
        more, r, paint = compose(args["follow"], paint=True)
        if paint:  # points painted in the browser: their codes, as the chart's data then holds them
            r = [*r, [{"marker.color": [paint["codes"]]}, [paint["trace"]]]]
        for k, v in more.items():
            marks[k] = [*marks[k], *v] if isinstance(v, list) and isinstance(marks.get(k), list) else v
        restyles += r
    animate = args.get("animate")
    if args.get("follow"):  # a followed part's animation data (the last slider's wins, as in the browser)
        f = args["follow"]
        parts = json.loads(f["parts"]) if isinstance(f["parts"], str) else f["parts"]
        for name, states in parts.items():
            animate = states.get(str(f["values"].get(name)), {}).get("animate") or animate
    if animate:  # Plotly.animate without redraw: each update merged into its trace
        for update, t in zip(animate["data"], animate["traces"], strict=True):
            fig["data"][t] = {**fig["data"][t], **update}
    for k, v in marks.items():
        _set_path(fig["layout"], k, v) if ("." in k or "[" in k) else fig["layout"].__setitem__(k, v)
    for update, traces in restyles:
        for i, t in enumerate(traces):
            for k, v in update.items():
                value = v[i % len(v)] if isinstance(v, list) else v  # Plotly.restyle: one array item per trace
                _set_path(fig["data"][t], k, value) if "." in k else fig["data"][t].__setitem__(k, value)
    return fig


def live_figures(at) -> list[dict]:
    """Every live chart's figure on the page (ui.live_plot), as drawn."""
    return [
        live_figure(json.loads(el.proto.json_args))
        for el in at.get("component_instance")
        if el.proto.component_name.endswith("live_plot")
    ]


def live_readouts(at) -> tuple[dict, list[str]]:
    """The live sliders' tiles ({label: exact value}) and lines at the values they hold (ui.live_slider)."""
    tiles, lines = {}, []
    for el in at.get("component_instance"):
        if not el.proto.component_name.endswith("live_slider"):
            continue
        args = json.loads(el.proto.json_args)

        def pick(item, args=args):
            return item["static"] if "static" in item else item["texts"].get(str(args["values"][item["slider"]]))

        for item in args["tiles"]:
            t = pick(item)
            if t:
                tiles[t[0]] = t[2] if len(t) > 2 else t[1]
        lines += [t for t in map(pick, args["lines"]) if t]
    return tiles, lines
