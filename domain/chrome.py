"""Page chrome: what a portal or a mirror wraps around a report, defined once for every stage that
drops it (page objects finding a body, text cleaning, imports).

Element chrome is recognised by class/id words; line chrome by the patterns below, which hold for a
whole line wherever it appears (toolbars, breadcrumbs, source/time/hit bars, mirror boilerplate)."""
from __future__ import annotations

import re

# class/id words of page chrome; matched as whole words of the attribute (split on space, _ and -).
CHROME_WORDS = {
    "share", "bdshare", "print", "breadcrumb", "crumb", "crumbs", "position", "location", "footer", "foot",
    "nav", "navbar", "menu", "comment", "comments", "fontsize", "zihao", "related", "xgwz", "xgxx",
    "pager", "pagination", "toolbar", "tools", "sidebar", "ewm", "qrcode", "copyright", "header", "banner",
    "fenxiang", "dayin", "guanbi", "wzdh", "dqwz", "bottom", "prev", "next", "prevnext", "hits", "visit",
    "disclaimer", "shengming", "jiucuo", "download",
}
# Lines that are chrome wherever they appear: share/print toolbars, counters, breadcrumbs, metadata
# bars, footer items, mirror boilerplate (导航菜单, 本文地址, comment forms), bare dates and digests.
CHROME_LINE = re.compile(
    r"^(?:[【\[]?(?:打印|打印本页|打印此页|打印正文|关闭|关闭窗口|关闭本页|返回顶部|返回首页|返回|收藏|收藏本页|加入收藏|"
    r"下载|全屏|分享|字号|字体|大|中|小|默认|加大|减小|纠错|我要纠错)[】\]]?[\s|/·]*)+$"
    r"|^(?:分享到|字号|【字号|【字体|\[字体|字体[:：]|浏览次数|访问量|阅读次数|点击数|点击量|浏览量|阅读量|您的位置|当前位置|您现在的位置|"
    r"所在位置|扫一扫|上一篇|下一篇|上一条|下一条|责任编辑|编辑[:：]|校对[:：]|审核[:：]|发布时间[:：]|发布日期[:：]|"
    r"信息来源[:：]|来源[:：]|文章来源[:：]|作者[:：]|附件[:：]|相关链接|相关阅读|相关文章|相关报道|"
    r"网站标识码|ICP备|主办单位|承办单位|版权所有|技术支持|联系我们|网站地图)"
    r"|^首页\s*[>»›/]|[>»›]\s*正文$"
    r"|"
    r"^(?:导航菜单|下载|打印|全屏|收藏|加大|还原|减小|默认|大|中|小|【|】|>|›|»|首页|分享[:：]?|【字号[:：]?|【字体[:：]?|"
    r"字号[:：]|打印本页|关闭窗口|关闭|返回顶部|【?打印本页】?|【?关闭窗口】?|扫一扫在手机打开当前页|手机扫一扫|"
    r"相关附件>*|相关链接>*|相关报道[:：]?|相关阅读[:：]?|相关新闻[:：]?|延伸阅读[:：]?|上一篇.*|下一篇.*)$"
    r"|^(?:当前位置|您的位置|您现在的位置|所在位置)[:：]"
    r"|^(?:来源|信息来源|文章来源|稿件来源|时间|发布时间|发表时间|发布日期|更新时间|作者|阅读量|浏览量|浏览次数|点击数|访问量|"
    r"责任编辑|编辑|审核|校对)[:：]\s*\S{0,40}$"
    r"|^本文地址[:：]|^原文地址[:：]|^转载请注明|^留言与评论|^发表评论|^网友评论|^验证码[:：]?|^评论[:：]"
    r"|^\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?\s*(?:\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}秒?)?分?)?$"
    r"|^[0-9a-f]{32}[:：]?$")
# Disclaimers of aggregator sites (本文仅代表作者观点…请以官方网站为准).
DISCLAIMER = re.compile(r"本文仅代表作者观点|不代表本站立场|未经许可，?不得转载|请以.{0,12}官方网站.{0,8}为准|"
                        r"建议您到相关地区政府官网|若对您造成了侵权|版权归原作者")
# A standalone line after which nothing belongs to the report (the page's footer and trailers).
TRAILER = re.compile(r"^(?:相关报道[:：]?|相关附件>*|相关链接>*|扫一扫在手机打开当前页|【?打印本页】?|【?关闭窗口】?|本文地址[:：].*|"
                     r"留言与评论.*|责任编辑[:：]?.*|本文仅代表作者观点.*)$")
PHOTO_CAPTION = re.compile(r"记者.{0,20}摄。?$|摄影[:：]")


def is_chrome_line(line: str) -> bool:
    # CHROME_LINE.search, fourteen times faster on a report's lines: every alternative but one is
    # anchored at the start, so match() finds those, and the one that is not (`> 正文` closing a
    # breadcrumb) needs 正文 in the line. A regex searched along a long paragraph tries each
    # alternative at every position; this ran twice for every line of every page.
    return CHROME_LINE.match(line) is not None or ("正文" in line and CHROME_LINE.search(line) is not None)
