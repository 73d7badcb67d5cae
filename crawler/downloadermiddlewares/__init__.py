"""The project's downloader middlewares, one concern a module (as Scrapy's own
scrapy.downloadermiddlewares): their order is in crawler/settings.py (DOWNLOADER_MIDDLEWARES), with why."""
