"""citykpi: KPI monitoring and evaluation for a city government."""
