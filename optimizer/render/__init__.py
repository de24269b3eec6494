"""Results -> what users read: `records` (every JSON document, one schema version) ->
`cells` (one formatter per quantity, one for shadow prices) -> the views that lay cells out
(`terminal`, `markdown`, `html`, `workbook`, `csv`, `charts`). `bundle` says what each
command shows and which files `--out` writes."""
