"""One module per open-data source (see the source-module protocol in docs/architecture.md)."""
