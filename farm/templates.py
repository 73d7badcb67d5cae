"""Page templates of the CMS families government portals run on, as the farm serves them.

Modelled on what those systems emit (class and id names, meta tags, footers, chrome), filled with
the project's own texts."""
from __future__ import annotations

from html import escape


def _paragraphs(paragraphs, indent: str = "\u3000\u3000") -> str:
    return "\n".join(f"<p>{indent}{escape(p)}</p>" for p in paragraphs)


def gov_meta(site_name: str, domain: str, site_code: str, column: str, title: str, pubdate: str,
             source: str, upper: bool = True) -> str:
    names = ["SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource"]
    values = [site_name, domain, site_code, column, title, pubdate, source]
    return "\n".join(f'<meta name="{n if upper else n.lower()}" content="{escape(v)}">' for n, v in zip(names, values, strict=True))


def footer(site_name: str, site_code: str, icp: str, police: str) -> str:
    return (f'<div class="footer"><p>主办单位：{site_name}办公室　联系我们　网站地图</p>'
            f'<p>网站标识码：{site_code}　{icp}　{police}</p></div>')


def trs_article(*, site_name, domain, site_code, column, title, pubdate, source, paragraphs, icp, police,
                charset="utf-8", images=()) -> str:
    """TRS WCM: body in div.TRS_Editor, breadcrumb div.position, info bar, share and print links. `images`:
    the body's pictures (a scan published as pictures of its pages), after its paragraphs."""
    pictures = "\n".join(f'<p style="text-align:center"><img src="{escape(src)}" border="0" alt="" '
                          f'oldsrc="{escape(src.rsplit("/", 1)[-1])}" /></p>' for src in images)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}_{site_name}</title>
{gov_meta(site_name, domain, site_code, column, title, pubdate, source)}
<script src="/js/common.js"></script></head>
<body><div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/xwzx/">新闻中心</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="position">您的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="./">{column}</a></div>
<div class="article"><h1 class="article-title">{escape(title)}</h1>
<div class="article-info">发布时间：{pubdate}　来源：{source}　浏览次数：<span id="hits">1024</span>
【字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="article-content"><div class="TRS_Editor"><style>.TRS_Editor P{{line-height:2}}</style>
{_paragraphs(paragraphs)}{pictures}
</div></div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
{footer(site_name, site_code, icp, police)}
</body></html>"""


def hanweb_article(*, site_name, domain, site_code, column, title, pubdate, source, paragraphs, icp, police,
                   charset="gb2312") -> str:
    """Hanweb (大汉): body in #zoom, lower-case meta names, an empty SiteIDCode meta and the code in the
    footer, a jiucuo (error report) widget carrying site_code."""
    meta = gov_meta(site_name, domain, "", column, title, pubdate, source, upper=False)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}</title>
{meta}</head>
<body><table class="top"><tr><td><a href="/">网站首页</a> | <a href="/zwgk/">政务公开</a></td></tr></table>
<table width="1000" class="wzdh"><tr><td>当前位置：<a href="/">首页</a> » <a href="/zwgk/">政务公开</a> » {column}</td></tr></table>
<table width="1000"><tr><td class="title" align="center">{escape(title)}</td></tr>
<tr><td class="info">发布日期：{pubdate}　信息来源：{source}　访问量：<script>document.write(88)</script></td></tr>
<tr><td><div id="zoom">
{_paragraphs(paragraphs)}
</div></td></tr>
<tr><td class="dayin">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</td></tr></table>
<script id="_jiucuo_" sitecode="{site_code}" src="https://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>
<script>var site_code = "{site_code}";</script>
<div class="bottom"><p>{site_name}　主办</p><p>网站标识码：{site_code}　{icp}　{police}</p></div>
</body></html>"""


def ucap_article(*, site_name, domain, site_code, column, title, pubdate, source, paragraphs, icp, police,
                 charset="utf-8") -> str:
    """UCAP (开普云): body in div.pages_content#UCAP-CONTENT, no Site* meta, site code in the footer only."""
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<title>{escape(title)}_{site_name}</title>
<meta name="keywords" content="{escape(title)}"></head>
<body><div class="crumbs"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; {column}</div>
<div class="article"><div class="article-title"><h1>{escape(title)}</h1></div>
<div class="pages-date">{pubdate}　来源：{source}</div>
<div class="pages_content" id="UCAP-CONTENT">
{_paragraphs(paragraphs)}
</div>
<div class="editor">责任编辑：王编辑</div>
<div class="prevnext"><a href="#">上一篇</a> <a href="#">下一篇</a></div></div>
{footer(site_name, site_code, icp, police)}
</body></html>"""


def plain_article(*, site_name, domain, site_code, column, title, pubdate, source, paragraphs, icp, police,
                  charset="utf-8") -> str:
    """A portal template no selector list knows (div.wenzhang): only a density search finds its body."""
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(title)}</title>
{gov_meta(site_name, domain, site_code, column, title, pubdate, source)}</head>
<body><div class="topbar"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></div>
<div class="local">首页 &gt; {column} &gt; 正文</div>
<div class="wenzhang"><div class="bt">{escape(title)}</div><div class="rq">{pubdate}</div>
<div class="nr">
{_paragraphs(paragraphs, indent="")}
</div></div>
<div class="links"><a href="/a.html">友情链接一</a> <a href="/b.html">友情链接二</a> <a href="/c.html">友情链接三</a></div>
{footer(site_name, site_code, icp, police)}
</body></html>"""


def mirror_article(*, title, paragraphs, site_name, url) -> str:
    """An aggregator page in the seed's layout: navigation, the copied text, a disclaimer, the page
    address and a comment form."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}-{site_name}</title></head>
<body><div class="menu"><span>导航菜单</span> <a href="/">首页</a> <a href="/baogao/">工作报告</a> <a href="/baogao/huadong/">华东</a></div>
<div class="main"><h1>{escape(title)}</h1>
<div class="txt">
{_paragraphs(paragraphs, indent="  ")}
</div>
<div class="tip">本文仅代表作者观点，不代表本站立场。转载内容可能不完整，请以当地政府官方网站发布的为准。</div>
<div class="addr">本文地址:{url}</div>
<form class="comment" action="/comment" method="post">评论：<textarea name="c"></textarea>
验证码:<input name="code"><input type="submit" value="提交"></form></div>
<div class="foot">Copyright 工作报告网</div></body></html>"""


def listing(*, site_name, title, items, pager="", charset="utf-8", nav="") -> str:
    """A column listing: ul.list of (href, text, date) and an optional pager."""
    rows = "\n".join(f'<li><a href="{href}" title="{escape(text)}" target="_blank">{escape(text)}</a>'
                     f'<span class="date">{date}</span></li>' for href, text, date in items)
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{escape(title)}_{site_name}</title></head>
<body><div class="nav"><a href="/">首页</a> {nav}</div>
<div class="list-title">{escape(title)}</div>
<ul class="list">
{rows}
</ul>
<div class="pager">{pager}</div>
<div class="footer">{site_name}</div></body></html>"""


def home(*, site_name, links, charset="utf-8") -> str:
    items = "\n".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in links)
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{site_name}</title></head>
<body><div class="logo">{site_name}</div><ul class="nav">
{items}
</ul><div class="news"><a href="/xwzx/1.html">全市重点项目集中开工</a></div></body></html>"""
