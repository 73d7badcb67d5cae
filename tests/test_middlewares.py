"""Politeness and challenge detection, component by component."""
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.challenges import ChallengeMiddleware
from crawler.downloadermiddlewares.retry import BackoffRetryMiddleware
from domain.challenges import challenge_reason


def test_js_cookie_challenges_are_detected():
    body = b"<script>document.cookie='__jsl_clearance_s=1';location.href=location.pathname</script>"
    assert challenge_reason(412, body) == "js_challenge_412"
    assert challenge_reason(521, body) == "js_challenge_521"


def test_a_soft_404_with_status_200_is_detected_and_a_report_is_not():
    assert challenge_reason(200, "<p>对不起，您访问的页面不存在</p>".encode()) == "soft_block"
    assert challenge_reason(200, "<p>页面不存在</p>".encode("gbk")) == "soft_block"
    assert challenge_reason(200, ("<p>政府工作报告</p>" * 2000).encode()) is None


def test_the_challenge_middleware_marks_the_request_and_counts_it():
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    middleware = ChallengeMiddleware.from_crawler(crawler)
    request = Request("http://www.nc.gov.cn/", meta={"stats_key": "portal/360100"})
    response = HtmlResponse(request.url, status=412, body=b"<script>document.cookie='x'</script>", request=request)
    assert middleware.process_response(request, response) is response
    assert request.meta["challenge"] == "js_challenge_412"
    assert crawler.stats.get_value("portal/360100/blocked") == 1


def test_retries_back_off_exponentially_up_to_a_cap():
    crawler = get_crawler(settings_dict={"RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 10.0})
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    delays = [middleware._delay(Request("http://x.gov.cn/", meta={"retry_times": n})) for n in range(4)]
    assert delays == [2.0, 4.0, 8.0, 10.0]


def test_politeness_settings():
    from scrapy.settings import Settings
    settings = Settings()
    settings.setmodule("crawler.settings")
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert "+https://" in settings["USER_AGENT"] and "govreports" in settings["USER_AGENT"]
