"""Analysis of many deals: rates with intervals, censoring-aware cycle times, paired effects."""
