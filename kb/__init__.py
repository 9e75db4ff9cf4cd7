"""tipkb core library: article references, taxonomy, records, index loading, retrieval and search."""
