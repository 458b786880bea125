"""The Hugging Face Hub side: HTTP client, crawler, page ingestion and config features.

``client`` speaks the Hub's wire format (Link pagination, RateLimit headers) over a
replaceable httpx2 transport; ``crawl`` drives resumable crawls into a DuckDB file;
``ingest`` turns pages into the ``hub_*`` tables; ``features`` reads architecture
facts out of ``config.json``.
"""
