"""Item pipelines. `archive.ArchivePipeline` takes each fetch the spiders yield through the one
derivation (domain.derive) and the one write (storage.ingest), off the reactor thread;
`verify.VerificationPipeline` records what `scrapy verify` found."""
