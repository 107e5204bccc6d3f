"""Interactive Plotly reports: one self-contained offline HTML file per deal, comparison or
sweep. Reports read DealResults, comparison rows or a results store; they never run a model."""
