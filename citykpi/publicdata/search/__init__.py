"""Word search over the public KPIs: names (Thai and English), agency and district names,
and the published quarterly narratives, segmented into Thai words and indexed in the
database's own full-text index (docs/read-model.md#search).

- segment.py: Thai text into normalised words (nlpo3's newmm with our shipped dictionary)
- query.py: what was typed into a query tree (synonyms, compounds, prefixes) and its
  PostgreSQL tsquery / SQLite FTS5 text
- index.py: the entries (publicdata.SearchEntry), kept current by the audit signal
- engine.py: running a search; `search(text, year, limit, offset)` and the pieces the
  public finder combines with its other filters
- actions.py: the audited edits of the synonym list
"""
