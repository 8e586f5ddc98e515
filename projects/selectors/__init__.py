"""Reads of projects and budgets, split by purpose:

- `money`: the only place money is summed (Figures, roll-ups, the over-budget rule in SQL);
- `portfolio`: the filtered, sorted list and its rows;
- `project_page`: one project with its budget per year and its audit trail;
- `cockpit`: the strategy cockpit on the dashboard.
"""
