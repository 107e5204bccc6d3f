"""One self-contained HTML page: a plain-language summary, then figures with their
descriptions, plotly.js inlined once so the file works offline.

Every string that comes from a scenario or experiment file is HTML-escaped here; figure
JSON is written by plotly, whose encoder escapes '<', '>' and '&' inside strings.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim.files import write_atomically

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto;
       max-width: 1280px; padding: 1.5rem 2rem; color: #1f2933; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d9e2ec; }
.summary { background: #f5f7fa; border-left: 4px solid #486581; padding: .6rem 1rem; }
.caption { color: #52606d; margin: .3rem 0 .6rem; }
.with-story { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; }
.story { max-height: 640px; overflow-y: auto; font-size: .85rem; line-height: 1.35;
         border: 1px solid #d9e2ec; padding: .5rem .8rem; }
.story p { margin: .15rem 0; }
table.facts { border-collapse: collapse; font-size: .9rem; }
table.facts td, table.facts th { border: 1px solid #d9e2ec; padding: .2rem .6rem;
                                 text-align: left; }
pre.code { background: #f5f7fa; border: 1px solid #d9e2ec; padding: .6rem 1rem;
           font-size: .8rem; max-height: 480px; overflow: auto; }
footer { margin-top: 3rem; color: #7b8794; font-size: .8rem; }
"""


@dataclass
class Section:
    title: str
    caption: str
    figure: go.Figure | None = None
    story: list[str] | None = None
    table: list[tuple[str, str]] | None = None
    code: str | None = None  # shown verbatim (a scenario as YAML)


@dataclass
class Page:
    title: str
    summary: list[str]
    sections: list[Section] = field(default_factory=list)
    footer: str = "Made with b2bsim. Figures are interactive: hover for details, drag to zoom."

    def add(self, section: Section) -> None:
        self.sections.append(section)

    def render(self) -> str:
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title>",
            f"<style>{STYLE}</style>",
            f'<script type="text/javascript">{get_plotlyjs()}</script>',
            "</head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
            '<div class="summary">',
            *(f"<p>{html.escape(line)}</p>" for line in self.summary),
            "</div>",
        ]
        for number, section in enumerate(self.sections):
            parts.append(f"<h2>{html.escape(section.title)}</h2>")
            parts.append(f'<p class="caption">{html.escape(section.caption)}</p>')
            figure = ""
            if section.figure is not None:
                figure = section.figure.to_html(
                    full_html=False,
                    include_plotlyjs=False,
                    div_id=f"figure-{number}",
                    config={"displaylogo": False, "responsive": True},
                )
            if section.story is not None:
                story = "".join(f"<p>{html.escape(line)}</p>" for line in section.story)
                parts.append(
                    f'<div class="with-story"><div>{figure}</div>'
                    f'<div class="story" aria-label="the story">{story}</div></div>'
                )
            else:
                parts.append(figure)
            if section.table is not None:
                rows = "".join(
                    f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in section.table
                )
                parts.append(f'<table class="facts">{rows}</table>')
            if section.code is not None:
                parts.append(f'<pre class="code">{html.escape(section.code)}</pre>')
        parts.append(f"<footer>{html.escape(self.footer)}</footer></body></html>")
        return "\n".join(parts)

    def write(self, path: str | Path) -> Path:
        """Write atomically (temporary file, then rename) so a report is never half-written."""
        return write_atomically(path, lambda p: p.write_text(self.render(), encoding="utf-8"))
