"""The setup workbook (issue 17): one Excel file that describes a whole city's setup
(agencies, people and their roles, units, strategy plans, evaluation dimensions, a fiscal
year, KPI templates and KPI definitions), its export, and its import with a dry run.

- `workbook`: the layout, every sheet and column in one table;
- `export`: the workbook of a fiscal year from the database;
- `parse`: a workbook read into a plan of row changes and problems (writes nothing);
- `apply`: the plan written in one transaction, audited;
- `checklist`: what an empty instance still lacks before its first quarter.
"""
