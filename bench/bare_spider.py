"""The baseline: a bare Scrapy spider that fetches the given URLs and parses each page's paragraphs,
with no page objects, no pipelines and no archive."""
import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(self, urls_file: str, **kwargs):
        super().__init__(**kwargs)
        self.urls = open(urls_file, encoding="utf-8").read().split()

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        # The same parse a minimal scraper does: decode, build the tree, read the paragraphs (of pages;
        # a PDF it only downloads).
        if isinstance(response, scrapy.http.TextResponse):
            _ = "\n".join(response.css("p::text").getall())
