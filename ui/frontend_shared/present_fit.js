// Presentation mode's chart sizing, shared by the live chart (ui/live_plot.py) and the live threshold
// (ui/live_threshold.py): copied beside each component's page by ui/component_files.private_dir.
"use strict";

// `fit` = {min, pad} (ui/present.py) or null: the height the browser window leaves below element `el`'s top
// (the page is same-origin), as if the page were scrolled to its top; null when not presenting
function windowHeight(el, fit) {
  if (!fit) return null;
  try {
    const fe = window.frameElement, top = window.parent;
    if (!fe) return null;
    let y = fe.getBoundingClientRect().top + el.getBoundingClientRect().top + top.scrollY;
    for (let p = fe.parentElement; p; p = p.parentElement) y += p.scrollTop || 0;  // as if scrolled to the top
    return Math.max(fit.min || 300, Math.floor(top.innerHeight - y - (fit.pad || 8)));
  } catch (err) { return null; }  // not same-origin: the figure's own height
}

// a legend under the plot (negative y, in plot fractions) keeps its distance in pixels at a fitted height
function legendsAt(natural, h) {
  const H = natural.height || 450, m = natural.margin || {};
  const mt = m.t === undefined ? 100 : m.t, mb = m.b === undefined ? 80 : m.b;
  const r = (H - mt - mb) / Math.max(50, h - mt - mb), out = {};
  for (const k of Object.keys(natural)) {
    const lg = natural[k];
    if (/^legend\d*$/.test(k) && lg && typeof lg.y === "number" && lg.y < 0) out[k] = lg.y * r;
  }
  return out;
}
